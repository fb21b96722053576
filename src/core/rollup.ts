/**
 * The dashboards' rollup: the `events` of a UTC day grouped at the grain (site, hour, session, visitor, page,
 * dimensions), with the additive parts every session-level tile needs. Ten million events become about a third as
 * many rollup rows, and each row carries fixed-width numbers instead of the events' text, so the overview, pages,
 * sources and audience tiles answer from it in tens of milliseconds instead of re-reading the Parquet files.
 *
 * The query stage (src/query/rollup.ts) keeps it for closed days; the dashboards (src/stats/) read it through
 * `SqlRunner.rollupDays` and compute the same rows on the fly from `events` for the days it does not cover (today, a
 * day that just changed, the partial first and last day of an instant range), so an answer is always exact for the
 * data of the moment. It lives here because both sides must agree on one definition.
 *
 * Exactness:
 * - every grouped column is a dimension the tiles filter or break down by, so a filter on any of them selects whole
 *   rows, and a session's or a visitor's rows re-aggregate exactly (sums, min and max);
 * - session and visitor ids are stored as 64-bit hashes (`hash()`, DuckDB's): distinct counts over them differ from
 *   counts over the ids only when two ids collide, with probability about n^2 / 2^65 (3e-8 at a million ids).
 * - bot events are never in it (the dashboards leave them out).
 */

/** Bump when the rollup's columns or their meaning change: stored rollups of another version are rebuilt. */
export const ROLLUP_VERSION = 12;

/** The attached database and table the query stage keeps the rollup in. */
export const ROLLUP_TABLE = 'rollup.page_sessions';

/**
 * Lake columns grouped as they are (the dimensions). A dashboard filter on a column outside this list (event name,
 * event type) cannot be answered from the rollup.
 */
export const ROLLUP_DIMENSIONS = [
  'page_path',
  'device_type',
  'browser',
  'os',
  'country',
  'language',
  'screen_w',
  'screen_h',
  'channel',
  'referrer_host',
  'utm_source',
  'utm_medium',
  'utm_campaign',
] as const;

/**
 * A row's hour as a partial day (its first N hours rolled up) counts it: rows without an hour (no ts) come after every
 * hour, so only a whole day's rollup holds them and `events` serves them otherwise.
 */
export const ROW_HOUR_SQL = 'coalesce(hour, 24)';

/** Events that are not an interaction: a session with one page_view and only these is a bounce. */
export const PASSIVE_EVENT_TYPES = ['page_view', 'scroll', 'identify'] as const;

/**
 * The rollup columns: site_id, dt, hour, sid (hash of session_id, NULL without one), vid (hash of anonymous_id),
 * the dimensions, then per row:
 * - n: events; pv: page_view events; active: events other than PASSIVE_EVENT_TYPES;
 * - t_min / t_max: first and last event time; pv_first / pv_last: first and last page_view time (NULL: none);
 * - scrolls: scroll events; engaged_ms: sum of their properties.engaged_ms; depth: their deepest scroll_depth.
 */
export function rollupSelectSql(where: string, source = 'events'): string {
  const passive = PASSIVE_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
  return (
    `SELECT site_id, dt, hour, ` +
    `CASE WHEN session_id IS NULL THEN NULL ELSE hash(session_id) END AS sid, ` +
    `CASE WHEN anonymous_id IS NULL THEN NULL ELSE hash(anonymous_id) END AS vid, ` +
    `${ROLLUP_DIMENSIONS.join(', ')}, ` +
    // INTEGER counts: count_if() is HUGEINT, which is several times slower to sum (measured: 0.3 s per 400k rows).
    `count(*)::INTEGER AS n, count_if(event_type = 'page_view')::INTEGER AS pv, count_if(event_type NOT IN (${passive}))::INTEGER AS active, ` +
    `min(ts) AS t_min, max(ts) AS t_max, ` +
    `min(ts) FILTER (WHERE event_type = 'page_view') AS pv_first, max(ts) FILTER (WHERE event_type = 'page_view') AS pv_last, ` +
    `count_if(event_type = 'scroll')::INTEGER AS scrolls, ` +
    `sum(TRY_CAST(json_extract_string(properties, '$.engaged_ms') AS DOUBLE)) FILTER (WHERE event_type = 'scroll') AS engaged_ms, ` +
    `max(scroll_depth) FILTER (WHERE event_type = 'scroll') AS depth ` +
    `FROM ${source} WHERE (${where}) AND is_bot IS NOT TRUE GROUP BY ALL`
  );
}

