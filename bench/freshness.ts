import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type SectionContext, fmt } from './context.js';
import { type ClicklakeServer, firstCell, query, startClicklake, stopServer } from './clicklake.js';
import { bodyPool } from './gen/client-events.js';
import { BENCH_USER_AGENT, startLoad } from './load.js';
import { percentile } from './stats.js';

/**
 * Section 3: ack-to-visible latency. With a moderate background load running, post one event at a time and poll
 * /api/query until a count by its event_id is 1. A sample is the time from the 200 of POST /collect to the
 * query response that first shows the event (so it includes one query's latency, as a dashboard would see it).
 */
export interface FreshnessResult {
  readonly samples: number;
  readonly misses: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly pollIntervalMs: number;
  readonly meanQueryMs: number;
  readonly backgroundLoad: { requestsPerSec: number; eventsPerSec: number; non2xx: number };
}

const POLL_INTERVAL_MS = 10;

async function sample(server: ClicklakeServer, body: string, id: string, timeoutMs: number, queryMs: number[]): Promise<number | null> {
  const res = await fetch(`${server.url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': BENCH_USER_AGENT },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`POST /collect answered ${res.status}: ${text.slice(0, 300)}`);
  const acked = performance.now();
  while (performance.now() - acked < timeoutMs) {
    const q0 = performance.now();
    const result = await query(server, `SELECT count(*) AS n FROM events WHERE event_id = '${id}'`, timeoutMs);
    const now = performance.now();
    queryMs.push(now - q0);
    if (Number(firstCell(result)) > 0) return now - acked;
    await sleep(POLL_INTERVAL_MS);
  }
  return null;
}

export async function benchFreshness(ctx: SectionContext): Promise<FreshnessResult> {
  const { knobs } = ctx;
  ctx.log(`freshness: ${knobs.freshSamples} samples under ${knobs.freshLoadRps} req/s of ${knobs.batchEvents}-event batches`);
  const server = await startClicklake({
    repoRoot: ctx.repoRoot,
    benchDistDir: ctx.benchDistDir,
    workDir: join(ctx.workDir, 'freshness-server'),
    config: { log: { level: knobs.serverLogLevel as 'warn' } },
  });
  const singles = bodyPool({ size: 256, eventsPerBody: 1, seed: 9 });
  const load =
    knobs.freshLoadRps > 0
      ? startLoad({
          url: server.url,
          pool: bodyPool({ size: 256, eventsPerBody: knobs.batchEvents, seed: 10 }),
          seconds: knobs.freshMaxSeconds + 10,
          connections: 8,
          overallRate: knobs.freshLoadRps,
        })
      : null;
  try {
    await sleep(1_000); // let the load settle
    const deadline = performance.now() + knobs.freshMaxSeconds * 1000;
    const times: number[] = [];
    const queryMs: number[] = [];
    let misses = 0;
    while (times.length < knobs.freshSamples && performance.now() < deadline) {
      const body = singles.next();
      const id = (JSON.parse(body) as { event_id: string }[])[0]!.event_id;
      const t = await sample(server, body, id, knobs.freshTimeoutMs, queryMs);
      if (t === null) misses++;
      times.push(t ?? knobs.freshTimeoutMs);
    }
    load?.stop();
    const bg = load ? await load.done : null;
    const r: FreshnessResult = {
      samples: times.length,
      misses,
      p50Ms: percentile(times, 50),
      p99Ms: percentile(times, 99),
      maxMs: Math.max(...times),
      pollIntervalMs: POLL_INTERVAL_MS,
      meanQueryMs: queryMs.reduce((a, b) => a + b, 0) / Math.max(1, queryMs.length),
      backgroundLoad: {
        requestsPerSec: bg?.requestsPerSec ?? 0,
        eventsPerSec: bg?.eventsPerSec ?? 0,
        non2xx: bg?.non2xx ?? 0,
      },
    };
    ctx.log(
      `  ack-to-visible p50 ${fmt(r.p50Ms, 1)} ms p99 ${fmt(r.p99Ms, 1)} ms max ${fmt(r.maxMs, 1)} ms ` +
        `(${r.samples} samples, ${misses} not visible within ${knobs.freshTimeoutMs} ms; mean query ${fmt(r.meanQueryMs, 1)} ms)`,
    );
    return r;
  } finally {
    load?.stop();
    await load?.done.catch(() => undefined);
    await stopServer(server, ctx.log);
  }
}
