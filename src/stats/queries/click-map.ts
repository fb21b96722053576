import type { SqlRunner } from '../../core/ports.js';
import { ClicklakeError } from '../../core/errors.js';
import { eventScope, intParam, type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { interactionEvents } from '../rollup.js';
import { mergeParams, num } from '../sql.js';

/**
 * GET /api/stats/click-map?page=/path: the click positions of one page for a heatmap. Matching click/outbound/
 * rage_click events of that page_path with x and y, snapped to a `grid` (px, default 10) and grouped with the
 * viewport width snapped to 10 px; the `points` (default 500, at most 5000) most clicked cells, with `total` clicks
 * and `truncated` when cells were left out. x and y are document coordinates; scale x by viewport_w to overlay.
 */
export const POINTS_DEFAULT = 500;
export const POINTS_MAX = 5000;
const PAGE_MAX = 2000;

const mapSql = (scope: string, source: string) => `
WITH c AS (
  SELECT (x // $grid) * $grid AS x, (y // $grid) * $grid AS y, (viewport_w // 10) * 10 AS viewport_w
  FROM (${source}) WHERE ${scope} AND event_type IN ('click', 'outbound', 'rage_click') AND page_path = $page
    AND x IS NOT NULL AND y IS NOT NULL
)
SELECT x, y, viewport_w, count(*) AS clicks, sum(count(*)) OVER () AS total, count(*) OVER () AS cells
FROM c GROUP BY ALL
ORDER BY clicks DESC, y, x, viewport_w
LIMIT $points`;

export async function clickMap(sql: SqlRunner, q: StatsQuery, extra: URLSearchParams) {
  const pages = extra.getAll('page');
  if (pages.length !== 1 || pages[0] === '' || pages[0]!.length > PAGE_MAX) {
    throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'page: required once (a page_path, e.g. /pricing)');
  }
  const grid = intParam(extra, 'grid', 1, 200, 10);
  const points = intParam(extra, 'points', 1, POINTS_MAX, POINTS_DEFAULT);
  const scope = eventScope(q);
  const source = await interactionEvents(sql, q);
  const result = await sql.queryInternal(
    mapSql(scope.sql, source.sql),
    mergeParams(scope.params, source.params, { page: pages[0]!, grid, points }),
    { maxRows: POINTS_MAX },
  );
  const first = result.rows[0];
  return {
    page: pages[0],
    grid,
    total: first ? num(first.total) : 0,
    truncated: first ? num(first.cells) > result.rows.length : false,
    points: result.rows.map((r) => ({
      x: num(r.x),
      y: num(r.y),
      viewport_w: r.viewport_w === null ? null : num(r.viewport_w),
      clicks: num(r.clicks),
    })),
  };
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'click-map',
  path: '/api/stats/click-map',
  extraParams: ['page', 'grid', 'points'],
  run: (sql, q, extra) => clickMap(sql, q, extra),
};