/**
 * The same columns with one row per event (no grouping; sid and vid are the ids themselves), for the answers the
 * rollup cannot give (a filter on the event name or type): the tiles then run their one SQL over these rows.
 * `match` (an expression over the event's columns) becomes the column m.
 */
export function eventRowsSql(where: string, match: string): string {
  const passive = PASSIVE_EVENT_TYPES.map((t) => `'${t}'`).join(', ');
  return (
    `SELECT site_id, dt, hour, session_id AS sid, anonymous_id AS vid, ${ROLLUP_DIMENSIONS.join(', ')}, ` +
    `1::INTEGER AS n, (event_type = 'page_view')::INTEGER AS pv, (event_type NOT IN (${passive}))::INTEGER AS active, ` +
    `ts AS t_min, ts AS t_max, ` +
    `CASE WHEN event_type = 'page_view' THEN ts END AS pv_first, CASE WHEN event_type = 'page_view' THEN ts END AS pv_last, ` +
    `(event_type = 'scroll')::INTEGER AS scrolls, ` +
    `CASE WHEN event_type = 'scroll' THEN TRY_CAST(json_extract_string(properties, '$.engaged_ms') AS DOUBLE) END AS engaged_ms, ` +
    `CASE WHEN event_type = 'scroll' THEN scroll_depth END AS depth, ${match} AS m ` +
    `FROM events WHERE (${where}) AND is_bot IS NOT TRUE`
  );
}

/**
 * The rollup's second table: the events other than page views and scrolls (clicks, outbound links, rage clicks,
 * custom events, forms: about a quarter of all events), as they are, with only the columns the click, click-map and
 * custom-event tiles read or filter on. Those tiles select a few event types, which the Parquet files cannot skip
 * to; this table holds little else. `events` columns keep their names, so a tile's SQL reads either source.
 */
export const INTERACTIONS_TABLE = 'rollup.interactions';

export const INTERACTION_COLUMNS = [
  'site_id', 'dt', 'hour', 'ts', 'event_type', 'event_name', 'anonymous_id', 'session_id', 'page_path',
  'element_selector', 'element_text', 'x', 'y', 'viewport_w', 'properties', 'is_bot',
  'referrer_host', 'channel', 'country', 'device_type', 'browser', 'os', 'utm_source', 'utm_medium', 'utm_campaign',
] as const;

/** Event types not in the interactions table. */
export const NON_INTERACTION_TYPES = ['page_view', 'scroll'] as const;

export function interactionsSelectSql(where: string, source = 'events'): string {
  const types = NON_INTERACTION_TYPES.map((t) => `'${t}'`).join(', ');
  return (
    `SELECT ${INTERACTION_COLUMNS.join(', ')} FROM ${source} ` +
    `WHERE (${where}) AND event_type IS NOT NULL AND event_type NOT IN (${types}) AND is_bot IS NOT TRUE`
  );
}

/**
 * Two more tables derived from the rollup rows, for the overview without filters (the dashboards' first screen):
 * - SESSIONS_TABLE: per (site, day, session, visitor, VISITOR_DIMENSIONS) the page views, interactions, first and last event and page
 *   view time, and the entry and exit page (as pageHashSql) and entry sources (SESSION_SOURCES as sourceHashSql, in
 *   columns <source>_h; their names are in SOURCE_NAMES_TABLE) of that day's
 *   part: about one row per session and day, so a range's sessions re-aggregate from a third of the rollup rows;
 *   and the columns `shared` and `vno` (see LINK_COLUMNS);
 * - BUCKETS_TABLE: per (site, day, hour) and per (site, day) (hour = -1) the distinct visitors and sessions, the
 *   page views, events and last event time: the trend's points (not sums of smaller parts) and /api/sites' days.
 * `rows` is a SELECT of rollup rows (the stored ones of a day, or rollupSelectSql over `events`).
 */
