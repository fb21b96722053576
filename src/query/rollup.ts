import { createHash } from 'node:crypto';
import type { DuckDBInstance } from '@duckdb/node-api';
import { Gauge, type Registry } from 'prom-client';
import type { Clock, Logger, RollupSiteStats } from '../core/ports.js';
import { BASE_TABLES, INTERACTIONS_TABLE, ROLLUP_TABLE, ROLLUP_VERSION, ROW_HOUR_SQL, interactionsSelectSql, rollupSelectSql } from '../core/rollup.js';
import { DERIVED, TABLES, readSiteStats, withSessionLinks } from './rollup-tables.js';
import { sqlString } from './sandbox.js';

/**
 * Keeps the dashboards' rollup (core/rollup.ts) of every closed UTC day: a day is rolled up once its end is
 * `settleMs` past, and rolled up again whenever its data fingerprint changes (a late event, a compaction, retention,
 * forget). The day going on (today) is rolled up hour by hour the same way: its first N hours once the end of hour
 * N-1 is `settleMs` past (a partial day: rows with hour < N only, the rest is computed from `events`), each new hour
 * added to the stored ones while their fingerprint holds. Runs in the background (start(): at once, then every
 * intervalMs; one build at a time), never in a request. The composition root calls start() once the lake's snapshot
 * is loaded (after the writer's recovery).
 *
 * Design constraints:
 * - A day's rows are used only while their fingerprint equals the day's current one (days()), so a changed day is
 *   computed from `events` by the dashboards until it is rolled up again: answers are never older than the data.
 * - A build is one transaction (delete the day's rows, insert the new ones, record the fingerprint), committed only
 *   if the day's fingerprint was the same before and after it, so the rows always belong to the fingerprint stored.
 * - Stored in `<path>` (a DuckDB file attached as `rollup`, so a restart reuses it) or in memory (path null); its
 *   tables are created and attached by ./rollup-tables.ts.
 */
export interface RollupOptions {
  /** The DuckDB file, or null for an in-memory rollup. */
  readonly path: string | null;
  /** A day is rolled up once its end is this long past (default 10 minutes). */
  readonly settleMs?: number;
  /** How often to look for days to roll up (default 30 s). */
  readonly intervalMs?: number;
  /**
   * The shortest time between the start of a round and a round started early because a request found a stored day
   * changed (default 10 s): a day that keeps changing (late events trickling in) is rebuilt at most that often.
   */
  readonly wakeGapMs?: number;
  /**
   * The most a site's source bitmaps of one day may take before it keeps none (default core/rollup.ts
   * SOURCE_BITS_DAY_BYTES; tests set it low).
   */
  readonly sourceBitsDayBytes?: number;
}

export interface RollupKeeperDeps extends RollupOptions {
  readonly instance: DuckDBInstance;
  readonly dayFingerprints: (fromDay: string | null, toDay: string | null) => Promise<ReadonlyMap<string, string>>;
  /** A fingerprint per hour of a day (index = hour); null when the day's data cannot be told apart by hour. */
  readonly hourFingerprints: (day: string) => Promise<readonly string[] | null>;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly registry?: Registry;
  /**
   * Called at the end of each round with the partial days (day -> hours stored): the engine computes the per-file
   * rows of their later hours then (./file-rows.ts), so that a request does not wait for them.
   */
  readonly afterRound?: (partial: ReadonlyMap<string, number>) => Promise<void>;
}

