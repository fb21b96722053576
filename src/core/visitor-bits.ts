import { PAGE_VISITORS_TABLE, SESSION_SOURCES, SESSIONS_TABLE } from './rollup.js';

/**
 * Distinct visitors in the rollup (./rollup.ts) as bits: a number per visitor of a site, and per-day bitmaps of those
 * numbers that the query stage keeps with the rows they are built from (src/query/rollup-tables.ts) and the tiles OR
 * (src/stats/). Apart from ./rollup.ts because the rollup's rows do not depend on it.
 */

/**
 * Per site, a number for each visitor (vid) of the stored rows: 1, 2, ... in the order they were first rolled up,
 * never reused while the rollup lives. A range's distinct visitors are then the set bits of a bitmap of their numbers
 * (visitorBitmapCountSql), which is several times cheaper than deduplicating 64-bit hashes (measured on the bench
 * lake: the sources tile 78 -> 52 ms, the overview 57 -> 43 ms).
 */
export const VISITOR_NUMBERS_TABLE = 'rollup.visitor_numbers';

/**
 * The number of distinct visitors of a group's rows from their numbers `column` (1..max) as BIGINT: each group holds a
 * bitmap of `max` bits. With `others`, the keys outside 1..max are counted too, as distinct values: the keys
 * liveVisitorKeysSql gives the visitors of rows from `events` that have no number yet, and numbers stored after `max`
 * was read. Without it they are not counted (every row is stored: the caller runs again when numbers were added, see
 * SqlRunner.rollupSiteStats).
 */
export function visitorBitmapCountSql(column: string, max: number, others = false): string {
  if (!Number.isSafeInteger(max) || max < 1) throw new Error(`visitor numbers must be 1..max, got max ${max}`);
  const bits = `coalesce(bit_count(bitstring_agg(${column}, 1, ${max}) FILTER (WHERE ${column} ${others ? `BETWEEN 1 AND ${max}` : `<= ${max}`})), 0)::BIGINT`;
  return others ? `(${bits} + count(DISTINCT ${column}) FILTER (WHERE ${column} < 1 OR ${column} > ${max}))` : bits;
}

/**
 * Per-day visitor bitmaps: a range's distinct visitors of an item (a source value, a page) are then the set bits of a
 * few bitmaps OR-ed, one per stored day, instead of a bitmap aggregate over every row that holds a visitor (on the
 * bench lake ~6 ms per 150k rows). Bit i - 1 from the left is visitor number i (VISITOR_NUMBERS_TABLE), as
 * bitstring_agg(vno, 1, capacity) sets it. Every bitmap of a site has one capacity (BITMAP_SITES_TABLE): the least
 * power of two >= its highest visitor number, at least BITMAP_MIN_CAPACITY. When a new number passes it, the query
 * stage builds all of the site's bitmaps again (src/query/rollup-tables.ts), so they always OR.
 */
export const BITMAP_SITES_TABLE = 'rollup.bitmap_sites';
export const BITMAP_MIN_CAPACITY = 16;

export function bitmapCapacity(visitors: number): number {
  let capacity = BITMAP_MIN_CAPACITY;
  while (capacity < visitors) capacity *= 2;
  return capacity;
}

/**
 * For rows beside stored bitmaps of `capacity` bits: two aggregates over their visitor keys `column` (stored numbers,
 * or liveVisitorKeysSql's keys), the bitmap of the keys 1..capacity and the count of the distinct others; and the
 * distinct visitors of bitmaps `bits` and such counts `others` once OR-ed and summed (orCountSql). Keys outside the
 * bitmaps are never in a stored bitmap, so the sum is exact.
 */
export function keyBitsSql(column: string, capacity: number): [bits: string, others: string] {
  checkCapacity(capacity);
  return [
    `bitstring_agg(${column}, 1, ${capacity}) FILTER (WHERE ${column} BETWEEN 1 AND ${capacity})`,
    `count(DISTINCT ${column}) FILTER (WHERE ${column} < 1 OR ${column} > ${capacity})`,
  ];
}

export const orCountSql = (bits: string, others: string) => `(coalesce(bit_count(bit_or(${bits})), 0) + sum(${others}))::BIGINT`;

function checkCapacity(capacity: number): void {
  if (!Number.isSafeInteger(capacity) || capacity < 1) throw new Error(`bitmap capacity must be >= 1, got ${capacity}`);
}

/**
 * Per (site, day) the overview's parts of that day's session rows (SESSIONS_TABLE, those without a session too): page
 * views and a bitmap of their visitors. A range's visitors without filters are then a few bitmaps OR-ed with one over
 * the rows from `events`, instead of a bitmap aggregate over every session row (src/stats/queries/overview.ts).
 */
export const DAY_BITS_TABLE = 'rollup.day_bits';

/** DAY_BITS_TABLE's rows of `sessions` (SESSIONS_TABLE rows of one site). */
export function dayBitsSql(sessions: string, capacity: number): string {
  checkCapacity(capacity);
  return `SELECT site_id, dt, sum(pv)::BIGINT AS pv, bitstring_agg(vno, 1, ${capacity}) AS bits FROM (${sessions}) GROUP BY site_id, dt`;
}

/**
 * Per (site, day, source dimension, entry value) the sources tile's parts of that day's session rows that are not
 * `shared` (with a session and a page view): `sessions` (rows) and `bits`, their visitors' bitmap. `dim` is the index
 * in SESSION_SOURCES, `h` sourceHashSql's. Bitmaps do not subtract, so a tile uses them only where a stored row's entry
 * is its session's in the range (see src/stats/queries/sources.ts). A site keeps them for all of its stored days or,
 * when one day's would take more than SOURCE_BITS_DAY_BYTES (many visitors and many source values), for none
 * (BITMAP_SITES_TABLE.source_bits).
 */
