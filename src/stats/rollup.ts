import type { SqlParam, SqlRunner } from '../core/ports.js';
import {
  BASE_TABLES,
  DERIVED_TABLES,
  type DerivedTable,
  INTERACTIONS_TABLE,
  INTERACTION_COLUMNS,
  ROLLUP_DIMENSIONS,
  ROLLUP_TABLE,
  VISITOR_DIMENSIONS,
  eventRowsSql,
  interactionsSelectSql,
  rollupSelectSql,
} from '../core/rollup.js';
import {
  DAY_BITS_TABLE,
  NUMBERED_TABLES,
  PAGE_BITS_TABLE,
  PAGE_VISITORS_REST_TABLE,
  SOURCE_BITS_TABLE,
  liveVisitorKeysSql,
  visitorBitmapCountSql,
} from '../core/visitor-bits.js';
import { bucketOf, eventScope, filterSql, type Scope, type StatsQuery } from './params.js';
import { type Covered, cachedRowsOf, coveredDays, daysOf, eventSource, partialDaysSql, rangeParts, restRows, storedFirst } from './covered.js';

/**
 * The rollup rows (core/rollup.ts) of a tile's site and range, for the tiles that answer from them: the stored rows
 * of every whole UTC day of the range the runner's rollup covers, and the same rows computed on the fly from
 * `events` for the rest (days not rolled up yet or changed since, today, the partial first and last day of an
 * instant range). So the answer is the one `events` gives, only cheaper. Each row gets the filter match flag `m`.
 *
 * When the rollup cannot answer (the runner keeps none, or a filter is on a column the rollup does not group by:
 * event name or type), the rows are one per event (core/rollup.ts eventRowsSql), so each tile has one SQL either way.
 */
function rollupAnswers(sql: SqlRunner, q: StatsQuery): boolean {
  return sql.rollupDays !== undefined && q.filters.every((f) => (ROLLUP_DIMENSIONS as readonly string[]).includes(f.column));
}

/**
 * The rollup rows (`from` 'rows') or interaction rows of q's range that the rollup does not cover, computed once per
 * statement for several derived tables: a CTE `<prefix><from>` (`prelude`, to put first in the tile's WITH list; ''
 * when every day is covered) and `of`, storedAndLive's table and `live` for a derived table reading that CTE.
 * Without it each derived table would read `events` again (measured: 4 scans of today's events for the pages tile).
 * A derived table the runner keeps per file (covered.cachedDerived) reads those rows instead, plus its SELECT over
 * the rows grouped from covered.source (a CTE `<prefix><from>_src`) when there is one.
 */
function sharedRows(q: StatsQuery, prefix: string, covered: Covered, from: DerivedTable['from']) {
  const name = `${prefix}${from}`;
  const parts = rangeParts(q, prefix, covered);
  const kept = from === 'rows' && !covered.all ? covered.cachedDerived : null;
  const src = kept !== null && covered.source !== null ? { name: `${name}_src`, sql: rollupSelectSql(parts.rest, covered.source) } : null;
  const rows = kept === null ? restOf(from, covered, parts) : restRows(covered, parts.rest, parts.cached, src ? `SELECT * FROM ${src.name}` : undefined);
  const live = (d: DerivedTable) => {
    const cached = kept?.get(d.table);
    if (cached === undefined) return d.select(`SELECT * FROM ${name}`);
    const own = cachedRowsOf(cached, parts.cached);
    return src === null ? own : `${own} UNION ALL ${d.select(`SELECT * FROM ${src.name}`)}`;
  };
  return {
    prelude: covered.all ? '' : `${src ? `${src.name} AS MATERIALIZED (${src.sql}), ` : ''}${name} AS MATERIALIZED (${rows}),`,
    /** The session ids of these rows (for storedAndLive's `liveSids`). */
    sids: `SELECT sid FROM ${name} WHERE sid IS NOT NULL`,
    /** storedAndLive's arguments for a derived table of these rows. */
    of: (d: DerivedTable) => [d.table, () => ofPartialDays(d, prefix, covered, live(d))] as const,
  };
}

/** The base rows `from` of the rest of a range (rangeParts' `rest` and `cached`). */
function restOf(from: DerivedTable['from'], covered: Covered, parts: { rest: string; cached: string }): string {
  return from === 'rows' ? restRows(covered, parts.rest, parts.cached) : BASE_TABLES[from].select(parts.rest, eventSource(covered));
}

