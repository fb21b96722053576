import type { Clock, Logger, SqlRunner, SqlValue } from '../core/ports.js';

/**
 * The live event feed behind GET /api/realtime/stream (docs/dashboard-api.md, "Live event stream").
 *
 * Design constraints:
 * - One poller per site, shared by every listener of that site; it exists only while the site has a listener (the
 *   last unsubscribe stops it, and no timer is left behind).
 * - A poll asks the `events` view for rows with `received_at > cursor - OVERLAP_MS`. The engine refreshes the view
 *   from the buffer tail before each query, so an acknowledged event is seen by the first poll after its
 *   acknowledgement. The overlap re-reads the last few seconds because received_at is stamped before the append is
 *   acknowledged: a concurrent request can become visible after a later-stamped one. Ids already delivered are
 *   remembered for the overlap (bounded), so nothing is sent twice.
 * - The first poll of a poller only primes it: events that were already visible are not replayed.
 * - A poll reads at most MAX_ROWS_PER_POLL rows; past that (a burst), the overlap is skipped so the cursor moves on
 *   and the feed shows a sample instead of falling behind.
 * - Polls never overlap: the next one is scheduled when the previous one ended. A failing poll is logged (once per
 *   streak) and retried with backoff.
 * - Payloads carry only the fields the UI shows, each cut to a bounded length. They are visitor input: untrusted.
 */
export const POLL_INTERVAL_MS = 250;
export const OVERLAP_MS = 5_000;
export const MAX_ROWS_PER_POLL = 500;
const DEFAULT_MAX_SKEW_MS = 7 * 86_400_000;
/** Longest wait between polls after failures. */
const MAX_BACKOFF_MS = 5_000;
/** Remembered delivered ids per site (beyond this, the oldest are forgotten). */
const MAX_SEEN = 20_000;

const FIELD_LIMITS = {
  event_id: 64,
  type: 64,
  name: 256,
  page: 512,
  text: 100,
  country: 8,
  browser: 64,
} as const;

export interface LiveEvent {
  readonly event_id: string;
  readonly ts: string;
  readonly received_at: string;
  readonly type: string;
  readonly name: string | null;
  readonly page: string | null;
  readonly text: string | null;
  readonly country: string | null;
  readonly browser: string | null;
}

export type LiveListener = (events: readonly LiveEvent[]) => void;

export interface LiveHubOptions {
  readonly sql: SqlRunner;
  /**
   * collector.maxClockSkewMs: the collector guarantees |ts - received_at| <= this, so a poll reads only the
   * partitions (dt) that can hold events received since its cursor. Default: the config default, 7 days.
   */
  readonly maxClockSkewMs?: number;
  readonly logger: Logger;
  readonly clock?: Clock;
  readonly intervalMs?: number;
}

export interface LiveSubscription {
  /**
   * Resolves once the site's poller is primed: every event acknowledged after that reaches the listener. Never
   * rejects (a failing first poll is retried).
   */
  readonly ready: Promise<void>;
  /** Removes the listener (idempotent); the last one stops the site's poller. */
  unsubscribe(): void;
}

export interface LiveHub {
  subscribe(site: string, listener: LiveListener): LiveSubscription;
  /** Sites with a running poller (for tests and metrics). */
  activeSites(): string[];
  /** Listeners over all sites. */
  listenerCount(): number;
  /** Stops every poller and drops every listener. */
  close(): Promise<void>;
}

const POLL_SQL =
  `SELECT event_id, ts, received_at, event_type, event_name, page_path, element_text, country, browser ` +
  `FROM events WHERE site_id = $site AND dt >= $dt_min::DATE AND ts >= $ts_min::TIMESTAMPTZ ` +
  `AND received_at > $since::TIMESTAMPTZ ` +
  `ORDER BY received_at, event_id LIMIT ${MAX_ROWS_PER_POLL}`;

function cut(value: SqlValue | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  return text.length > max ? text.slice(0, max) : text;
}

export function toLiveEvent(row: Record<string, SqlValue>): LiveEvent {
  return {
    event_id: cut(row.event_id, FIELD_LIMITS.event_id) ?? '',
    ts: String(row.ts),
    received_at: String(row.received_at),
    type: cut(row.event_type, FIELD_LIMITS.type) ?? '',
    name: cut(row.event_name, FIELD_LIMITS.name),
    page: cut(row.page_path, FIELD_LIMITS.page),
    text: cut(row.element_text, FIELD_LIMITS.text),
    country: cut(row.country, FIELD_LIMITS.country),
    browser: cut(row.browser, FIELD_LIMITS.browser),
  };
}

