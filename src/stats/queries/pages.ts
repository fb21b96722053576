import type { SqlRunner } from '../../core/ports.js';
import { eventScope, type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { mergeParams, num, numOrNull, round, sessionScope, str } from '../sql.js';

/**
 * GET /api/stats/pages: three tables of page paths.
 * - top: page views and visitors of matching page_view events, with the average engaged time (sum of
 *   properties.engaged_ms of the page's scroll events in matching sessions / its page views) and the average
 *   scroll depth (per session and page, the deepest scroll_depth reported; averaged over those pairs);
 * - entry / exit: the first / last page_view of each matching session, counted per page.
 * NULL page_path shows as "(none)".
 */
const topSql = (scope: string, sessions: string) => `
WITH views AS (
  SELECT coalesce(page_path, '(none)') AS page, count(*) AS views, count(DISTINCT anonymous_id) AS visitors
  FROM events WHERE ${scope} AND event_type = 'page_view'
  GROUP BY 1 ORDER BY views DESC, page LIMIT $limit
),
scrolls AS (
  SELECT coalesce(page_path, '(none)') AS page, session_id,
    sum(TRY_CAST(json_extract_string(properties, '$.engaged_ms') AS DOUBLE)) AS engaged_ms,
    max(scroll_depth) AS depth
  FROM events WHERE ${sessions} AND event_type = 'scroll' AND coalesce(page_path, '(none)') IN (SELECT page FROM views)
  GROUP BY 1, 2
),
per_page AS (
  SELECT page, sum(engaged_ms)::DOUBLE AS engaged_ms, avg(depth)::DOUBLE AS avg_depth FROM scrolls GROUP BY page
)
SELECT v.page, v.views, v.visitors, p.engaged_ms, p.avg_depth
FROM views v LEFT JOIN per_page p USING (page)
ORDER BY v.views DESC, v.page`;

const entryExitSql = (sessions: string) => `
WITH s AS (
  SELECT session_id, arg_min(coalesce(page_path, '(none)'), ts) AS entry, arg_max(coalesce(page_path, '(none)'), ts) AS exit
  FROM events WHERE ${sessions} AND event_type = 'page_view'
  GROUP BY session_id
),
e AS (SELECT 'entry' AS kind, entry AS page, count(*) AS sessions FROM s GROUP BY ALL),
x AS (SELECT 'exit' AS kind, exit AS page, count(*) AS sessions FROM s GROUP BY ALL)
SELECT * FROM (SELECT * FROM e UNION ALL SELECT * FROM x)
QUALIFY row_number() OVER (PARTITION BY kind ORDER BY sessions DESC, page) <= $limit
ORDER BY kind, sessions DESC, page`;

export async function pages(sql: SqlRunner, q: StatsQuery) {
  const scope = eventScope(q);
  const sessions = sessionScope(q);
  const params = mergeParams(scope.params, sessions.params, { limit: q.limit });
  const [top, ends] = await Promise.all([
    sql.queryInternal(topSql(scope.sql, sessions.sql), params),
    sql.queryInternal(entryExitSql(sessions.sql), mergeParams(sessions.params, { limit: q.limit })),
  ]);
  const table = (kind: string) =>
    ends.rows.filter((r) => r.kind === kind).map((r) => ({ page: str(r.page), sessions: num(r.sessions) }));
  return {
    top: top.rows.map((r) => {
      const views = num(r.views);
      const engaged = numOrNull(r.engaged_ms);
      const depth = numOrNull(r.avg_depth);
      return {
        page: str(r.page),
        views,
        visitors: num(r.visitors),
        avg_engaged_ms: engaged === null || views === 0 ? null : Math.round(engaged / views),
        avg_scroll_depth: depth === null ? null : round(depth, 1),
      };
    }),
    entry: table('entry'),
    exit: table('exit'),
  };
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'pages',
  path: '/api/stats/pages',
  run: (sql, q) => pages(sql, q),
};
