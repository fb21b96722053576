import type { SqlRunner } from '../../core/ports.js';
import { rangeDays, type NamedQuery, type StatsQuery } from '../params.js';
import { sourceHashSql, sourceValueSql } from '../../core/rollup.js';
import { keyBitsSql, orCountSql } from '../../core/visitor-bits.js';
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

/**
 * tablesSql with the stored days' source bitmaps (core/visitor-bits.ts SOURCE_BITS_TABLE: `bits`, bound by the rows'
 * parameters): per value their sessions and OR-ed bitmaps, corrected by the session rows that are not `solo`:
 * - minus the stored rows that are not `shared` (so in the bitmaps) whose session goes on in the rows from `events`;
 * - plus every non-solo session regrouped (its entry by least pv_first), its visitor as a bit or, for keys outside the
 *   bitmaps, counted apart (core/visitor-bits.ts liveVisitorKeysSql).
 * A stored row's visitor bit can stay in a value's bitmap only because every stored part of the range comes before
 * the rows from `events` (../covered.ts storedFirst): the row then holds its session's entry, and the regrouped
 * session sets the same bit. Values whose sessions all regrouped elsewhere drop out (sessions 0).
 */
function bitsTablesSql(rows: string, bits: string, names: string, prelude: string, capacity: number): string {
  const hashes = TABLES.map((t) => `${SOURCE_DIMENSIONS[t]}_h AS ${t}`).join(', ');
  const each = (f: (t: Table, i: number) => string) => TABLES.map(f).join('\n  UNION ALL ');
  const dimName = `[${TABLES.map((t) => `'${t}'`).join(', ')}][dim + 1]`;
  return `
WITH ${prelude} r AS MATERIALIZED (SELECT sid, vno AS vid, pv_first, live, shared, ${hashes} FROM (${rows}) WHERE sid IS NOT NULL AND pv > 0 AND NOT solo),
s AS MATERIALIZED (SELECT sid, arg_min(vid, pv_first) AS visitor, ${TABLES.map((t) => `arg_min(${t}, pv_first) AS ${t}`).join(', ')} FROM r GROUP BY sid),
names AS (${names}),
u AS (
  SELECT dim, h, sum(sessions)::BIGINT AS sessions, bit_or(bits) AS bits, 0::BIGINT AS others FROM (${bits}) WHERE bits IS NULL OR bit_length(bits) = ${capacity} GROUP BY dim, h
  UNION ALL ${each((t, i) => `SELECT ${i}::TINYINT, ${t}, -count(*), NULL::BIT, 0 FROM r WHERE NOT live AND NOT shared GROUP BY ALL`)}
  UNION ALL ${each(
    (t, i) =>
      `SELECT ${i}::TINYINT, ${t}, count(*), ${keyBitsSql('visitor', capacity).join(', ')} FROM s GROUP BY ALL`,
  )}
),
t AS (SELECT ${dimName} AS dim, h, sum(sessions)::BIGINT AS sessions, ${orCountSql('bits', 'others')} AS visitors FROM u GROUP BY ALL HAVING sum(sessions) > 0)
SELECT dim, names.value, sessions, visitors FROM t JOIN names USING (h)
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY sessions DESC, names.value) <= $limit
ORDER BY dim, sessions DESC, names.value`;
}

export async function sources(sql: SqlRunner, q: StatsQuery) {
  const filtered = q.filters.length > 0;
  // The per-(day, session) rows keep the entry values and answer without filters or with visitor-dimension filters;
  // otherwise the rollup rows.
  const fast = await sessionRowsAndNames(sql, q, 's_', true);
  let statement: string;
  let params;
  if (fast !== null && fast.names !== null && fast.bits !== null) {
    const names = `SELECT DISTINCT h, value FROM (${fast.names.sql})`;
    statement = bitsTablesSql(fast.rows.sql, fast.bits.sql, names, fast.prelude, fast.bits.capacity);
    params = mergeParams(fast.rows.params, fast.names.params, fast.bits.params, { limit: q.limit });
  } else if (fast !== null && fast.names !== null) {
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