export const SOURCE_BITS_TABLE = 'rollup.source_bits';
export const SOURCE_BITS_DAY_BYTES = 1024 * 1024;

/** SOURCE_BITS_TABLE's rows of `sessions` (SESSIONS_TABLE rows of one site) with bitmaps of `capacity` bits. */
export function sourceBitsSql(sessions: string, capacity: number): string {
  checkCapacity(capacity);
  const dims = SESSION_SOURCES.map((_, i) => `${i}::TINYINT`).join(', ');
  const hashes = SESSION_SOURCES.map((c) => `${c}_h`).join(', ');
  return (
    `SELECT site_id, dt, dim, h, count(*)::INTEGER AS sessions, bitstring_agg(vno, 1, ${capacity}) AS bits FROM (` +
    `SELECT site_id, dt, vno, unnest([${dims}]) AS dim, unnest([${hashes}]) AS h FROM (${sessions}) ` +
    `WHERE sid IS NOT NULL AND pv > 0 AND NOT shared) GROUP BY site_id, dt, dim, h`
  );
}

/**
 * PAGE_VISITORS_TABLE split by size for the pages tile's visitors: PAGE_BITS_TABLE holds a bitmap per (site, day,
 * page) with at least pageBitsMinVisitors(capacity) visitors that day (a bitmap of capacity / 8 bytes then costs at
 * most 16 bytes per row it stands for), PAGE_VISITORS_REST_TABLE the page-visitor rows of the other pages. A page's
 * visitors in a range: its bitmaps OR-ed with one over its remaining rows. The whole PAGE_VISITORS_TABLE stays, for
 * the counts of distinct ids when the bitmaps would not fit a statement.
 */
export const PAGE_BITS_TABLE = 'rollup.page_bits';
export const PAGE_VISITORS_REST_TABLE = 'rollup.page_visitors_rest';

export function pageBitsMinVisitors(capacity: number): number {
  return Math.max(2, Math.ceil(capacity / 128));
}

/** PAGE_BITS_TABLE's rows of `visitors` (PAGE_VISITORS_TABLE rows of one site). */
export function pageBitsSql(visitors: string, capacity: number): string {
  checkCapacity(capacity);
  return (
    `SELECT site_id, dt, ph, bitstring_agg(vno, 1, ${capacity}) AS bits FROM (${visitors}) ` +
    `GROUP BY site_id, dt, ph HAVING count(*) >= ${pageBitsMinVisitors(capacity)}`
  );
}

/** PAGE_VISITORS_REST_TABLE's rows of `visitors` (PAGE_VISITORS_TABLE rows of one site). */
export function pageVisitorsRestSql(visitors: string, capacity: number): string {
  checkCapacity(capacity);
  return (
    `SELECT * EXCLUDE (n) FROM (SELECT *, count(*) OVER (PARTITION BY site_id, dt, ph) AS n FROM (${visitors})) ` +
    `WHERE n < ${pageBitsMinVisitors(capacity)}`
  );
}

/**
 * The per-day bitmap tables, each with the stored table it is built from and its SELECT over that table's rows of
 * one site: one list for the query stage, which builds and creates them (src/query/rollup-tables.ts), and the tests.
 * `sources`: SOURCE_BITS_TABLE, which a site may not keep and which depends on `shared` too.
 */
export const BITMAP_TABLES: readonly {
  readonly table: string;
  readonly from: string;
  readonly select: (rows: string, capacity: number) => string;
  readonly sources?: true;
}[] = [
  { table: DAY_BITS_TABLE, from: SESSIONS_TABLE, select: dayBitsSql },
  { table: PAGE_BITS_TABLE, from: PAGE_VISITORS_TABLE, select: pageBitsSql },
  { table: PAGE_VISITORS_REST_TABLE, from: PAGE_VISITORS_TABLE, select: pageVisitorsRestSql },
  { table: SOURCE_BITS_TABLE, from: SESSIONS_TABLE, select: sourceBitsSql, sources: true },
];

/**
 * `rows` (SESSIONS_TABLE or PAGE_VISITORS_TABLE rows computed from `events`, vno NULL) with `vno` set to a key of their
 * visitor that stored rows share: the visitor's number when it has one (VISITOR_NUMBERS_TABLE), else a negative key
 * from its hash (-1 - vid / 2, BIGINT; two such visitors share one only with probability ~n^2 / 2^64, like the ids'
 * hashes). So a range's distinct visitors over stored and computed rows are the bits of a bitmap of the numbers plus
 * the few distinct negative keys (visitorBitmapCountSql with `others`).
 */
export function liveVisitorKeysSql(rows: string): string {
  return (
    `SELECT l.* REPLACE (CASE WHEN l.vid IS NULL THEN NULL ELSE coalesce(n.vno::BIGINT, -1 - (l.vid >> 1)::BIGINT) END AS vno) ` +
    `FROM (${rows}) l LEFT JOIN ${VISITOR_NUMBERS_TABLE} n ON n.site_id = l.site_id AND n.vid = l.vid`
  );
}

/** The tables whose rows carry `vno` (liveVisitorKeysSql applies to their rows from `events`). */
export const NUMBERED_TABLES: readonly string[] = [SESSIONS_TABLE, PAGE_VISITORS_TABLE, PAGE_VISITORS_REST_TABLE];
