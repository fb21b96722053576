import { ClicklakeError } from '../core/errors.js';
import type { SqlParam, SqlRunner } from '../core/ports.js';
import type { DayPartials } from './partials.js';

/**
 * The common query parameters of every `GET /api/stats/<tile>` (docs/dashboard-api.md): site, range, filters, limit.
 * Parsing is strict (anything unexpected is a 400 naming the parameter); the result binds into SQL through
 * eventScope(), never by concatenation. Column names come only from FILTER_COLUMNS below.
 */

/** Filter name (public, in the URL) -> lake column. The allow-list: nothing else reaches SQL as an identifier. */
export const FILTER_COLUMNS = {
  page: 'page_path',
  referrer: 'referrer_host',
  channel: 'channel',
  country: 'country',
  device: 'device_type',
  browser: 'browser',
  os: 'os',
  utm_source: 'utm_source',
  utm_medium: 'utm_medium',
  utm_campaign: 'utm_campaign',
  event: 'event_name',
  type: 'event_type',
} as const;

export type FilterName = keyof typeof FILTER_COLUMNS;

/** Shown for NULL dimension values (e.g. enrichment columns of data written before enrichment existed). */
export const NONE = '(none)';

export interface StatsFilter {
  readonly name: FilterName;
  readonly column: string;
  readonly op: 'eq' | 'neq';
  /** The value; `(none)` matches NULL. */
  readonly value: string;
}

export interface StatsQuery {
  readonly site: string;
  /** ISO instant, inclusive. */
  readonly from: string;
  /** ISO instant, exclusive. */
  readonly to: string;
  readonly filters: readonly StatsFilter[];
  readonly limit: number;
}

/**
 * One named query = one file in src/stats/queries/ (listed in queries/index.ts); src/stats/plugin.ts registers
 * `GET <path>` for it, parses the common parameters and wraps the result in the response envelope. `extra` holds
 * the raw query string for tile-specific parameters (validate them; throw ClicklakeError CLK_ERR_BAD_REQUEST).
 */
export interface NamedQuery {
  readonly name: string;
  readonly path: string;
  /** False for queries that take no `site`/range (e.g. /api/sites): the plugin then passes a null StatsQuery. */
  readonly common?: boolean;
  /** Tile-specific query parameters it accepts besides the common ones; any other parameter is a 400. */
  readonly extraParams?: readonly string[];
  /**
   * The UTC days (YYYY-MM-DD, inclusive; null: unbounded) whose data the answer depends on, which makes it
   * cacheable (src/stats/cache.ts): the answer is reused while those days' data is unchanged. Leave it out for
   * anything that depends on the clock (realtime) or on other state.
   */
  readonly cacheDays?: (q: StatsQuery | null) => { readonly from: string | null; readonly to: string | null };
  /** `ctx.partials`: per-day partial results (partials.ts) for queries that combine exact per-day parts; null: off. */
  run(sql: SqlRunner, q: StatsQuery, extra: URLSearchParams, ctx?: QueryContext): Promise<unknown>;
}

export interface QueryContext {
  readonly partials: DayPartials | null;
}

export const LIMIT_DEFAULT = 10;
export const LIMIT_MAX = 1000;
export const MAX_FILTERS = 20;
const MAX_VALUE_CHARS = 1000;
const MAX_SITE_CHARS = 128;
const DAY_MS = 86_400_000;
/** Longest range: 3 years (366-day years, so three calendar years always fit). */
export const MAX_SPAN_MS = 3 * 366 * DAY_MS;
export const DEFAULT_DAYS = 7;

const DAY_RE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

function bad(param: string, message: string): ClicklakeError {
  return new ClicklakeError('CLK_ERR_BAD_REQUEST', `${param}: ${message}`);
}

/** Query string (URLSearchParams, a fastify query object or a string) -> URLSearchParams. */
export function toSearchParams(query: unknown): URLSearchParams {
  if (query instanceof URLSearchParams) return query;
  if (typeof query === 'string') return new URLSearchParams(query.startsWith('?') ? query.slice(1) : query);
  const out = new URLSearchParams();
  if (query === null || query === undefined) return out;
  if (typeof query !== 'object') throw bad('query', 'not a query string');
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    for (const v of Array.isArray(value) ? value : [value]) {
      if (typeof v !== 'string') throw bad(key, 'must be a string');
      out.append(key, v);
    }
  }
  return out;
}

function single(params: URLSearchParams, name: string): string | undefined {
  const all = params.getAll(name);
  if (all.length > 1) throw bad(name, 'given more than once');
  return all[0];
}