export const SESSIONS_TABLE = 'rollup.sessions';
export const BUCKETS_TABLE = 'rollup.buckets';

/**
 * Per (site, day, VISITOR_DIMENSIONS) the sums over that day's SESSIONS_TABLE rows with a session, each taken as a
 * whole session: sessions (rows), bounces (pv = 1 and no interaction), dur_ms (t_max - t_min) and pv. A range of
 * stored days then has the overview's session totals without reading every session row: these sums, minus the same
 * sums over its `shared` rows, plus those sessions regrouped (src/stats/queries/overview.ts). About one row per
 * hundred session rows.
 */
export const SESSION_TOTALS_TABLE = 'rollup.session_totals';

export function sessionTotalsFromRowsSql(rows: string): string {
  return (
    `SELECT site_id, dt, ${VISITOR_DIMENSIONS.join(', ')}, count(*)::INTEGER AS sessions, ` +
    `count_if(pv = 1 AND active = 0)::INTEGER AS bounces, sum(epoch_ms(t_max) - epoch_ms(t_min))::BIGINT AS dur_ms, sum(pv)::BIGINT AS pv ` +
    `FROM (${sessionsFromRowsSql(rows)}) WHERE sid IS NOT NULL GROUP BY site_id, dt, ${VISITOR_DIMENSIONS.join(', ')}`
  );
}

export function sessionsFromRowsSql(rows: string): string {
  // Entry values: those of the row with the first page view (rows are per page and dimensions, so exact), as
  // sourceHashSql (never NULL, so arg_min, which skips NULL values, still picks that row).
  const entry = (column: string) => `arg_min(${sourceHashSql(column)}, pv_first) FILTER (WHERE pv > 0) AS ${column}_h`;
  return (
    `SELECT site_id, dt, sid, vid, ${VISITOR_DIMENSIONS.join(', ')}, sum(pv)::INTEGER AS pv, sum(active)::INTEGER AS active, min(t_min) AS t_min, max(t_max) AS t_max, ` +
    `min(pv_first) AS pv_first, max(pv_last) AS pv_last, ` +
    `arg_min(${pageHashSql()}, pv_first) FILTER (WHERE pv > 0) AS entry_ph, arg_max(${pageHashSql()}, pv_last) FILTER (WHERE pv > 0) AS exit_ph, ` +
    `${SESSION_SOURCES.map(entry).join(', ')}, ${LINK_COLUMNS} ` +
    `FROM (${rows}) GROUP BY site_id, dt, sid, vid, ${VISITOR_DIMENSIONS.join(', ')}`
  );
}

/**
 * The dimensions of the device and the person the sessions table groups by too (the audience tile's): the same for
 * all of a session's events as a rule, so they seldom split its row, and when they do the split is exact.
 */
export const VISITOR_DIMENSIONS = ['device_type', 'browser', 'os', 'country', 'language', 'screen_w', 'screen_h'] as const;

/** The entry values the sessions table keeps per (day, session): the sources tile's dimensions. */
export const SESSION_SOURCES = ['referrer_host', 'channel', 'utm_source', 'utm_medium', 'utm_campaign'] as const;

/** A dimension value as the tiles show it: NULL as '(none)'. */
const orNone = (column: string) => `coalesce(${column}, '(none)')`;

/** A source value's key: its 64-bit hash, NULL as '(none)' (the sources tile groups integers, not strings). */
export const sourceValueSql = orNone;
export const sourceHashSql = (column: string) => `hash(${sourceValueSql(column)})`;

