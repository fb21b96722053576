import type { SqlParam, SqlRunner } from '../../core/ports.js';
import { BUCKETS_TABLE, ROW_HOUR_SQL } from '../../core/rollup.js';
import { rangeDays, type NamedQuery, type QueryContext } from '../params.js';
import { num, str } from '../sql.js';

/**
 * GET /api/sites: every site that has (non-bot) events, with its event count and last event time; most events first.
 * It reads the whole lake, so it is computed from per-day parts (partials.ts): per day and site the event count and
 * the last event time (microseconds), summed / maximised over the days. Only days whose data changed are re-read,
 * from the dashboards' rollup when it covers them.
 */
const SITES_MAX = 1000;

interface SiteDay {
  readonly events: number;
  /** epoch microseconds of the last event (exact: TIMESTAMPTZ has microsecond precision). */
  readonly lastUs: number | null;
}

type DayPart = ReadonlyMap<string, SiteDay>;

export interface SiteRow {
  id: string;
  events: number;
  last_seen: string | null;
}

/** DuckDB's VARCHAR order (bytes of UTF-8), the tie-break of the direct query. */
function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

async function direct(sql: SqlRunner): Promise<SiteRow[]> {
  const result = await sql.queryInternal(
    `SELECT site_id, count(*) AS events, max(ts) AS last_seen FROM events WHERE is_bot IS NOT TRUE GROUP BY site_id ORDER BY events DESC, site_id LIMIT ${SITES_MAX}`,
    {},
  );
  return result.rows.map((r) => ({ id: str(r.site_id), events: num(r.events), last_seen: r.last_seen === null ? null : new Date(str(r.last_seen)).toISOString() }));
}

/** More parts than a result may hold (engine maxRows): the caller answers directly instead. */
class TruncatedParts extends Error {}

/**
 * Parts of `days`: from the rollup (core/rollup.ts) for the days it covers (for a day covered in part, its stored
 * hours' buckets), the rest (days not covered, a partial day's later hours) in one scan of `events`.
 */
async function computeDays(sql: SqlRunner, days: readonly string[]): Promise<Map<string, DayPart>> {
  const sorted = [...days].sort();
  const covered: ReadonlyMap<string, number> =
    sql.rollupDays === undefined || sorted.length === 0 ? new Map() : await sql.rollupDays(sorted[0]!, sorted[sorted.length - 1]!);
  const rolled = sorted.filter((d) => covered.get(d) === 24);
  const partial = new Map(sorted.filter((d) => (covered.get(d) ?? 24) < 24).map((d) => [d, covered.get(d)!]));
  const rest = sorted.filter((d) => !covered.has(d));
  // Bound constants (not a subquery), so hive partition pruning reads only those days' files.
  const inList = (list: readonly string[], p: string) => list.map((_, i) => `$${p}${i}::DATE`).join(', ');
  const parts: string[] = [];
  const params: Record<string, SqlParam> = {};
  const bind = (list: readonly string[], p: string) => list.forEach((d, i) => (params[`${p}${i}`] = d));
  const fromBuckets = (where: string) =>
    `SELECT strftime(dt, '%Y-%m-%d') AS day, site_id, sum(events)::BIGINT AS events, epoch_us(max(last_ts)) AS last_us FROM ${BUCKETS_TABLE} ` +
    `WHERE ${where} GROUP BY ALL`;
  if (rolled.length > 0) {
    parts.push(fromBuckets(`hour = -1 AND dt IN (${inList(rolled, 'r')})`));
    bind(rolled, 'r');
  }
  if (partial.size > 0) {
    parts.push(fromBuckets(`hour >= 0 AND dt IN (${inList([...partial.keys()], 'p')})`));
    bind([...partial.keys()], 'p');
  }
  const scanned = [...rest, ...partial.keys()].sort();
  if (scanned.length > 0) {
    const tails = [...partial.values()].map((hours, i) => {
      params[`ph${i}`] = hours;
      return ` OR (dt = $p${i}::DATE AND ${ROW_HOUR_SQL} >= $ph${i})`;
    });
    const source = sql.eventsOfDays === undefined ? 'events' : await sql.eventsOfDays(scanned[0]!, scanned[scanned.length - 1]!, partial);
    parts.push(
      `SELECT strftime(dt, '%Y-%m-%d') AS day, site_id, count(*) AS events, epoch_us(max(ts)) AS last_us FROM ${source} ` +
        `WHERE (${rest.length > 0 ? `dt IN (${inList(rest, 'd')})` : 'FALSE'}${tails.join('')}) AND is_bot IS NOT TRUE GROUP BY ALL`,
    );
    bind(rest, 'd');
  }
  const result = await sql.queryInternal(parts.join(' UNION ALL '), params);
  if (result.truncated) throw new TruncatedParts();
  const out = new Map<string, Map<string, SiteDay>>();
  for (const r of result.rows) {
    const day = str(r.day);
    let part = out.get(day);
    if (part === undefined) out.set(day, (part = new Map()));
    // site_id NULL groups as its own site in the direct query; keep it apart from the string 'null'.
    // A partial day has two rows per site: its stored hours and the later ones.
    const key = r.site_id === null ? '\u0000null' : `s${str(r.site_id)}`;
    const had = part.get(key);
    const lastUs = r.last_us === null ? null : num(r.last_us);
    part.set(key, {
      events: num(r.events) + (had?.events ?? 0),
      lastUs: had?.lastUs == null || (lastUs !== null && lastUs > had.lastUs) ? lastUs : had.lastUs,
    });
  }
  return out;
}

export async function sites(sql: SqlRunner, ctx?: QueryContext): Promise<SiteRow[]> {
  const partials = ctx?.partials ?? null;
  if (partials === null) return direct(sql);
  let parts;
  try {
    parts = await partials.get<DayPart>(sql, 'sites', null, null, new Map(), (days) => computeDays(sql, days));
  } catch (err) {
    if (err instanceof TruncatedParts) return direct(sql);
    throw err;
  }
  if (parts === null) return direct(sql);
  const total = new Map<string, { events: number; lastUs: number | null }>();
  for (const { part } of parts) {
    for (const [site, d] of part) {
      const t = total.get(site);
      if (t === undefined) total.set(site, { events: d.events, lastUs: d.lastUs });
      else {
        t.events += d.events;
        if (d.lastUs !== null && (t.lastUs === null || d.lastUs > t.lastUs)) t.lastUs = d.lastUs;
      }
    }
  }
  const rows = [...total.entries()].map(([key, t]) => ({ key, id: key.startsWith('s') ? key.slice(1) : null, ...t }));
  // ORDER BY events DESC, site_id (ASC: NULLS LAST, DuckDB's default).
  rows.sort((a, b) => b.events - a.events || (a.id === null ? (b.id === null ? 0 : 1) : b.id === null ? -1 : byteOrder(a.id, b.id)));
  return rows.slice(0, SITES_MAX).map((r) => ({
    id: r.id ?? '',
    events: r.events,
    last_seen: r.lastUs === null ? null : new Date(Math.floor(r.lastUs / 1000)).toISOString(),
  }));
}

export const query: NamedQuery = {
  name: 'sites',
  path: '/api/sites',
  common: false,
  cacheDays: rangeDays,
  run: (sql, _q, _extra, ctx) => sites(sql, ctx),
};