/**
 * A derived table's rows from `events` (`select`) without the rows of the partial days that only the whole day has
 * (DerivedTable.ofPartialDay): the rows from `events` hold those days' later hours only.
 */
function ofPartialDays(d: DerivedTable, prefix: string, covered: Covered, select: string): string {
  if (d.ofPartialDay === undefined || covered.partial.size === 0) return select;
  return `SELECT * FROM (${select}) WHERE NOT (${partialDaysSql(prefix, covered.partial)}) OR (${d.ofPartialDay})`;
}

/**
 * Stored rows of `table` for the covered days UNION ALL `live(rest, cached)` for the rest of q's range (rangeParts'
 * WHERE parts: over `events` / covered.source, and over covered.cachedRows); parameters $<prefix>site,
 * $<prefix>c0... and (when `events` is read) eventScope's.
 *
 * With `liveSids` (the session ids of the rows from `events`: sharedRows' `sids`; for the sessions and page-scrolls
 * tables), each row also gets the columns `solo`: true when the row is all
 * of its session in this range (a stored row of a session with one stored row, not `shared`: core/rollup.ts
 * LINK_COLUMNS, that the rows from `events` do not hold), so a tile can use it as the session instead of regrouping
 * by session (exact either way); and `live`: the row is from `events`, not stored (per-day totals count the stored
 * rows only). The rows from `events` of a table with visitor numbers carry their visitors' keys in `vno`
 * (covered.numbered).
 */
function storedAndLive(
  q: StatsQuery,
  prefix: string,
  table: string,
  live: (rest: string, cached: string) => string,
  covered: Covered,
  liveSids?: string,
): { sql: string; params: Record<string, SqlParam> } {
  const { days, partial, all } = covered;
  const parts = rangeParts(q, prefix, { days, partial });
  const params: Record<string, SqlParam> = { ...parts.params };
  const stored = `SELECT * FROM ${table} WHERE ${parts.stored}`;
  const alone = `sid IS NOT NULL AND NOT shared`;
  // All of the range rolled up: nothing to read from `events` (even a fully pruned scan of the view costs a plan over
  // every file of the lake).
  if (all) return { sql: liveSids !== undefined ? `SELECT *, ${alone} AS solo, FALSE AS live FROM (${stored})` : stored, params };
  Object.assign(params, parts.restParams);
  const rest = covered.numbered && NUMBERED_TABLES.includes(table) ? liveVisitorKeysSql(live(parts.rest, parts.cached)) : live(parts.rest, parts.cached);
  if (liveSids === undefined) return { sql: days.length === 0 ? rest : `${stored} UNION ALL ${rest}`, params };
  if (days.length === 0) return { sql: `SELECT *, FALSE AS solo, TRUE AS live FROM (${rest})`, params };
  // A stored row's session may go on in the rows from `events` (a day not rolled up yet, today). Their session ids
  // come from the shared rows' CTE: no CTE of the live rows here, which would keep DuckDB from reading only the
  // columns the tile uses (measured: the pages tile of a range ending today, 127 -> 111 ms).
  return {
    sql:
      `SELECT *, coalesce(${alone} AND sid NOT IN (${liveSids}), FALSE) AS solo, FALSE AS live FROM (${stored}) ` +
      `UNION ALL SELECT *, FALSE AS solo, TRUE AS live FROM (${rest})`,
    params,
  };
}

/**
 * The stored rows of `table` over q's range (the covered days; rangeParts' parameters, the same as storedAndLive's),
 * or null when no day is stored: for the per-day totals, which the tiles correct by the rows that are not `solo`.
 */
function storedPart(q: StatsQuery, prefix: string, table: string, covered: Covered): Scope | null {
  if (covered.days.length === 0) return null;
  const parts = rangeParts(q, prefix, covered);
  return { sql: `SELECT * FROM ${table} WHERE ${parts.stored}`, params: parts.params };
}

/**
 * The stored rows of one of the per-day bitmap tables (core/visitor-bits.ts) over q's range, with the capacity of the
 * site's bitmaps (`kind`: all of them, or the source bitmaps, which a site may not keep); null when the runner keeps
 * none for the site, numbers no visitor of the rows from `events`, or no day is stored.
 */