export interface RollupKeeper {
  /**
   * Days in [fromDay, toDay] whose rollup rows are current data, with the hours they cover from midnight: 24 for the
   * whole day (a day without data included), N < 24 for a partial day (rows of hours < N).
   */
  days(fromDay: string, toDay: string): Promise<ReadonlyMap<string, number>>;
  /** SqlRunner.rollupGeneration: moves when the stored rows of a partial day change, or visitors get numbers. */
  generation(): number;
  /** SqlRunner.rollupSiteStats, as of the last commit. */
  siteStats(site: string): RollupSiteStats | undefined;
  /** Rolls up every closed day that is missing or changed; returns the days built. Single flight. */
  catchUp(): Promise<number>;
  start(): void;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;
/**
 * A stored day: the fingerprint of the data its rows were built from (of the whole day, or of its first `hours` hours:
 * prefixPrint), the hours they cover (24: all), and the fingerprint of each of those hours when the day's data could
 * be told apart by hour (a later build re-reads only the hours whose fingerprint changed).
 */
interface StoredDay {
  readonly print: string;
  readonly hours: number;
  readonly hourPrints: readonly string[] | null;
}

/** What a build of a day stores (see the keeper's plan()). */
interface BuildPlan {
  readonly print: string;
  readonly hourPrints: readonly string[] | null;
  /** The hours to read again from `events`; null: all of them. */
  readonly changed: readonly number[] | null;
}

/** The fingerprint of a day's first `hours` hours, from its hour fingerprints. */
function prefixPrint(hourPrints: readonly string[], hours: number): string {
  return createHash('sha256').update(`${hours}\n${hourPrints.slice(0, hours).join('\n')}`).digest('base64url');
}
export async function createRollupKeeper(deps: RollupKeeperDeps): Promise<RollupKeeper> {
  const logger = deps.logger.child({ component: 'rollup' });
  const clock = deps.clock ?? Date.now;
  const settleMs = deps.settleMs ?? 10 * 60_000;
  const intervalMs = deps.intervalMs ?? 30_000;
  const wakeGapMs = deps.wakeGapMs ?? 10_000;
  const conn = await deps.instance.connect();
  const stored = new Map<string, StoredDay>();
  for (const row of (await conn.runAndReadAll(`SELECT strftime(dt, '%Y-%m-%d'), fingerprint, hours, hour_prints FROM rollup.days`)).getRows()) {
    stored.set(String(row[0]), { print: String(row[1]), hours: Number(row[2]), hourPrints: row[3] === null ? null : String(row[3]).split(',') });
  }
  const gauges = rollupGauges(deps.registry);
  /** The gauges of what is stored: whole days (a partial day is not one), and hours (24 per whole day). */
  const count = () => {
    gauges.days.set([...stored.values()].filter((x) => x.hours >= 24).length);
    gauges.hours.set([...stored.values()].reduce((sum, x) => sum + x.hours, 0));
  };
  count();
  let closed = false;
  /**
   * Bumped right after a commit that changed a partial day's rows or numbered new visitors (before any later
   * statement's result is seen).
   */
  let generation = 0;
  const limits = deps.sourceBitsDayBytes === undefined ? undefined : { sourceBitsDayBytes: deps.sourceBitsDayBytes };
  let siteStats = await readSiteStats(conn);
  /**
   * After a commit: the site stats read inside its transaction; a new visitor number or bitmap capacity moves the
   * generation (a statement built with the old ones may miss rows).
   */
  function committed(next: Map<string, RollupSiteStats>): void {
    const moved = (site: string, s: RollupSiteStats) => {
      const was = siteStats.get(site);
      return s.visitors !== (was?.visitors ?? 0) || s.bitmapCapacity !== (was?.bitmapCapacity ?? 0) || s.sourceBits !== (was?.sourceBits ?? 0);
    };
    if ([...next].some(([site, s]) => moved(site, s))) generation++;
    siteStats = next;
  }
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<number> | null = null;

  async function inTransaction(work: () => Promise<boolean>): Promise<boolean> {
    await conn.run('BEGIN TRANSACTION');
    try {
      const keep = await work();
      await conn.run(keep ? 'COMMIT' : 'ROLLBACK');
      return keep;
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async function drop(day: string): Promise<void> {
    let next = siteStats;
    await inTransaction(async () => {
      await withSessionLinks(conn, day, async () => {
        for (const table of TABLES) await conn.run(`DELETE FROM ${table} WHERE dt = ${sqlString(day)}::DATE`);
      }, limits);
      await conn.run(`DELETE FROM rollup.days WHERE dt = ${sqlString(day)}::DATE`);
      next = await readSiteStats(conn);
      return true;
    });
    committed(next);
    if ((stored.get(day)?.hours ?? 24) < 24) generation++;
    stored.delete(day);
  }

  /** The current fingerprint of a whole day's data. */
  async function dayPrint(day: string): Promise<string | null> {
    return (await deps.dayFingerprints(day, day)).get(day) ?? null;
  }

  /**
   * What a build of the day's first `hours` hours (24: all) would store, from one state of the data: its fingerprint,
   * the hour fingerprints, and the hours to read again (null: all of them; else those whose fingerprint differs from
   * the stored one, and those not stored yet). Null when that cannot be known now (a partial day whose data cannot be
   * told apart by hour; a day changing while it was looked at): the next round tries again.
   */
  async function plan(day: string, hours: number): Promise<BuildPlan | null> {
    let hourPrints: readonly string[] | null;
    let print: string | null;
    if (hours < 24) {
      hourPrints = await deps.hourFingerprints(day);
      if (hourPrints === null) return null;
      print = prefixPrint(hourPrints, hours);
    } else {
      // Both fingerprints of one state: the day's did not move while the hours' were taken.
      print = await dayPrint(day);
      hourPrints = await deps.hourFingerprints(day);
      if (print === null || (await dayPrint(day)) !== print) return null;
    }
    const s = stored.get(day);
    const known = s?.hourPrints ?? null;
    let changed: number[] | null = null;
    if (known !== null && hourPrints !== null) {
      changed = [];
      for (let h = 0; h < hours; h++) if (h >= s!.hours || known[h] !== hourPrints[h]) changed.push(h);
    }
    return { print, hourPrints, changed };
  }

  /**
   * Rolls up the day's first `hours` hours (24: all of it) as planned: the base rows of the hours in `changed` (all of
   * the day's when null) are read again from `events`, the others are kept; the derived tables, which are per day,
   * are rebuilt from the base rows. Committed only if the day's fingerprint is still the planned one.
   */
  async function build(day: string, hours: number, planned: BuildPlan): Promise<boolean> {
    const { print, hourPrints, changed } = planned;
    const d = `${sqlString(day)}::DATE`;
    const hourIn = changed === null ? '' : ` AND hour IN (${changed.join(', ') || 'NULL'})`;
    const added = `dt = ${d}${hourIn}${hours < 24 ? ` AND ${ROW_HOUR_SQL} < ${hours}` : ''}`;
    // Stored hours past the new end go too (a longer settle time after a restart, a clock set back).
    const replaced = changed === null ? `dt = ${d}` : `dt = ${d} AND (hour IN (${changed.join(', ') || 'NULL'}) OR ${ROW_HOUR_SQL} >= ${hours})`;
    let next = siteStats;
    const kept = await inTransaction(async () => {
      await withSessionLinks(conn, day, async () => {
        for (const table of [ROLLUP_TABLE, INTERACTIONS_TABLE]) await conn.run(`DELETE FROM ${table} WHERE ${replaced}`);
        for (const x of DERIVED) await conn.run(`DELETE FROM ${x.table} WHERE dt = ${d}`);
        // Sorted by site so that a tile's scan skips the row groups of other sites.
        if (changed === null || changed.length > 0) {
          await conn.run(`INSERT INTO ${ROLLUP_TABLE} ${rollupSelectSql(added)} ORDER BY site_id, hour`);
          await conn.run(`INSERT INTO ${INTERACTIONS_TABLE} ${interactionsSelectSql(added)} ORDER BY site_id, event_type, ts`);
        }
        for (const x of DERIVED) {
          const rows = x.select(`SELECT * FROM ${BASE_TABLES[x.from].table} WHERE dt = ${d}`);
          const partial = hours < 24 && x.ofPartialDay !== undefined ? ` WHERE ${x.ofPartialDay}` : '';
          await conn.run(`INSERT INTO ${x.table} SELECT * FROM (${rows})${partial} ORDER BY ${x.order}`);
        }
      }, limits);
      await conn.run(`DELETE FROM rollup.days WHERE dt = ${d}`);
      const prints = hourPrints === null ? 'NULL' : sqlString(hourPrints.slice(0, hours).join(','));
      await conn.run(`INSERT INTO rollup.days VALUES (${d}, ${sqlString(print)}, ${ROLLUP_VERSION}, ${hours}, ${prints})`);
      next = await readSiteStats(conn);
      if (hours >= 24) return (await dayPrint(day)) === print;
      const now = await deps.hourFingerprints(day);
      return now !== null && prefixPrint(now, hours) === print;
    });
    if (kept && (hours < 24 || (stored.get(day)?.hours ?? 24) < 24)) generation++;
    if (kept) committed(next);
    if (kept) stored.set(day, { print, hours, hourPrints: hourPrints === null ? null : hourPrints.slice(0, hours) });
    return kept;
  }

  /** Whether the stored rows of `day` are current; then the hours they cover. */
  async function currentHours(day: string, fullPrint: string | undefined): Promise<number | null> {
    const s = stored.get(day);
    if (s === undefined) return null;
    if (s.hours >= 24) return s.print === fullPrint ? 24 : null;
    const hourPrints = await deps.hourFingerprints(day);
    return hourPrints !== null && prefixPrint(hourPrints, s.hours) === s.print ? s.hours : null;
  }

  /** The hours of `day` closed `settleMs` ago (0..24). */
  function settledHours(day: string): number {
    const hours = Math.floor((clock() - settleMs - Date.parse(`${day}T00:00:00Z`)) / HOUR_MS);
    return Math.max(0, Math.min(24, hours));
  }

  async function run(): Promise<number> {
    const prints = await deps.dayFingerprints(null, null);
    // Days gone from the lake (retention, forget) leave the rollup. Not when the lake looks empty: that is also what a
    // lake not loaded yet looks like, and keeping rows is harmless (a day's rows are used only under its fingerprint).
    if (prints.size > 0) for (const day of [...stored.keys()]) if (!prints.has(day) && !closed) await drop(day);
    // Each day with data to its settled hours (24 for a closed day): the days going on first (the default range ends
    // with today), then the newest closed days first.
    const todo: { day: string; hours: number }[] = [];
    for (const [day, print] of prints) {
      const hours = day === '*' ? 0 : settledHours(day);
      const have = hours === 0 ? null : await currentHours(day, print);
      if (hours > 0 && (have === null || have < hours)) todo.push({ day, hours });
    }
    todo.sort((a, b) => (a.hours < 24 ? 0 : 1) - (b.hours < 24 ? 0 : 1) || (a.day < b.day ? 1 : -1));
    gauges.pending.set(todo.length);
    let built = 0;
    for (const { day, hours } of todo) {
      if (closed) break;
      const started = performance.now();
      const planned = await plan(day, hours);
      if (planned !== null && (await build(day, hours, planned))) {
        built++;
        const reread = planned.changed?.length ?? hours;
        logger.debug({ day, hours, reread, ms: Math.round(performance.now() - started) }, 'rolled up a day');
      }
      gauges.pending.dec();
      count();
    }
    count();
    if (built > 0) logger.info({ days: built, stored: stored.size }, 'dashboard rollup brought up to date');
    const partial = new Map([...stored].filter(([, s]) => s.hours < 24).map(([day, s]) => [day, s.hours]));
    if (!closed && partial.size > 0) await deps.afterRound?.(partial);
    return built;
  }

  function catchUp(): Promise<number> {
    if (closed) return Promise.resolve(0);
    running ??= run().finally(() => {
      running = null;
    });
    return running;
  }

  /**
   * A request found a stored day changed (a late event): the next round starts now instead of after intervalMs, so
   * that day is read from `events` for about one build's time. Only once the keeper runs (start()), and not sooner
   * than wakeGapMs after the last round started.
   */
  let lastRound = -Infinity;
  function wake(): void {
    if (closed || timer === null || running !== null || performance.now() - lastRound < wakeGapMs) return;
    clearTimeout(timer);
    timer = setTimeout(tick, 0).unref();
  }

  function tick(): void {
    lastRound = performance.now();
    catchUp()
      .catch((err: unknown) => logger.warn({ err }, 'could not bring the dashboard rollup up to date; retrying later'))
      .finally(() => {
        if (!closed) timer = setTimeout(tick, intervalMs).unref();
      });
  }

  return {
    async days(fromDay, toDay) {
      const out = new Map<string, number>();
      const prints = await deps.dayFingerprints(fromDay, toDay);
      // A day without data is covered too: there is nothing to read for it (e.g. before a site's first event).
      for (let t = Date.parse(`${fromDay}T00:00:00Z`); t <= Date.parse(`${toDay}T00:00:00Z`); t += DAY_MS) {
        const day = new Date(t).toISOString().slice(0, 10);
        const print = prints.get(day);
        const hours = print === undefined ? 24 : await currentHours(day, print);
        if (hours !== null) out.set(day, hours);
        else if (stored.has(day)) wake();
      }
      return out;
    },
    catchUp,
    generation: () => generation,
    siteStats: (site) => siteStats.get(site),
    start() {
      if (timer === null && !closed) timer = setTimeout(tick, 0).unref();
    },
    async close() {
      closed = true;
      if (timer !== null) clearTimeout(timer);
      if (running !== null) {
        conn.interrupt();
        await running.catch(() => undefined);
      }
      conn.closeSync();
    },
  };
}

function rollupGauges(registry?: Registry): { days: Gauge; hours: Gauge; pending: Gauge } {
  const registers = registry ? [registry] : [];
  const get = (name: string, help: string) => (registry?.getSingleMetric(name) as Gauge | undefined) ?? new Gauge({ name, help, registers });
  return {
    days: get('clicklake_query_rollup_days', 'Closed days whose dashboard rollup is stored'),
    hours: get('clicklake_query_rollup_hours', 'Hours whose dashboard rollup is stored: 24 per closed day, and the closed hours of today'),
    pending: get('clicklake_query_rollup_pending_days', 'Days waiting to be rolled up (new or changed; the closed hours of today count as one)'),
  };
}