function parseDay(value: string, param: string): number {
  if (!DAY_RE.test(value)) throw bad(param, 'must be YYYY-MM-DD or an ISO instant');
  const ms = Date.parse(`${value}T00:00:00Z`);
  if (!Number.isFinite(ms) || new Date(ms).toISOString().slice(0, 10) !== value) throw bad(param, 'not a valid date');
  return ms;
}

/** A range bound: a UTC day (its start; `end` adds one day, `to` days are inclusive) or an ISO instant. */
function parseBound(value: string, param: string, end: boolean): number {
  if (INSTANT_RE.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isFinite(ms)) throw bad(param, 'not a valid instant');
    return ms;
  }
  return parseDay(value, param) + (end ? DAY_MS : 0);
}

function startOfUtcDay(ms: number): number {
  return Math.floor(ms / DAY_MS) * DAY_MS;
}

/** Parses the common parameters. Unknown parameters are left to the tile (see `extra`); throws CLK_ERR_BAD_REQUEST. */
export function parseStatsQuery(query: unknown, now: number = Date.now()): StatsQuery {
  const params = toSearchParams(query);
  const site = single(params, 'site');
  if (site === undefined || site === '') throw bad('site', 'required (a site_id; GET /api/sites lists them)');
  if (site.length > MAX_SITE_CHARS) throw bad('site', `longer than ${MAX_SITE_CHARS} characters`);

  const fromRaw = single(params, 'from');
  const toRaw = single(params, 'to');
  const today = startOfUtcDay(now);
  const to = toRaw === undefined ? today + DAY_MS : parseBound(toRaw, 'to', true);
  const from = fromRaw === undefined ? (toRaw === undefined ? today - (DEFAULT_DAYS - 1) * DAY_MS : to - DEFAULT_DAYS * DAY_MS) : parseBound(fromRaw, 'from', false);
  if (to <= from) throw bad('to', 'must be after from');
  if (to - from > MAX_SPAN_MS) throw bad('to', 'the range may span at most 3 years');
  if (from < Date.UTC(1970, 0, 1) || to > Date.UTC(9999, 0, 1)) throw bad('from', 'out of range');

  const filters: StatsFilter[] = [];
  const rawFilters = params.getAll('filter');
  if (rawFilters.length > MAX_FILTERS) throw bad('filter', `at most ${MAX_FILTERS} filters`);
  for (const raw of rawFilters) filters.push(parseFilter(raw));

  const limitRaw = single(params, 'limit');
  let limit = LIMIT_DEFAULT;
  if (limitRaw !== undefined) {
    if (!/^\d{1,4}$/.test(limitRaw)) throw bad('limit', `must be an integer 1..${LIMIT_MAX}`);
    limit = Number(limitRaw);
    if (limit < 1 || limit > LIMIT_MAX) throw bad('limit', `must be an integer 1..${LIMIT_MAX}`);
  }
  return { site, from: new Date(from).toISOString(), to: new Date(to).toISOString(), filters, limit };
}

/** `name:value` (equals) or `name!:value` (not equals). */
export function parseFilter(raw: string): StatsFilter {
  const colon = raw.indexOf(':');
  if (colon <= 0) throw bad('filter', `"${raw.slice(0, 60)}" is not <name>:<value> or <name>!:<value>`);
  let name = raw.slice(0, colon);
  let op: 'eq' | 'neq' = 'eq';
  if (name.endsWith('!')) {
    op = 'neq';
    name = name.slice(0, -1);
  }
  if (!Object.prototype.hasOwnProperty.call(FILTER_COLUMNS, name)) {
    throw bad('filter', `unknown name "${name.slice(0, 60)}" (allowed: ${Object.keys(FILTER_COLUMNS).join(', ')})`);
  }
  const value = raw.slice(colon + 1);
  if (value.length > MAX_VALUE_CHARS) throw bad('filter', `value longer than ${MAX_VALUE_CHARS} characters`);
  const key = name as FilterName;
  return { name: key, column: FILTER_COLUMNS[key], op, value };
}

export interface Scope {
  readonly sql: string;
  readonly params: Record<string, SqlParam>;
}

/** The UTC day (YYYY-MM-DD) of the last instant before `toIso` (exclusive end). */
export function lastDay(toIso: string): string {
  return new Date(Date.parse(toIso) - 1).toISOString().slice(0, 10);
}