/** The names of the sessions table's source hashes: distinct (site, day, h, value) of the day's rows with page views. */
export const SOURCE_NAMES_TABLE = 'rollup.source_names';

export function sourceNamesFromRowsSql(rows: string): string {
  return (
    `SELECT DISTINCT site_id, dt, hash(value) AS h, value FROM ` +
    `(SELECT site_id, dt, unnest([${SESSION_SOURCES.map(sourceValueSql).join(', ')}]) AS value FROM (${rows}) WHERE pv > 0)`
  );
}

/**
 * Two columns of the stored rows that link them across days, set by the query stage in the same transaction as each
 * day's rows (so they always match them); computed from `events` they are FALSE and NULL:
 * - `shared` (SESSIONS_TABLE, PAGE_SCROLLS_TABLE): the row's session has more than one row in SESSIONS_TABLE: it was
 *   seen on more than one stored day (it crossed midnight), or split by a visitor dimension. Every other session's
 *   in-range part is its one stored row, unless the range's rows computed from `events` hold it too; the tiles use
 *   such a row as the whole session instead of regrouping every session's rows (src/stats/rollup.ts `solo`).
 * - `vno` (SESSIONS_TABLE, PAGE_VISITORS_TABLE): the visitor's number in VISITOR_NUMBERS_TABLE (./visitor-bits.ts; NULL: no visitor).
 */
const LINK_COLUMNS = 'FALSE AS shared, NULL::INTEGER AS vno';

/**
 * Per site, the distinct values of the audience tile's dimensions the stored rows ever held, as hashes (h) of the
 * dimension and its value (the screen as one value of width and height): their count bounds the groups of that
 * tile's visitor bitmaps (SqlRunner.rollupSiteStats). Only grows while the rollup lives.
 */
export const AUDIENCE_VALUES_TABLE = 'rollup.audience_values';
const AUDIENCE_KEYS = [...VISITOR_DIMENSIONS.filter((d) => !d.startsWith('screen_')).map((d) => [d]), ['screen_w', 'screen_h']];
/** `h` of AUDIENCE_VALUES_TABLE, one row per dimension of each row of `rows` (session rows). */
export function audienceValuesSql(rows: string): string {
  return `SELECT DISTINCT site_id, unnest([${AUDIENCE_KEYS.map((cols, i) => `hash(${i}, ${cols.join(', ')})`).join(', ')}]) AS h FROM (${rows})`;
}

export function bucketsFromRowsSql(rows: string): string {
  return (
    `SELECT site_id, dt, coalesce(hour, -1)::INTEGER AS hour, count(DISTINCT vid)::INTEGER AS visitors, ` +
    `count(DISTINCT sid)::INTEGER AS sessions, sum(pv)::INTEGER AS page_views, sum(n)::BIGINT AS events, max(t_max) AS last_ts ` +
    `FROM (${rows}) GROUP BY GROUPING SETS ((site_id, dt), (site_id, dt, hour))`
  );
}

/**
 * Per-day tables for the pages and clicks tiles without filters (the dashboards' most common requests): their top
 * lists sum per-day counts, and the distinct visitors of the top items read per-day (item hash, visitor) pairs, two
 * integers per row, instead of regrouping every page-session row or click. Ranges that are not whole rolled-up days
 * compute the same rows from `events` (src/stats/rollup.ts), like every rollup table.
 *
 * - PAGES_TABLE: per (site, day, page_path) the page views and the engaged time of the page's scroll events with a
 *   session (the pages tile's numerator);
 * - PAGE_VISITORS_TABLE: distinct (site, day, ph = pageHashSql, vid) of page views with a visitor, and `vno`;
 * - PAGE_SCROLLS_TABLE: per (site, day, ph, sid) with scroll events the deepest scroll, for the average
 *   depth per (page, session); a session seen on one stored day only has one row per page (`shared`: see
 *   LINK_COLUMNS);
 * - ELEMENTS_TABLE: per (site, day, page_path, element_selector, element_text) the clicks (CLICK_EVENT_TYPES) and
 *   rage clicks;
 * - ELEMENT_VISITORS_TABLE: distinct (site, day, eh = elementHashSql, vid) of clicks with a visitor.
 * Page and element hashes are 64-bit, as the ids are: two items share one only with probability ~n^2 / 2^65.
 */
