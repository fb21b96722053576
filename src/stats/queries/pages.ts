import type { SqlRunner, SqlValue } from '../../core/ports.js';
import { type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { pageHashSql, pageKeySql } from '../../core/rollup.js';
import { keyBitsSql, orCountSql } from '../../core/visitor-bits.js';
import { pageSources, rollupRows } from '../rollup.js';
import { mergeParams, num, numOrNull, round, str } from '../sql.js';

/**
 * GET /api/stats/pages: three tables of page paths.
 * - top: page views and visitors of matching page_view events, with the average engaged time (sum of
 *   properties.engaged_ms of the page's scroll events in matching sessions / its page views) and the average
 *   scroll depth (per session and page, the deepest scroll_depth reported; averaged over those pairs);
 * - entry / exit: the first / last page_view of each matching session, counted per page.
 * NULL page_path shows as "(none)".
 *
 * One statement over the rollup rows (../rollup.ts): `r` holds the range's rows (page is a rollup dimension, so a
 * row's page views, scrolls and their times are those of one page) with the filter match flag `m`; the top table,
 * the scroll aggregates and the entry/exit pages all read it. `sr` = the rows of sessions with a matching row.
 */
const pagesSql = (rows: string, filtered: boolean) => `
WITH r AS MATERIALIZED (
  SELECT ${pageKeySql()} AS page, sid, vid, pv, pv_first, pv_last, scrolls, engaged_ms, depth, m FROM (${rows})
),
sr AS (
  SELECT * FROM r WHERE sid IS NOT NULL${filtered ? ' AND sid IN (SELECT sid FROM r WHERE m AND sid IS NOT NULL)' : ''}
),
top AS (
  SELECT page, sum(pv)::BIGINT AS views FROM r WHERE m AND pv > 0
  GROUP BY 1 ORDER BY views DESC, page LIMIT $limit
),
-- Distinct visitors of the top pages only (the order depends on views alone): half the work of counting every page's.
vis AS (
  SELECT page, count(*) AS visitors
  FROM (SELECT DISTINCT page, vid FROM r WHERE m AND pv > 0 AND vid IS NOT NULL AND page IN (SELECT page FROM top))
  GROUP BY page
),
views AS (SELECT top.page, top.views, coalesce(vis.visitors, 0) AS visitors FROM top LEFT JOIN vis USING (page)),
scrolls AS (
  SELECT page, sid, sum(engaged_ms) AS engaged_ms, max(depth) AS depth
  FROM sr WHERE scrolls > 0 AND page IN (SELECT page FROM views)
  GROUP BY 1, 2
),
per_page AS (
  SELECT page, sum(engaged_ms)::DOUBLE AS engaged_ms, avg(depth)::DOUBLE AS avg_depth FROM scrolls GROUP BY page
),
s AS (SELECT sid, arg_min(page, pv_first) AS entry, arg_max(page, pv_last) AS exit FROM sr WHERE pv > 0 GROUP BY sid),
ends AS (${endsSql('s')})
SELECT 'top' AS kind, v.page, v.views, v.visitors, p.engaged_ms, p.avg_depth, NULL::BIGINT AS sessions
FROM views v LEFT JOIN per_page p USING (page)
UNION ALL
SELECT kind, page, NULL, NULL, NULL, NULL, sessions FROM ends`;

/** The entry and exit tables from the CTE `sessions` (one row per session: entry, exit), at most $limit pages each. */
const endsSql = (sessions: string) => `
  SELECT * FROM (
    SELECT 'entry' AS kind, entry AS page, count(*) AS sessions FROM ${sessions} GROUP BY ALL
    UNION ALL SELECT 'exit' AS kind, exit AS page, count(*) AS sessions FROM ${sessions} GROUP BY ALL
  )
  QUALIFY row_number() OVER (PARTITION BY kind ORDER BY sessions DESC, page) <= $limit`;

/**
 * The same answer without filters from the per-day tables (../rollup.ts pageSources): views and engaged time are
 * sums of per-day ones; visitors are distinct over the (page hash, visitor) pairs of the top pages (by visitor
 * number, `bitmap`, when the bitmaps fit); the depth is averaged over (page, session) pairs, a `solo` scroll row being
 * its pair already.
 */
interface FastTables {
  readonly pages: string;
  readonly visitors: string;
  readonly scrolls: string;
  readonly sessions: string;
  readonly prelude: string;
  readonly bitmap: ((column: string) => string) | null;
  /** The stored days' page bitmaps and the page-visitor rows they do not stand for (../rollup.ts pageSources). */
  readonly pageBits: { readonly bits: string; readonly rest: string; readonly capacity: number } | null;
}

/**
 * The CTE vis's visitors of the top pages: per page, a bitmap of its visitors' numbers (or keys), or with `pageBits`
 * the stored days' bitmaps of the page OR-ed with one over its other rows (keys outside the bitmaps counted apart:
 * core/visitor-bits.ts keyBitsSql); else distinct visitor hashes.
 */
function visitorsSql(t: FastTables): string {
  const top = 'ph IN (SELECT ph FROM views)';
  if (t.bitmap === null) return `SELECT ph, count(DISTINCT vid) AS visitors FROM (${t.visitors}) WHERE ${top} GROUP BY ph`;
  if (t.pageBits === null) return `SELECT ph, ${t.bitmap('vno')} AS visitors FROM (${t.visitors}) WHERE ${top} GROUP BY ph`;
  const { bits, rest, capacity } = t.pageBits;
  return (
    `SELECT ph, ${orCountSql('b', 'o')} AS visitors FROM (` +
    `SELECT ph, bits AS b, 0::BIGINT AS o FROM (${bits}) WHERE ${top} AND bit_length(bits) = ${capacity} ` +
    `UNION ALL SELECT ph, ${keyBitsSql('vno', capacity).join(', ')} FROM (${rest}) WHERE ${top} GROUP BY ph) GROUP BY ph`
  );
}

/** The CTEs pg (views and engaged time per page), views (the top pages, with their hash ph) and vis (their visitors). */
const topPagesSql = (t: FastTables) => `pg AS (
  SELECT ${pageKeySql()} AS page, sum(views)::BIGINT AS views, sum(engaged_ms)::DOUBLE AS engaged_ms
  FROM (${t.pages}) GROUP BY 1
),
views AS (SELECT page, views, engaged_ms, ${pageHashSql('page')} AS ph FROM pg WHERE views > 0 ORDER BY views DESC, page LIMIT $limit),
vis AS (${visitorsSql(t)}),`;

/** The answer's rows from views, vis, depths and ends. */
const ANSWER_SQL = `SELECT 'top' AS kind, v.page, v.views, coalesce(x.visitors, 0) AS visitors, v.engaged_ms, d.avg_depth, NULL::BIGINT AS sessions
FROM views v LEFT JOIN vis x USING (ph) LEFT JOIN depths d USING (ph)
UNION ALL
SELECT kind, page, NULL, NULL, NULL, NULL, sessions FROM ends`;

const fastSql = (t: FastTables) => `
WITH ${t.prelude} ${topPagesSql(t)}
sc AS MATERIALIZED (SELECT ph, sid, depth, solo FROM (${t.scrolls}) WHERE ph IN (SELECT ph FROM views)),
depths AS (
  SELECT ph, avg(depth)::DOUBLE AS avg_depth
  FROM (SELECT ph, depth FROM sc WHERE solo UNION ALL SELECT ph, max(depth) FROM sc WHERE NOT solo GROUP BY ph, sid)
  GROUP BY ph
),
ss AS MATERIALIZED (SELECT sid, pv_first, pv_last, entry_ph, exit_ph, solo FROM (${t.sessions}) WHERE sid IS NOT NULL AND pv > 0),
s AS (
  SELECT arg_min(entry_ph, pv_first) AS entry, arg_max(exit_ph, pv_last) AS exit FROM ss WHERE NOT solo GROUP BY sid
  UNION ALL SELECT entry_ph, exit_ph FROM ss WHERE solo
),
-- Entry and exit pages are pages with a view in the range: their names are in pg.
names AS (SELECT page, ${pageHashSql('page')} AS ph FROM pg),
ends AS (
  SELECT kind, names.page, sessions FROM (
    SELECT 'entry' AS kind, entry AS ph, count(*) AS sessions FROM s GROUP BY ALL
    UNION ALL SELECT 'exit' AS kind, exit AS ph, count(*) AS sessions FROM s GROUP BY ALL
  ) JOIN names USING (ph)
  QUALIFY row_number() OVER (PARTITION BY kind ORDER BY sessions DESC, names.page) <= $limit
)
${ANSWER_SQL}`;

/**
 * fastSql with the stored days' per-day parts (`totals`: core/rollup.ts PAGE_TOTALS_TABLE): entries, exits and the
 * depth parts are those sums (each session and scroll row taken as a whole session), minus the same over the stored
 * rows that are not `solo`, plus all the non-solo rows' sessions regrouped (the rows from `events` included); only the
 * non-solo session and scroll rows are read, not every one.
 */
const totalsSql = (t: FastTables & { readonly totals: string }) => `
WITH ${t.prelude} ${topPagesSql(t)}
pt AS MATERIALIZED (
  SELECT ph, sum(entries)::BIGINT AS entries, sum(exits)::BIGINT AS exits, sum(depth_sum)::BIGINT AS depth_sum, sum(depth_n)::BIGINT AS depth_n
  FROM (${t.totals}) GROUP BY ph
),
shs AS MATERIALIZED (SELECT sid, pv_first, pv_last, entry_ph, exit_ph, live FROM (${t.sessions}) WHERE NOT solo AND sid IS NOT NULL AND pv > 0),
shc AS MATERIALIZED (SELECT ph, sid, depth, live FROM (${t.scrolls}) WHERE NOT solo AND ph IN (SELECT ph FROM views)),
depths AS (
  SELECT ph, CASE WHEN sum(n) = 0 THEN NULL ELSE sum(d)::DOUBLE / sum(n) END AS avg_depth FROM (
    SELECT ph, depth_sum AS d, depth_n AS n FROM pt WHERE ph IN (SELECT ph FROM views)
    UNION ALL SELECT ph, -coalesce(depth, 0), -(depth IS NOT NULL)::INTEGER FROM shc WHERE NOT live
    UNION ALL SELECT ph, coalesce(max(depth), 0), (max(depth) IS NOT NULL)::INTEGER FROM shc GROUP BY ph, sid
  ) GROUP BY ph
),
names AS (SELECT page, ${pageHashSql('page')} AS ph FROM pg),
ends AS (
  SELECT kind, names.page, sessions FROM (
    SELECT kind, ph, sum(n)::BIGINT AS sessions FROM (
      SELECT 'entry' AS kind, ph, entries AS n FROM pt
      UNION ALL SELECT 'exit', ph, exits FROM pt
      UNION ALL SELECT 'entry', entry_ph, -1 FROM shs WHERE NOT live
      UNION ALL SELECT 'exit', exit_ph, -1 FROM shs WHERE NOT live
      UNION ALL SELECT 'entry', arg_min(entry_ph, pv_first), 1 FROM shs GROUP BY sid
      UNION ALL SELECT 'exit', arg_max(exit_ph, pv_last), 1 FROM shs GROUP BY sid
    ) GROUP BY kind, ph HAVING sum(n) > 0
  ) JOIN names USING (ph)
  QUALIFY row_number() OVER (PARTITION BY kind ORDER BY sessions DESC, names.page) <= $limit
)
${ANSWER_SQL}`;

export async function pages(sql: SqlRunner, q: StatsQuery) {
  const fast = await pageSources(sql, q, 'g_');
  let result;
  if (fast !== null) {
    const bits = fast.pageBits;
    const tables: FastTables = {
      ...{ pages: fast.pages.sql, visitors: fast.visitors.sql, scrolls: fast.scrolls.sql, sessions: fast.sessions.sql, prelude: fast.prelude },
      bitmap: fast.bitmap(q.limit), // groups: the top pages
      pageBits: bits && { bits: bits.bits.sql, rest: bits.rest.sql, capacity: bits.capacity },
    };
    result = await sql.queryInternal(
      fast.totals === null ? fastSql(tables) : totalsSql({ ...tables, totals: fast.totals.sql }),
      mergeParams(
        ...[fast.pages, fast.visitors, fast.scrolls, fast.sessions].map((x) => x.params),
        ...(bits ? [bits.bits.params, bits.rest.params] : []),
        fast.totals?.params ?? {},
        { limit: q.limit },
      ),
    );
  } else {
    // With filters: the rollup rows (entry and exit from the rows of the matching sessions).
    const rows = await rollupRows(sql, q);
    result = await sql.queryInternal(pagesSql(rows.sql, q.filters.length > 0), mergeParams(rows.params, { limit: q.limit }));
  }
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