/**
 * The WHERE condition of a tile: site, time range (with dt bounds, so hive partition pruning reads only the needed
 * files), no bot events and, unless `filters: false`, every filter. Parameter names: $site, $from, $to, $dt_from, $dt_to, $f0...
 * `prefix` renames them (e.g. 'p_' for the previous period) so two scopes can share one statement.
 */
export function eventScope(
  q: StatsQuery,
  alias?: string,
  options: { readonly filters?: boolean; readonly prefix?: string } = {},
): Scope {
  const a = alias ? `${alias}.` : '';
  const p = options.prefix ?? '';
  const params: Record<string, SqlParam> = {
    [`${p}site`]: q.site,
    [`${p}from`]: q.from,
    [`${p}to`]: q.to,
    [`${p}dt_from`]: q.from.slice(0, 10),
    [`${p}dt_to`]: lastDay(q.to),
  };
  const parts = [
    `${a}site_id = $${p}site`,
    `${a}dt BETWEEN $${p}dt_from::DATE AND $${p}dt_to::DATE`,
    `${a}ts >= $${p}from::TIMESTAMPTZ`,
    `${a}ts < $${p}to::TIMESTAMPTZ`,
    // Bots are dropped at the edge by default; when kept (collector.bots = "keep") the dashboards still leave them out.
    `${a}is_bot IS NOT TRUE`,
  ];
  if (options.filters !== false) {
    const f = filterSql(q.filters, alias, `${p}f`);
    if (f.sql) parts.push(f.sql);
    Object.assign(params, f.params);
  }
  return { sql: parts.join(' AND '), params };
}

/** The filters alone ('' when none), AND-ed; parameters $<prefix>0, $<prefix>1, ... */
export function filterSql(filters: readonly StatsFilter[], alias?: string, prefix = 'f'): Scope {
  const a = alias ? `${alias}.` : '';
  const params: Record<string, SqlParam> = {};
  const parts: string[] = [];
  filters.forEach((f, i) => {
    // The column comes from the allow-list (re-checked here: StatsFilter objects may be built by hand).
    const column = FILTER_COLUMNS[f.name];
    if (column === undefined || column !== f.column) throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `filter: unknown name "${f.name}"`);
    if (f.value === NONE) {
      parts.push(`${a}${column} IS ${f.op === 'eq' ? '' : 'NOT '}NULL`);
      return;
    }
    const name = `${prefix}${i}`;
    params[name] = f.value;
    parts.push(f.op === 'eq' ? `${a}${column} = $${name}` : `${a}${column} IS DISTINCT FROM $${name}`);
  });
  return { sql: parts.join(' AND '), params };
}

/** The period of equal length just before q's range (for comparisons). */
export function previousPeriod(q: StatsQuery): StatsQuery {
  const from = Date.parse(q.from);
  const to = Date.parse(q.to);
  return { ...q, from: new Date(from - (to - from)).toISOString(), to: q.from };
}

/** cacheDays for tiles that read exactly the range. */
export function rangeDays(q: StatsQuery | null): { from: string | null; to: string | null } {
  return q === null ? { from: null, to: null } : { from: q.from.slice(0, 10), to: lastDay(q.to) };
}

/** Trend granularity: hourly for ranges up to 2 days, else daily. */
export function bucketOf(q: StatsQuery): 'hour' | 'day' {
  return Date.parse(q.to) - Date.parse(q.from) <= 2 * DAY_MS ? 'hour' : 'day';
}

/** A tile-specific integer parameter from `extra` (absent: the default). */
export function intParam(extra: URLSearchParams, name: string, min: number, max: number, fallback: number): number {
  const all = extra.getAll(name);
  if (all.length === 0) return fallback;
  if (all.length > 1) throw bad(name, 'given more than once');
  const raw = all[0]!;
  if (!/^-?\d{1,9}$/.test(raw)) throw bad(name, `must be an integer ${min}..${max}`);
  const n = Number(raw);
  if (n < min || n > max) throw bad(name, `must be an integer ${min}..${max}`);
  return n;
}

/** A tile-specific string parameter from `extra`, one of `allowed` (absent: the default). */
export function enumParam<T extends string>(extra: URLSearchParams, name: string, allowed: readonly T[], fallback: T): T {
  const all = extra.getAll(name);
  if (all.length === 0) return fallback;
  if (all.length > 1) throw bad(name, 'given more than once');
  const raw = all[0]!;
  if (!(allowed as readonly string[]).includes(raw)) throw bad(name, `must be one of ${allowed.join(', ')}`);
  return raw as T;
}
