import type { SqlRunner, SqlValue } from '../../core/ports.js';
import { eventScope, filterSql, type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { mergeParams, num, numOrNull, round, str } from '../sql.js';

/**
 * GET /api/stats/pages: three tables of page paths.
 * - top: page views and visitors of matching page_view events, with the average engaged time (sum of
 *   properties.engaged_ms of the page's scroll events in matching sessions / its page views) and the average
 *   scroll depth (per session and page, the deepest scroll_depth reported; averaged over those pairs);
 * - entry / exit: the first / last page_view of each matching session, counted per page.
 * NULL page_path shows as "(none)".
 *
 * One statement, one scan: `ev` holds the range's events (all types: a filter may match any event of a session)
 * with only the columns needed and the filter match flag `m`; the top table, the scroll aggregates and the
 * entry/exit pages all read it. `sev` = the events of sessions with a matching event (session semantics).
 */
const pagesSql = (range: string, match: string, matching: string, filtered: boolean) => `
WITH ev AS MATERIALIZED (
  SELECT coalesce(page_path, '(none)') AS page, session_id, anonymous_id, event_type, ts, scroll_depth,
    CASE WHEN event_type = 'scroll' THEN TRY_CAST(json_extract_string(properties, '$.engaged_ms') AS DOUBLE) END AS engaged_ms,
    ${match} AS m
  FROM events WHERE ${range}${filtered ? ` AND (${match} OR session_id IN (SELECT m_.session_id FROM events m_ WHERE ${matching} AND m_.session_id IS NOT NULL))` : ''}
),
sev AS (
  SELECT * FROM ev WHERE session_id IS NOT NULL${filtered ? ' AND session_id IN (SELECT session_id FROM ev WHERE m AND session_id IS NOT NULL)' : ''}
),
views AS (
  SELECT page, count(*) AS views, count(DISTINCT anonymous_id) AS visitors
  FROM ev WHERE m AND event_type = 'page_view'
  GROUP BY 1 ORDER BY views DESC, page LIMIT $limit
),
scrolls AS (
  SELECT page, session_id, sum(engaged_ms) AS engaged_ms, max(scroll_depth) AS depth
  FROM sev WHERE event_type = 'scroll' AND page IN (SELECT page FROM views)
  GROUP BY 1, 2
),
per_page AS (
  SELECT page, sum(engaged_ms)::DOUBLE AS engaged_ms, avg(depth)::DOUBLE AS avg_depth FROM scrolls GROUP BY page
),
s AS (
  SELECT session_id, arg_min(page, ts) AS entry, arg_max(page, ts) AS exit
  FROM sev WHERE event_type = 'page_view'
  GROUP BY session_id
),
ends AS (
  SELECT * FROM (
    SELECT 'entry' AS kind, entry AS page, count(*) AS sessions FROM s GROUP BY ALL
    UNION ALL SELECT 'exit' AS kind, exit AS page, count(*) AS sessions FROM s GROUP BY ALL
  )
  QUALIFY row_number() OVER (PARTITION BY kind ORDER BY sessions DESC, page) <= $limit
)
SELECT 'top' AS kind, v.page, v.views, v.visitors, p.engaged_ms, p.avg_depth, NULL::BIGINT AS sessions
FROM views v LEFT JOIN per_page p USING (page)
UNION ALL
SELECT kind, page, NULL, NULL, NULL, NULL, sessions FROM ends`;

export async function pages(sql: SqlRunner, q: StatsQuery) {
  const range = eventScope(q, undefined, { filters: false });
  const f = filterSql(q.filters);
  // With filters, only matching events and the events of matching sessions are kept (a selective filter is pushed
  // into the scan of the semi-join's build side, so little is materialised).
  const matching = eventScope(q, 'm_', { prefix: 'm_' });
  const result = await sql.queryInternal(
    pagesSql(range.sql, f.sql || 'TRUE', matching.sql, q.filters.length > 0),
    mergeParams(range.params, f.params, q.filters.length > 0 ? matching.params : {}, { limit: q.limit }),
  );
  // UNION ALL keeps no order: sort as the SQL did (count DESC, page).
  const order = (a: Row, b: Row, key: string) => num(b[key]) - num(a[key]) || byteOrder(str(a.page), str(b.page));
  const table = (kind: string) =>
    result.rows
      .filter((r) => r.kind === kind)
      .sort((a, b) => order(a, b, 'sessions'))
      .map((r) => ({ page: str(r.page), sessions: num(r.sessions) }));
  return {
    top: result.rows
      .filter((r) => r.kind === 'top')
      .sort((a, b) => order(a, b, 'views'))
      .map((r) => {
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

type Row = Record<string, SqlValue>;

/** DuckDB's VARCHAR order (bytes of UTF-8): the tie-break of the SQL ORDER BY, kept when sorting here. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'pages',
  path: '/api/stats/pages',
  run: (sql, q) => pages(sql, q),
};