function storedBits(
  sql: SqlRunner,
  q: StatsQuery,
  prefix: string,
  covered: Covered,
  table: string,
  kind: 'bitmapCapacity' | 'sourceBits' = 'bitmapCapacity',
): (Scope & { capacity: number }) | null {
  const capacity = covered.numbered ? (sql.rollupSiteStats?.(q.site)?.[kind] ?? 0) : 0;
  const part = capacity > 0 ? storedPart(q, prefix, table, covered) : null;
  return part && { ...part, capacity };
}

/** Bits of visitor bitmaps one statement may hold (32 MiB). */
const VISITOR_BITMAP_BITS = 32 * 1024 * 1024 * 8;

/**
 * How a tile counts the distinct visitors of session or page-visitor rows in at most `groups` groups: an aggregate over
 * their visitor numbers (core/visitor-bits.ts visitorBitmapCountSql; apply it to column `vno`), the rows from `events`
 * counted by their visitors' keys too (storedAndLive: number, or a negative key without one), when the groups' bitmaps
 * fit VISITOR_BITMAP_BITS; else null, and the tile counts distinct `vid` as before.
 */
export type VisitorBitmap = (groups: number) => ((column: string) => string) | null;

function visitorBitmap(sql: SqlRunner, q: StatsQuery, covered: Covered): VisitorBitmap {
  const stats = covered.all || covered.numbered ? sql.rollupSiteStats?.(q.site) : undefined;
  return (groups) =>
    stats !== undefined && stats.visitors > 0 && groups * stats.visitors <= VISITOR_BITMAP_BITS
      ? (column) => visitorBitmapCountSql(column, stats.visitors, !covered.all)
      : null;
}

/**
 * `SELECT <rollup columns>, m, solo FROM ...` (solo always false: a session has many rollup rows) for q's site over
 * [q.from, q.to); parameter names start with `prefix` (two periods can share a statement).
 */
export async function rollupRows(sql: SqlRunner, q: StatsQuery, prefix = 'r_'): Promise<Scope> {
  const f = filterSql(q.filters, undefined, `${prefix}f`);
  if (!rollupAnswers(sql, q)) {
    const scope = eventScope(q, undefined, { filters: false, prefix });
    return { sql: `SELECT *, FALSE AS solo FROM (${eventRowsSql(scope.sql, f.sql || 'TRUE')})`, params: { ...scope.params, ...f.params } };
  }
  const covered = await coveredDays(sql, q, 'rows');
  const rows = storedAndLive(q, prefix, ROLLUP_TABLE, (rest, cached) => restRows(covered, rest, cached), covered);
  return { sql: `SELECT *, ${f.sql || 'TRUE'} AS m, FALSE AS solo FROM (${rows.sql})`, params: { ...rows.params, ...f.params } };
}

/**
 * A stand-in for `events` in the tiles that read only interaction events (clicks, click-map, custom events): the
 * columns INTERACTION_COLUMNS of q's site and range, from the rollup's interactions table for the covered days and
 * from `events` for the rest. The tile still applies its own scope (eventScope) and event types on top.
 */
export async function interactionEvents(sql: SqlRunner, q: StatsQuery, prefix = 'i_'): Promise<Scope> {
  if (sql.rollupDays === undefined) return { sql: 'SELECT * FROM events', params: {} };
  const covered = await coveredDays(sql, q, 'interactions');
  const rows = storedAndLive(q, prefix, INTERACTIONS_TABLE, (rest) => interactionsSelectSql(rest, eventSource(covered)), covered);
  return { sql: `SELECT ${INTERACTION_COLUMNS.join(', ')} FROM (${rows.sql})`, params: rows.params };
}

/**
 * For the overview without filters: the per-(day, session) rows and the trend buckets (core/rollup.ts SESSIONS_TABLE,
 * BUCKETS_TABLE) of q's site and range, stored for the covered days and derived from `events` for the rest, and the
 * stored days' per-day totals (SESSION_TOTALS_TABLE; null: no day stored). Null when there are filters or no
 * rollup (the overview then reads rollupRows()). The buckets lack the per-day row (hour -1) of the days `partialDays`
 * selects (an expression over dt, bound by the sessions' parameters): the caller computes it from the session rows.
 * `dayBits`: the stored days' DAY_BITS_TABLE rows and their capacity, when the runner keeps per-day bitmaps.
 */