export const PAGES_TABLE = 'rollup.pages';
export const PAGE_VISITORS_TABLE = 'rollup.page_visitors';
export const PAGE_SCROLLS_TABLE = 'rollup.page_scrolls';
export const ELEMENTS_TABLE = 'rollup.elements';
export const ELEMENT_VISITORS_TABLE = 'rollup.element_visitors';

/** Event types the clicks tile counts as clicks (rage_click is counted apart). */
export const CLICK_EVENT_TYPES = ['click', 'outbound'] as const;
const CLICKS_SQL = CLICK_EVENT_TYPES.map((t) => `'${t}'`).join(', ');

/** The pages tile's page key: page_path with NULL as '(none)'. */
export const pageKeySql = (column = 'page_path') => orNone(column);
export const pageHashSql = (column = 'page_path') => `hash(${pageKeySql(column)})`;

/** The clicks tile's element key: page, selector (NULL: '(none)') and text (NULL: ''). */
export function elementKeySql(page = 'page_path', selector = 'element_selector', text = 'element_text'): [string, string, string] {
  return [orNone(page), orNone(selector), `coalesce(${text}, '')`];
}
export const elementHashSql = (...key: [string, string, string]) => `hash(${key.join(', ')})`;

/** `rows`: rollup rows (a day's stored ones, or rollupSelectSql over `events`). */
export function pagesFromRowsSql(rows: string): string {
  return (
    `SELECT site_id, dt, page_path, sum(pv)::INTEGER AS views, ` +
    `sum(engaged_ms) FILTER (WHERE scrolls > 0 AND sid IS NOT NULL) AS engaged_ms ` +
    `FROM (${rows}) GROUP BY site_id, dt, page_path`
  );
}

export function pageVisitorsFromRowsSql(rows: string): string {
  return `SELECT DISTINCT site_id, dt, ${pageHashSql()} AS ph, vid, NULL::INTEGER AS vno FROM (${rows}) WHERE pv > 0 AND vid IS NOT NULL`;
}

/**
 * Per (site, day, ph) the pages tile's additive parts of that day's rows, each session row and each page-scroll row
 * taken as a whole session: entries and exits (SESSIONS_TABLE rows with a session and a page view whose entry_ph /
 * exit_ph is ph), and the sum and count of the page-scroll rows' depths. A range of stored days corrects them by its
 * `shared` rows (src/stats/queries/pages.ts) instead of reading every session and scroll row.
 */
export const PAGE_TOTALS_TABLE = 'rollup.page_totals';

export function pageTotalsFromRowsSql(rows: string): string {
  const sessions = sessionsFromRowsSql(rows);
  return (
    `SELECT site_id, dt, ph, sum(entries)::INTEGER AS entries, sum(exits)::INTEGER AS exits, sum(depth_sum)::BIGINT AS depth_sum, sum(depth_n)::INTEGER AS depth_n FROM (` +
    `SELECT site_id, dt, entry_ph AS ph, 1 AS entries, 0 AS exits, 0 AS depth_sum, 0 AS depth_n FROM (${sessions}) WHERE sid IS NOT NULL AND pv > 0 ` +
    `UNION ALL SELECT site_id, dt, exit_ph, 0, 1, 0, 0 FROM (${sessions}) WHERE sid IS NOT NULL AND pv > 0 ` +
    `UNION ALL SELECT site_id, dt, ph, 0, 0, coalesce(depth, 0), (depth IS NOT NULL)::INTEGER FROM (${pageScrollsFromRowsSql(rows)})` +
    `) GROUP BY site_id, dt, ph`
  );
}