interface SitePoller {
  readonly listeners: Set<LiveListener>;
  /** Epoch ms of the newest received_at seen. */
  cursor: number;
  /** Delivered event ids -> received_at ms, for the overlap. */
  readonly seen: Map<string, number>;
  primed: boolean;
  /** Resolved when the poller is primed. */
  readonly ready: Promise<void>;
  markReady: () => void;
  timer: NodeJS.Timeout | null;
  running: Promise<void> | null;
  stopped: boolean;
  /** Consecutive failed polls. */
  failures: number;
}

export function createLiveHub(options: LiveHubOptions): LiveHub {
  const clock = options.clock ?? Date.now;
  const interval = options.intervalMs ?? POLL_INTERVAL_MS;
  const skew = options.maxClockSkewMs ?? DEFAULT_MAX_SKEW_MS;
  const logger = options.logger;
  const pollers = new Map<string, SitePoller>();

  async function poll(site: string, p: SitePoller): Promise<void> {
    // Before priming, the cursor is "now": the first poll sees only the overlap, and remembers it as delivered.
    const base = p.primed ? p.cursor : clock();
    const since = base - OVERLAP_MS;
    const tsMin = new Date(since - skew).toISOString();
    const params = { site, since: new Date(since).toISOString(), ts_min: tsMin, dt_min: tsMin.slice(0, 10) };
    const result = await options.sql.queryInternal(POLL_SQL, params, { maxRows: MAX_ROWS_PER_POLL });
    const fresh: LiveEvent[] = [];
    let newest = base;
    for (const row of result.rows) {
      const event = toLiveEvent(row);
      const at = Date.parse(event.received_at);
      if (Number.isFinite(at) && at > newest) newest = at;
      if (p.seen.has(event.event_id)) continue;
      p.seen.set(event.event_id, at);
      fresh.push(event);
    }
    const full = result.rows.length >= MAX_ROWS_PER_POLL;
    // A full page: jump past it (skip the overlap next time) rather than re-reading the same rows forever.
    p.cursor = full ? newest + OVERLAP_MS : newest;
    for (const [id, at] of p.seen) {
      if (p.seen.size <= MAX_SEEN && at >= p.cursor - OVERLAP_MS) break;
      p.seen.delete(id);
    }
    if (!p.primed) {
      p.primed = true;
      p.markReady();
      return;
    }
    if (fresh.length === 0 || p.stopped) return;
    for (const listener of [...p.listeners]) {
      try {
        listener(fresh);
      } catch (err) {
        logger.warn({ err, site }, 'live listener failed');
      }
    }
  }

  function schedule(site: string, p: SitePoller, delay: number): void {
    if (p.stopped) return;
    p.timer = setTimeout(() => {
      p.timer = null;
      p.running = poll(site, p)
        .then(() => {
          p.failures = 0;
        })
        .catch((err: unknown) => {
          p.failures++;
          // Logged once per failure streak; retried with backoff (doubling up to MAX_BACKOFF_MS).
          if (p.failures === 1) logger.warn({ err, site }, 'live poll failed; retrying');
        })
        .finally(() => {
          p.running = null;
          schedule(site, p, p.failures === 0 ? interval : Math.min(interval * 2 ** p.failures, MAX_BACKOFF_MS));
        });
    }, delay);
  }

  function stop(site: string, p: SitePoller): void {
    p.stopped = true;
    p.markReady(); // nobody waits for a stopped poller
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (pollers.get(site) === p) pollers.delete(site);
  }

  return {
    subscribe(site, listener) {
      let p = pollers.get(site);
      if (!p) {
        let markReady!: () => void;
        const ready = new Promise<void>((resolve) => (markReady = resolve));
        p = { listeners: new Set(), cursor: 0, seen: new Map(), primed: false, ready, markReady, timer: null, running: null, stopped: false, failures: 0 };
        pollers.set(site, p);
        schedule(site, p, 0);
      }
      const poller = p;
      poller.listeners.add(listener);
      let removed = false;
      return {
        ready: poller.ready,
        unsubscribe() {
          if (removed) return;
          removed = true;
          poller.listeners.delete(listener);
          if (poller.listeners.size === 0) stop(site, poller);
        },
      };
    },
    activeSites: () => [...pollers.keys()],
    listenerCount: () => [...pollers.values()].reduce((n, p) => n + p.listeners.size, 0),
    async close() {
      const all = [...pollers.entries()];
      for (const [site, p] of all) {
        p.listeners.clear();
        stop(site, p);
      }
      await Promise.all(all.map(([, p]) => p.running?.catch(() => undefined)));
    },
  };
}