export async function sessionSources(
  sql: SqlRunner,
  q: StatsQuery,
  prefix: string,
): Promise<{
  sessions: Scope;
  buckets: Scope;
  totals: Scope | null;
  dayBits: (Scope & { capacity: number }) | null;
  prelude: string;
  partialDays: string;
  visitors: VisitorBitmap;
} | null> {
  if (q.filters.length > 0 || sql.rollupDays === undefined) return null;
  // One set of covered days for both (they share the parameters $<prefix>c0... and the rows from `events`).
  const covered = await coveredDays(sql, q, 'rows');
  const rows = sharedRows(q, prefix, covered, 'rows');
  // A daily trend over stored days only, partial ones included: the rows from `events` (their later hours) add no
  // bucket it reads (the partial days' points come from the session rows), so the stored buckets alone.
  const spanStored = daysOf(q).every((d) => covered.days.includes(d));
  const dailyStored = bucketOf(q) === 'day' && spanStored ? storedPart(q, prefix, DERIVED_TABLES.buckets.table, covered) : null;
  const [sessions, buckets] = [
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.sessions), covered, rows.sids),
    dailyStored ?? storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.buckets), covered),
  ];
  // The stored days' session totals and, when the runner keeps per-day bitmaps, their visitors' bitmaps and page views
  // (their parameters are the sessions').
  const totals = storedPart(q, prefix, DERIVED_TABLES.sessionTotals.table, covered);
  return {
    sessions,
    buckets,
    totals,
    dayBits: storedBits(sql, q, prefix, covered, DAY_BITS_TABLE),
    prelude: rows.prelude,
    partialDays: partialDaysSql(prefix, covered.partial),
    visitors: visitorBitmap(sql, q, covered),
  };
}

/**
 * The per-(day, session) rows with the filter match flag `m`, when every filter is on a column they keep
 * (core/rollup.ts VISITOR_DIMENSIONS: device, browser, OS, country), so a row's events all match or none does; else
 * null. They hold no hour, so they serve daily trends only. Also the stored days' per-day totals (SESSION_TOTALS_TABLE)
 * with `m` (null: no day stored). Without `solo`, the rows lack the columns `solo` and `live` (storedAndLive), which
 * cost a join of every stored row with the session ids of the rows from `events` in a range that has some.
 */
export async function sessionRowsMatching(
  sql: SqlRunner,
  q: StatsQuery,
  prefix: string,
  solo = true,
): Promise<(Scope & { totals: Scope | null; prelude: string; visitors: VisitorBitmap }) | null> {
  const found = await sessionRowsAndNames(sql, q, prefix, false, solo);
  return found === null ? null : { ...found.rows, totals: found.totals, prelude: found.prelude, visitors: found.visitors };
}

/**
 * sessionRowsMatching() and, with `names`, the names of their source hashes (core/rollup.ts SOURCE_NAMES_TABLE:
 * columns h, value) for the same days, and (`bits`) the stored days' source bitmaps (SOURCE_BITS_TABLE, with their
 * capacity) when the sources tile can use them: no filter, the runner keeps them for the site, and every stored part
 * of the range comes before the rest (covered.ts storedFirst); else null.
 */
export async function sessionRowsAndNames(
  sql: SqlRunner,
  q: StatsQuery,
  prefix: string,
  names: boolean,
  solo = true,
): Promise<{
  rows: Scope;
  names: Scope | null;
  totals: Scope | null;
  bits: (Scope & { capacity: number }) | null;
  prelude: string;
  visitors: VisitorBitmap;
} | null> {
  if (sql.rollupDays === undefined || !q.filters.every((f) => (VISITOR_DIMENSIONS as readonly string[]).includes(f.column))) return null;
  const covered = await coveredDays(sql, q, 'rows');
  // The rows from `events` once (a CTE the caller places first): the session rows' `solo` then reads their ids, and
  // DuckDB reads only the stored columns the tile uses (measured: with a CTE of the live session rows instead, the
  // audience tile read every column).
  const shared = sharedRows(q, prefix, covered, 'rows');
  const [rows, named] = [
    storedAndLive(q, prefix, ...shared.of(DERIVED_TABLES.sessions), covered, solo ? shared.sids : undefined),
    names ? storedAndLive(q, prefix, ...shared.of(DERIVED_TABLES.sourceNames), covered) : null,
  ];
  const f = filterSql(q.filters, undefined, `${prefix}f`);
  const totals = storedPart(q, prefix, DERIVED_TABLES.sessionTotals.table, covered);
  return {
    rows: { sql: `SELECT *, ${f.sql || 'TRUE'} AS m FROM (${rows.sql})`, params: { ...rows.params, ...f.params } },
    names: named,
    bits: names && q.filters.length === 0 && storedFirst(q, covered) ? storedBits(sql, q, prefix, covered, SOURCE_BITS_TABLE, 'sourceBits') : null,
    // The stored days' session totals, with `m` too (they keep the same dimensions).
    totals: totals && { sql: `SELECT *, ${f.sql || 'TRUE'} AS m FROM (${totals.sql})`, params: { ...totals.params, ...f.params } },
    prelude: shared.prelude,
    visitors: visitorBitmap(sql, q, covered),
  };
}