export function pageScrollsFromRowsSql(rows: string): string {
  return (
    `SELECT site_id, dt, ${pageHashSql()} AS ph, sid, max(depth) AS depth, FALSE AS shared ` +
    `FROM (${rows}) WHERE scrolls > 0 AND sid IS NOT NULL GROUP BY site_id, dt, ph, sid`
  );
}

/** `rows`: interaction rows (a day's stored ones, or interactionsSelectSql over `events`). */
export function elementsFromRowsSql(rows: string): string {
  return (
    `SELECT site_id, dt, page_path, element_selector, element_text, ` +
    `count_if(event_type IN (${CLICKS_SQL}))::INTEGER AS clicks, count_if(event_type = 'rage_click')::INTEGER AS rage_clicks ` +
    `FROM (${rows}) WHERE event_type IN (${CLICKS_SQL}, 'rage_click') GROUP BY site_id, dt, page_path, element_selector, element_text`
  );
}

export function elementVisitorsFromRowsSql(rows: string): string {
  return (
    `SELECT DISTINCT site_id, dt, ${elementHashSql(...elementKeySql())} AS eh, hash(anonymous_id) AS vid ` +
    `FROM (${rows}) WHERE event_type IN (${CLICKS_SQL}) AND anonymous_id IS NOT NULL`
  );
}

/**
 * The tables derived from a day's rollup rows (`rows`) or interaction rows (`interactions`): the query stage builds
 * them per day (stored sorted by `order`), the dashboards compute the same SELECT over `events` for the days it does
 * not cover. One list, so both sides pair each table with the same SELECT.
 */
/** The two tables the derived ones are computed from (DerivedTable.from), and their SELECT over `events`. */
export const BASE_TABLES = {
  rows: { table: ROLLUP_TABLE, select: rollupSelectSql },
  interactions: { table: INTERACTIONS_TABLE, select: interactionsSelectSql },
} as const;

export interface DerivedTable {
  readonly table: string;
  readonly from: keyof typeof BASE_TABLES;
  readonly select: (rows: string) => string;
  readonly order: string;
  /**
   * For a table with rows that do not add up across a day's hours (BUCKETS_TABLE's per-day row: distinct counts), the
   * rows kept when only the first hours of a day are rolled up (the day's rows from `events` then hold the later hours
   * only, so neither side has the whole day's row). A reader computes such rows of a partial day itself.
   */
  readonly ofPartialDay?: string;
}

export const DERIVED_TABLES = {
  sessions: { table: SESSIONS_TABLE, from: 'rows', select: sessionsFromRowsSql, order: 'site_id' },
  sessionTotals: { table: SESSION_TOTALS_TABLE, from: 'rows', select: sessionTotalsFromRowsSql, order: 'site_id' },
  buckets: { table: BUCKETS_TABLE, from: 'rows', select: bucketsFromRowsSql, order: 'site_id, hour', ofPartialDay: 'hour >= 0' },
  sourceNames: { table: SOURCE_NAMES_TABLE, from: 'rows', select: sourceNamesFromRowsSql, order: 'site_id' },
  pages: { table: PAGES_TABLE, from: 'rows', select: pagesFromRowsSql, order: 'site_id' },
  pageVisitors: { table: PAGE_VISITORS_TABLE, from: 'rows', select: pageVisitorsFromRowsSql, order: 'site_id' },
  pageScrolls: { table: PAGE_SCROLLS_TABLE, from: 'rows', select: pageScrollsFromRowsSql, order: 'site_id' },
  pageTotals: { table: PAGE_TOTALS_TABLE, from: 'rows', select: pageTotalsFromRowsSql, order: 'site_id' },
  elements: { table: ELEMENTS_TABLE, from: 'interactions', select: elementsFromRowsSql, order: 'site_id' },
  elementVisitors: { table: ELEMENT_VISITORS_TABLE, from: 'interactions', select: elementVisitorsFromRowsSql, order: 'site_id' },
} as const satisfies Record<string, DerivedTable>;
