import type { SqlParam, SqlRunner } from '../core/ports.js';
import { type DerivedTable, ROW_HOUR_SQL, rollupSelectSql, ROLLUP_TABLE } from '../core/rollup.js';
import { eventScope, lastDay, type StatsQuery } from './params.js';

/**
 * Which days of a tile's range the runner's rollup holds (stored rows), and where the rest of the range is read from:
 * the WHERE parts and parameters both sides of a statement use (./rollup.ts storedAndLive and the tiles' SQL).
 */
const DAY_MS = 86_400_000;

/** Every UTC day [from, to) touches, first to last (YYYY-MM-DD). */
export function daysOf(q: StatsQuery): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${q.from.slice(0, 10)}T00:00:00Z`); t <= Date.parse(`${lastDay(q.to)}T00:00:00Z`); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/** Whole UTC days inside [from, to), first to last (YYYY-MM-DD). */
function wholeDays(fromIso: string, toIso: string): string[] {
  const first = Math.ceil(Date.parse(fromIso) / DAY_MS) * DAY_MS;
  const out: string[] = [];
  for (let t = first; t + DAY_MS <= Date.parse(toIso); t += DAY_MS) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}

/**
 * The whole days of q's range with stored rows (all of the day, or its first hours: `partial`), whether they are all
 * of it (nothing to read from `events`), and the relation to read the rest from: `events`, or one planned over those
 * days' files only (SqlRunner.eventsOfDays). For rollup rows (`from` 'rows'), the runner's cached rows of the
 * partial days' later hours' files when it keeps them (SqlRunner.liveRowsOfDays); the relation then lacks those files.
 */
export async function coveredDays(sql: SqlRunner, q: StatsQuery, from: DerivedTable['from']): Promise<Covered> {
  const whole = wholeDays(q.from, q.to);
  const covered: ReadonlyMap<string, number> =
    whole.length === 0 || sql.rollupDays === undefined ? new Map() : await sql.rollupDays(whole[0]!, whole[whole.length - 1]!);
  const days = whole.filter((d) => covered.has(d));
  const partial = new Map(days.filter((d) => covered.get(d)! < 24).map((d) => [d, covered.get(d)!]));
  const exact = whole.length > 0 && whole[0] === q.from.slice(0, 10) && Date.parse(q.to) === Date.parse(`${whole[whole.length - 1]}T00:00:00Z`) + DAY_MS;
  const all = exact && days.length === whole.length && partial.size === 0;
  let source: string | null = 'events';
  let cachedRows: string | null = null;
  let cachedDerived: ReadonlyMap<string, string> | null = null;
  if (!all && sql.eventsOfDays !== undefined) {
    // The days not covered whole: [first, last] of the range's days (cut ones included) not in `days`, or partial.
    const rest = daysOf(q).filter((day) => !days.includes(day) || partial.has(day));
    if (rest.length > 0 && partial.size > 0 && from === 'rows' && sql.liveRowsOfDays !== undefined) {
      ({ source, rows: cachedRows, derived: cachedDerived } = await sql.liveRowsOfDays(rest[0]!, rest[rest.length - 1]!, partial));
    } else if (rest.length > 0) {
      source = await sql.eventsOfDays(rest[0]!, rest[rest.length - 1]!, partial);
    }
  }
  return { days, partial, all, source, cachedRows, cachedDerived: cachedRows === null ? null : cachedDerived, numbered: sql.rollupSiteStats !== undefined };
}

export interface Covered {
  /** The whole days of the range with stored rows, partial ones included. */
  readonly days: string[];
  /** Of those, the days whose stored rows cover only their first N hours (day -> N): the rest is read from `events`. */
  readonly partial: ReadonlyMap<string, number>;
  readonly all: boolean;
  /**
   * Where the rest is read from (a FROM clause); null: nowhere but the cached rows (SqlRunner.liveRowsOfDays: no other
   * file, no unwritten event).
   */
  readonly source: string | null;
  /**
   * The rollup rows of the partial days' later hours that are in Parquet files, kept per file by the runner
   * (SqlRunner.liveRowsOfDays; `source` then lacks those files), or null: all of the rest is read from `source`.
   */
  readonly cachedRows: string | null;
  /** With cachedRows, the runner's per-file rows of some derived tables over the same files, by table name. */
  readonly cachedDerived: ReadonlyMap<string, string> | null;
  /**
   * Whether the rows from `events` of the tables with visitor numbers get their visitors' keys (core/rollup.ts
   * liveVisitorKeysSql): the runner keeps the numbers (SqlRunner.rollupSiteStats).
   */
  readonly numbered: boolean;
}

/**
 * The rollup rows (core/rollup.ts rollupSelectSql) of the rest of a range: grouped from covered.source (`where`; or
 * `grouped`, a relation of those rows the caller computed once), plus the runner's cached rows of the partial days'
 * later hours (`cachedWhere`: rangeParts' `cached`) if it keeps them.
 */
export function restRows(covered: Pick<Covered, 'cachedRows' | 'source'>, where: string, cachedWhere: string, grouped?: string): string {
  const cached = covered.cachedRows === null ? null : cachedRowsOf(covered.cachedRows, cachedWhere);
  if (covered.source === null) return cached ?? `SELECT * FROM ${ROLLUP_TABLE} WHERE FALSE`;
  const rest = grouped ?? rollupSelectSql(where, covered.source);
  return cached === null ? rest : `${cached} UNION ALL ${rest}`;
}

/**
 * Whether every part of q's range read from `events` (or cached rows) comes after every stored part: the days not
 * covered and the partial days' later hours all lie after the last covered day's stored hours (a range ending today).
 * Then a stored session row's first page view is its session's first in the range, whatever rows from `events` add.
 */
export function storedFirst(q: StatsQuery, covered: Pick<Covered, 'days' | 'partial'>): boolean {
  const last = covered.days[covered.days.length - 1];
  return last !== undefined && daysOf(q).every((d) => (covered.days.includes(d) && !covered.partial.has(d)) || d >= last);
}

/** Rows the runner caches per file (covered.cachedRows, covered.cachedDerived) of q's site (`cachedWhere`). */
export function cachedRowsOf(select: string, cachedWhere: string): string {
  return `SELECT * FROM (${select}) WHERE ${cachedWhere}`;
}

/** covered.source for the tables read from `events` other than rollup rows (only those rows can be cached). */
export function eventSource(covered: Covered): string {
  if (covered.source === null) throw new Error('the rest of a range is read from cached rollup rows only');
  return covered.source;
}

/** `dt IN (<the partial days>)` with the parameters rangeParts() binds for the rest ('FALSE' without partial days). */
export function partialDaysSql(prefix: string, partial: ReadonlyMap<string, number>): string {
  return partial.size === 0 ? 'FALSE' : `dt IN (${[...partial.keys()].map((_, i) => `$${prefix}pd${i}::DATE`).join(', ')})`;
}

/**
 * The WHERE parts of q's range: the covered days' stored rows, and the rest (read from `events`: the days not
 * covered and the hours after the stored ones of a partial day), with parameters.
 */
export function rangeParts(q: StatsQuery, prefix: string, covered: Pick<Covered, 'days' | 'partial'>) {
  const { days, partial } = covered;
  const range = eventScope(q, undefined, { filters: false, prefix });
  const list = days.map((_, i) => `$${prefix}c${i}::DATE`).join(', ');
  // BETWEEN lets the scan skip row groups by their dt range; the IN list (a join, several ms per scan) only when the
  // covered days have gaps.
  const contiguous = days.length > 0 && Date.parse(days[days.length - 1]!) - Date.parse(days[0]!) === (days.length - 1) * DAY_MS;
  const span = days.length === 0 ? '' : `dt BETWEEN $${prefix}c0::DATE AND $${prefix}c${days.length - 1}::DATE${contiguous ? '' : ` AND dt IN (${list})`}`;
  const params: Record<string, SqlParam> = { [`${prefix}site`]: q.site };
  // Bound: the days the SQL names (all of them for the IN list, else the first and last).
  days.forEach((d, i) => {
    if (!contiguous || i === 0 || i === days.length - 1) params[`${prefix}c${i}`] = d;
  });
  // A partial day's rows of hour >= N (and those without an hour, which no stored prefix holds).
  const restParams: Record<string, SqlParam> = { ...range.params };
  const tails = [...partial].map(([day, hours], i) => {
    restParams[`${prefix}pd${i}`] = day;
    restParams[`${prefix}ph${i}`] = hours;
    return ` OR (dt = $${prefix}pd${i}::DATE AND ${ROW_HOUR_SQL} >= $${prefix}ph${i})`;
  });
  return {
    stored: `site_id = $${prefix}site AND ${span}`,
    rest: days.length === 0 ? range.sql : `${range.sql} AND (NOT (${span})${tails.join('')})`,
    // The cached rows are those of the partial days' later hours' files only, all in the range (whole days): the site.
    cached: `site_id = $${prefix}site`,
    params,
    restParams,
  };
}
