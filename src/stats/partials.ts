import type { SqlRunner } from '../core/ports.js';

/**
 * Per-day partial results of the tiles whose answer is an exact combination of per-day parts (e.g. /api/sites:
 * events per site summed, last event time as the maximum). Each part is keyed by the tile, its parameters, the UTC
 * day and that day's data fingerprint (SqlRunner.dayFingerprints), so a request recomputes only the days whose data
 * changed since (today while events arrive, a past day that got a late event or a compaction) in one query over
 * those days, and reuses the rest.
 *
 * Design constraints:
 * - Never stale: a day's part is reused only under the fingerprint it was computed after; any new event, flush,
 *   compaction or deletion of that day changes it. A part may hold slightly newer data than its fingerprint (an
 *   event arriving between the fingerprint and the query), never older; that fingerprint does not come back, so the
 *   part is simply not reused.
 * - Exact or nothing: when the runner cannot fingerprint per day, or data of an unknown day exists ('*'), get()
 *   returns null and the caller computes the answer directly.
 * - Bounded: at most maxEntries parts (least recently used first out). Parts of days that hold no data are not
 *   stored (such days are not in the fingerprint map and need no part).
 */
export interface DayPartialsOptions {
  readonly maxEntries?: number;
}

export class DayPartials {
  private readonly entries = new Map<string, unknown>();
  private readonly maxEntries: number;
  /** Days reused / computed, for tests and diagnostics. */
  reused = 0;
  computed = 0;

  constructor(options: DayPartialsOptions = {}) {
    this.maxEntries = options.maxEntries ?? 20_000;
  }

  /**
   * The parts of every day with data in [fromDay, toDay] (null: unbounded), oldest day first, or null when per-day
   * reuse is not possible. `compute(days)` must return the part of each asked day (a missing day counts as `empty`).
   */
  async get<P>(
    sql: SqlRunner,
    key: string,
    fromDay: string | null,
    toDay: string | null,
    empty: P,
    compute: (days: readonly string[]) => Promise<ReadonlyMap<string, P>>,
  ): Promise<{ day: string; part: P }[] | null> {
    if (sql.dayFingerprints === undefined) return null;
    const prints = await sql.dayFingerprints(fromDay, toDay);
    if (prints.has('*')) return null;
    const days = [...prints.keys()].sort();
    const keyOf = (day: string) => JSON.stringify([key, day, prints.get(day)]);
    const parts = new Map<string, P>();
    for (const day of days) {
      const k = keyOf(day);
      if (!this.entries.has(k)) continue;
      parts.set(day, this.entries.get(k) as P);
      this.touch(k);
    }
    const missing = days.filter((d) => !parts.has(d));
    this.reused += parts.size;
    this.computed += missing.length;
    if (missing.length > 0) {
      const generation = sql.rollupGeneration?.();
      const fresh = await compute(missing);
      // Parts computed while today's stored rollup hours changed may be off (see SqlRunner.rollupGeneration): used
      // by this answer's caller, which checks it too, but never kept.
      const keep = generation === sql.rollupGeneration?.();
      for (const day of missing) {
        const part = fresh.get(day) ?? empty;
        parts.set(day, part);
        if (keep) this.put(keyOf(day), part);
      }
    }
    return days.map((day) => ({ day, part: parts.get(day)! }));
  }

  private put(key: string, value: unknown): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }

  private touch(key: string): void {
    const v = this.entries.get(key);
    if (v === undefined) return;
    this.entries.delete(key);
    this.entries.set(key, v);
  }

  get size(): number {
    return this.entries.size;
  }
}