/**
 * For the pages tile without filters: the per-day page, page-visitor, page-scroll and session rows (core/rollup.ts
 * PAGES_TABLE...) of q's range, stored for the covered days and derived from `events` for the rest; the scroll and
 * session rows carry `solo`. Also, when the runner keeps per-day bitmaps for the site (RollupSiteStats.bitmapCapacity),
 * `pageBits`: the stored days' page bitmaps (PAGE_BITS_TABLE) and the page-visitor rows they do not stand for (the
 * stored PAGE_VISITORS_REST_TABLE and the rows from `events`), with their capacity. Null when there are filters or no
 * rollup (the tile then reads rollupRows()).
 */
export async function pageSources(
  sql: SqlRunner,
  q: StatsQuery,
  prefix: string,
): Promise<{
  pages: Scope;
  visitors: Scope;
  scrolls: Scope;
  sessions: Scope;
  totals: Scope | null;
  pageBits: { bits: Scope; rest: Scope; capacity: number } | null;
  prelude: string;
  bitmap: VisitorBitmap;
} | null> {
  if (q.filters.length > 0 || sql.rollupDays === undefined) return null;
  const covered = await coveredDays(sql, q, 'rows');
  const rows = sharedRows(q, prefix, covered, 'rows');
  const [pages, visitors, scrolls, sessions] = [
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.pages), covered),
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.pageVisitors), covered),
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.pageScrolls), covered, rows.sids),
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.sessions), covered, rows.sids),
  ];
  // The stored days' entry, exit and depth parts too (their parameters are the others').
  const totals = storedPart(q, prefix, DERIVED_TABLES.pageTotals.table, covered);
  const bits = storedBits(sql, q, prefix, covered, PAGE_BITS_TABLE);
  const pageBits = bits && {
    bits,
    rest: storedAndLive(q, prefix, PAGE_VISITORS_REST_TABLE, rows.of(DERIVED_TABLES.pageVisitors)[1], covered),
    capacity: bits.capacity,
  };
  return { pages, visitors, scrolls, sessions, totals, pageBits, prelude: rows.prelude, bitmap: visitorBitmap(sql, q, covered) };
}

/**
 * For the clicks tile when every filter is on the page (or there is none): the per-day element and element-visitor
 * rows (core/rollup.ts ELEMENTS_TABLE, ELEMENT_VISITORS_TABLE) of q's range, and the filter over the element rows.
 * Null otherwise or without a rollup (the tile then reads interactionEvents()).
 */
export async function elementSources(
  sql: SqlRunner,
  q: StatsQuery,
  prefix: string,
): Promise<{ elements: Scope; visitors: Scope; filter: Scope; prelude: string } | null> {
  if (sql.rollupDays === undefined || !q.filters.every((f) => f.column === 'page_path')) return null;
  const covered = await coveredDays(sql, q, 'interactions');
  const rows = sharedRows(q, prefix, covered, 'interactions');
  const [elements, visitors] = [
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.elements), covered),
    storedAndLive(q, prefix, ...rows.of(DERIVED_TABLES.elementVisitors), covered),
  ];
  const f = filterSql(q.filters, undefined, `${prefix}f`);
  return { elements, visitors, filter: { sql: f.sql || 'TRUE', params: f.params }, prelude: rows.prelude };
}
