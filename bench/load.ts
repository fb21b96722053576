import autocannon from 'autocannon';
import type { BodyPool } from './gen/client-events.js';

/**
 * One autocannon run against POST /collect on 127.0.0.1, every request a body from `pool` with fresh event ids.
 * Runs in the bench process (no autocannon workers: the load generator must not take more than its share of the
 * two cores).
 */
export interface LoadResult {
  readonly seconds: number;
  readonly connections: number;
  readonly eventsPerRequest: number;
  readonly meanBodyBytes: number;
  readonly requests: number;
  readonly ok: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly timeouts: number;
  /** 2xx responses x events per request / seconds. */
  readonly eventsPerSec: number;
  /** All responses / seconds. */
  readonly requestsPerSec: number;
  readonly latencyP50Ms: number;
  readonly latencyP99Ms: number;
  readonly statusCodes: Record<string, number>;
}

export interface LoadOptions {
  readonly url: string;
  readonly pool: BodyPool;
  readonly seconds: number;
  readonly connections: number;
  /** Requests/s over all connections; unlimited when unset. */
  readonly overallRate?: number;
}

/** A current desktop Chrome (reduced UA), as most real traffic looks. */
export const BENCH_USER_AGENT = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

export function startLoad(opts: LoadOptions): { stop(): void; done: Promise<LoadResult> } {
  const instance = autocannon({
    url: `${opts.url}/collect`,
    connections: opts.connections,
    duration: opts.seconds,
    timeout: 10,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        // A browser's User-Agent: without one the enrichment classes the sender as a bot and drops its events.
        headers: { 'content-type': 'application/json', 'user-agent': BENCH_USER_AGENT },
        setupRequest: (req) => ({ ...req, body: opts.pool.nextBuffer() }),
      },
    ],
  });
  const done = Promise.resolve(instance).then((r) => {
    const seconds = r.duration;
    const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count]));
    const responses = r['2xx'] + r.non2xx;
    return {
      seconds,
      connections: opts.connections,
      eventsPerRequest: opts.pool.eventsPerBody,
      meanBodyBytes: Math.round(opts.pool.meanBytes),
      requests: responses,
      ok: r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      eventsPerSec: (r['2xx'] * opts.pool.eventsPerBody) / seconds,
      requestsPerSec: responses / seconds,
      latencyP50Ms: r.latency.p50,
      latencyP99Ms: r.latency.p99,
      statusCodes,
    };
  });
  return { stop: () => instance.stop(), done };
}

/** Sends one body with fetch and returns the parsed answer (checks that the target accepts our events). */
export async function probe(url: string, body: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BENCH_USER_AGENT },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed };
}
