/**
 * The dashboards' result cache: tile answers keyed by the tile, its parameters and the data fingerprint of the days
 * it reads (SqlRunner.dataFingerprint: the Parquet files of those days plus their not-yet-written events).
 *
 * Design constraints:
 * - Never stale: the fingerprint is taken after the view is brought up to date, and any new event, flush,
 *   compaction or deletion touching those days changes it. A range that includes the current hour therefore misses
 *   while events arrive; closed days hit until their files change.
 * - Only tiles that declare the days they read (NamedQuery.cacheDays) are cached; tiles that depend on the clock
 *   (realtime) must not declare it.
 * - Bounded: at most maxEntries answers and maxBytes of their JSON; least recently used first out. Identical
 *   requests in flight share one computation.
 */
export interface ResultCacheOptions {
  readonly maxEntries?: number;
  readonly maxBytes?: number;
}

export class ResultCache {
  private readonly entries = new Map<string, { value: unknown; bytes: number }>();
  private readonly inflight = new Map<string, Promise<unknown>>();
  private bytes = 0;
  hits = 0;
  misses = 0;
  private readonly maxEntries: number;
  private readonly maxBytes: number;

  constructor(options: ResultCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 2000;
    this.maxBytes = options.maxBytes ?? 64 * 1024 * 1024; // 64 MiB of JSON
  }

  async get(key: string, compute: () => Promise<unknown>): Promise<unknown> {
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key); // re-insert: most recently used last
      this.entries.set(key, hit);
      this.hits++;
      return hit.value;
    }
    const running = this.inflight.get(key);
    if (running) return running;
    this.misses++;
    const work = compute().then((value) => {
      this.put(key, value);
      return value;
    });
    this.inflight.set(key, work);
    try {
      return await work;
    } finally {
      this.inflight.delete(key);
    }
  }

  private put(key: string, value: unknown): void {
    const bytes = JSON.stringify(value)?.length ?? 0;
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.bytes += bytes;
    for (const [k, e] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.bytes <= this.maxBytes) break;
      this.entries.delete(k);
      this.bytes -= e.bytes;
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
