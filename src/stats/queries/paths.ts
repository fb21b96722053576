import { ClicklakeError } from '../../core/errors.js';
import type { SqlRunner } from '../../core/ports.js';
import { eventScope, NONE, type NamedQuery, type StatsQuery } from '../params.js';

/**
 * Paths (docs/dashboard-api.md, "Paths"): for one page (exact page_path), where its page views came from and went
 * next. Page views are ordered per session (session_id, or anonymous_id when the event has no session) by ts, then
 * seq, then event_id. Next = the following page view of the session, or an exit when there is none in the range.
 * Previous = the preceding page view, or an entrance, grouped by referrer_host (null: direct / none).
 * Counts are page-view transitions (a session that views the page twice counts twice). Filters apply to every
 * page view before ordering (so `filter=country:DE` gives the paths of German visitors).
 */
const MAX_PAGE_CHARS = 1000;

export interface PathStep {
  /** 'page': another page view; 'exit': none followed; 'entrance': none preceded (the session started here). */
  readonly type: 'page' | 'exit' | 'entrance';
  /** The page path for 'page' (may be the page itself: a reload), null otherwise. */
  readonly page: string | null;
  /** For 'entrance': the referrer host, or null (direct, or a referrer on the same site). */
  readonly referrer: string | null;
  readonly count: number;
}

export interface PathsResult {
  readonly page: string;
  /** Page views of the page in the range. */
  readonly views: number;
  readonly next: PathStep[];
  readonly previous: PathStep[];
}

export async function runPaths(sql: SqlRunner, q: StatsQuery, page: string): Promise<PathsResult> {
  const scope = eventScope(q);
  const params = { ...scope.params, pa_page: page, pa_limit: q.limit };
  const statement =
    `WITH pv AS (SELECT page_path, referrer_host, ` +
    `lag(page_path) OVER w AS prev, lead(page_path) OVER w AS next, row_number() OVER w AS pos ` +
    `FROM events WHERE ${scope.sql} AND event_type = 'page_view' AND coalesce(session_id, anonymous_id) IS NOT NULL ` +
    `WINDOW w AS (PARTITION BY coalesce(session_id, anonymous_id) ORDER BY ts, seq, event_id)),\n` +
    `here AS (SELECT * FROM pv WHERE page_path = $pa_page),\n` +
    `nx AS (SELECT 'next' AS dir, CASE WHEN next IS NULL THEN 'exit' ELSE 'page' END AS type, next AS page, ` +
    `NULL::VARCHAR AS referrer, count(*) AS n FROM here GROUP BY ALL ORDER BY n DESC, page NULLS LAST LIMIT $pa_limit),\n` +
    `pr AS (SELECT 'previous' AS dir, CASE WHEN pos = 1 THEN 'entrance' ELSE 'page' END AS type, ` +
    `CASE WHEN pos = 1 THEN NULL ELSE prev END AS page, CASE WHEN pos = 1 THEN referrer_host END AS referrer, count(*) AS n ` +
    `FROM here GROUP BY ALL ORDER BY n DESC, page NULLS LAST, referrer NULLS LAST LIMIT $pa_limit),\n` +
    `total AS (SELECT 'views' AS dir, NULL AS type, NULL AS page, NULL AS referrer, count(*) AS n FROM here)\n` +
    `SELECT * FROM total UNION ALL SELECT * FROM nx UNION ALL SELECT * FROM pr`;
  const result = await sql.queryInternal(statement, params, { maxRows: 2 * q.limit + 1 });
  const out: PathsResult = { page, views: 0, next: [], previous: [] };
  let views = 0;
  for (const row of result.rows) {
    const count = Number(row.n);
    if (row.dir === 'views') {
      views = count;
      continue;
    }
    const step: PathStep = {
      type: row.type as PathStep['type'],
      page: row.page === null ? null : String(row.page),
      referrer: row.referrer === null ? null : String(row.referrer),
      count,
    };
    (row.dir === 'next' ? out.next : out.previous).push(step);
  }
  const order = (a: PathStep, b: PathStep) =>
    b.count - a.count || (a.page ?? '\uffff').localeCompare(b.page ?? '\uffff') ||
    (a.referrer ?? '\uffff').localeCompare(b.referrer ?? '\uffff');
  return { ...out, views, next: out.next.sort(order), previous: out.previous.sort(order) };
}

export const query: NamedQuery = {
  name: 'paths',
  path: '/api/stats/paths',
  extraParams: ['page'],
  run: (sql, q, extra) => {
    const pages = extra.getAll('page');
    if (pages.length !== 1 || pages[0] === '') {
      throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'page: required once (a page path such as /pricing)');
    }
    const page = pages[0]!;
    if (page.length > MAX_PAGE_CHARS) throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `page: longer than ${MAX_PAGE_CHARS} characters`);
    if (page === NONE) throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'page: must be a page path');
    return runPaths(sql, q, page);
  },
};
