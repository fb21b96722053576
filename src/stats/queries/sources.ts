import type { SqlRunner } from '../../core/ports.js';
import { rangeDays, type NamedQuery, type StatsQuery } from '../params.js';
import { sourceHashSql, sourceValueSql } from '../../core/rollup.js';
import { rollupRows, sessionRowsAndNames } from '../rollup.js';
import { mergeParams, num, str } from '../sql.js';

/**
 * GET /api/stats/sources: where sessions come from. Each matching session is attributed to the values of its first
 * page_view in the range (its entry): referrer host, channel, utm_source, utm_medium, utm_campaign. Tables count
 * sessions and visitors per value, most sessions first; NULL (direct, or data from before enrichment) is "(none)".
 */

/** Table name in the response -> lake column (the allow-list of identifiers in this query). */
export const SOURCE_DIMENSIONS = {
  referrers: 'referrer_host',
  channels: 'channel',
  utm_sources: 'utm_source',
  utm_mediums: 'utm_medium',
  utm_campaigns: 'utm_campaign',
} as const;

type Table = keyof typeof SOURCE_DIMENSIONS;
const TABLES = Object.keys(SOURCE_DIMENSIONS) as Table[];

/**
 * The tables from `s` (one row per session: visitor and the hashes of its entry values) and `names` (hash -> value),
 * most sessions first. Visitors are counted over pre-deduplicated (hash, visitor) rows instead of count(DISTINCT)
 * per value; grouping integers instead of the strings halved this tile's time (measured). With `bitmap` (visitor
 * numbers: ../rollup.ts VisitorBitmap), `visitor` is the number (or key) and each value's visitors are a
 * bitmap's set bits (78 -> 52 ms on the bench lake).
 */
const tablesSql = (r: string, s: string, names: string, prelude = '', bitmap: ((column: string) => string) | null = null) => `
WITH ${prelude} r AS MATERIALIZED (${r}),
s AS MATERIALIZED (${s}),
names AS (${names}),
u AS (
  ${TABLES.map((t) =>
    bitmap
      ? `SELECT '${t}' AS dim, ${t} AS h, count(*) AS sessions, ${bitmap('visitor')} AS visitors FROM s GROUP BY ALL`
      : `SELECT '${t}' AS dim, h, sum(n)::BIGINT AS sessions, count(visitor) AS visitors FROM (SELECT ${t} AS h, visitor, count(*) AS n FROM s GROUP BY ALL) GROUP BY ALL`,
  ).join('\n  UNION ALL ')}
)
SELECT dim, names.value, sessions, visitors FROM u JOIN names USING (h)
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY sessions DESC, names.value) <= $limit
ORDER BY dim, sessions DESC, names.value`;

/**
 * `r` and `s` of tablesSql. A row's dimensions are those of its events, so the row holding a session's first page
 * view (least pv_first) carries the entry's values. With filters, the sessions with a matching row count. A `solo`
 * row (a stored per-(day, session) row that is all of its session in the range, ../rollup.ts) is used as it is;
 * only the other sessions are regrouped.
 * - sessions rows (../rollup.ts sessionRowsAndNames) hold the entry values' hashes already (<column>_h);
 * - rollup rows hold the values; their hashes are taken here, and `names` comes from `r`.
 */
function sessionsOf(rows: string, filtered: boolean, hashed: boolean, numbered = false) {
  const value = (c: string) => (hashed ? `${c}_h` : sourceHashSql(c));
  const vid = numbered ? 'vno AS vid' : 'vid';
  const columns = ['sid', vid, 'pv', 'pv_first', 'm', 'solo', ...TABLES.map((t) => (hashed ? `${SOURCE_DIMENSIONS[t]}_h` : SOURCE_DIMENSIONS[t]))];
  const r = `SELECT ${columns.join(', ')} FROM (${rows}) WHERE sid IS NOT NULL${filtered ? '' : ' AND pv > 0'}`;
  const regrouped = filtered ? `NOT solo AND pv > 0 AND sid IN (SELECT sid FROM r WHERE m AND NOT solo)` : 'NOT solo';
  const s =
    `SELECT sid, arg_min(vid, pv_first) AS visitor, ${TABLES.map((t) => `arg_min(${value(SOURCE_DIMENSIONS[t])}, pv_first) AS ${t}`).join(', ')} ` +
    `FROM r WHERE ${regrouped} GROUP BY sid ` +
    `UNION ALL SELECT sid, vid AS visitor, ${TABLES.map((t) => `${value(SOURCE_DIMENSIONS[t])} AS ${t}`).join(', ')} ` +
    `FROM r WHERE solo AND pv > 0${filtered ? ' AND m' : ''}`;
  return { r, s };
}

export async function sources(sql: SqlRunner, q: StatsQuery) {
  const filtered = q.filters.length > 0;
  // The per-(day, session) rows keep the entry values and answer without filters or with visitor-dimension filters;
  // otherwise the rollup rows.
  const fast = await sessionRowsAndNames(sql, q, 's_', true);
  let statement: string;
  let params;
  if (fast !== null && fast.names !== null) {
    // Groups: at most every source value the rollup holds, in each table.
    const bitmap = fast.visitors(TABLES.length * (sql.rollupSiteStats?.(q.site)?.sourceValues ?? Infinity));
    const { r, s } = sessionsOf(fast.rows.sql, filtered, true, bitmap !== null);
    statement = tablesSql(r, s, `SELECT DISTINCT h, value FROM (${fast.names.sql})`, fast.prelude, bitmap);
    params = mergeParams(fast.rows.params, fast.names.params, { limit: q.limit });
  } else {
    const rows = await rollupRows(sql, q);
    const { r, s } = sessionsOf(rows.sql, filtered, false);
    const values = TABLES.map((t) => sourceValueSql(SOURCE_DIMENSIONS[t])).join(', ');
    statement = tablesSql(r, s, `SELECT DISTINCT hash(value) AS h, value FROM (SELECT unnest([${values}]) AS value FROM r WHERE pv > 0)`);
    params = mergeParams(rows.params, { limit: q.limit });
  }
  const result = await sql.queryInternal(statement, params);
  const out = Object.fromEntries(TABLES.map((t) => [t, [] as { value: string; sessions: number; visitors: number }[]]));
  for (const r of result.rows) out[str(r.dim)]?.push({ value: str(r.value), sessions: num(r.sessions), visitors: num(r.visitors) });
  return out as Record<Table, { value: string; sessions: number; visitors: number }[]>;
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'sources',
  path: '/api/stats/sources',
  run: (sql, q) => sources(sql, q),
};
