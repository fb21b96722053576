import { join } from 'node:path';
import { type SectionContext, fmt } from './context.js';
import { startClicklake, stopServer } from './clicklake.js';
import { type BodyPool, bodyPool } from './gen/client-events.js';
import { type LoadResult, probe, startLoad } from './load.js';
import { type Child, freePort, memoryOf, spawnChild, stopChild, waitReady } from './procs.js';

/**
 * Section 1+2: ingest throughput of the bare baseline vs the Clicklake collector (20-event batches and single
 * events, same load and duration), and the collector's peak RSS (VmHWM) over its runs.
 */
export interface TargetRuns {
  readonly batch: LoadResult;
  readonly single: LoadResult;
}

export interface IngestResult {
  readonly bare: TargetRuns;
  readonly collector: TargetRuns & {
    /** VmHWM of the server process after both runs (peak RSS since it started). */
    readonly peakRssBytes: number | null;
    /** What the collector answered to one batch before the load (rejections would inflate events/s). */
    readonly probe: { status: number; body: unknown };
  };
  /** collector / bare events per second. */
  readonly ratioBatch: number;
  readonly ratioSingle: number;
}

async function runTarget(ctx: SectionContext, url: string, pools: { batch: BodyPool; single: BodyPool }, label: string): Promise<TargetRuns> {
  const { knobs } = ctx;
  const run = async (kind: 'batch' | 'single'): Promise<LoadResult> => {
    const pool = pools[kind];
    if (knobs.warmupSeconds > 0) await startLoad({ url, pool, seconds: knobs.warmupSeconds, connections: knobs.connections }).done;
    const r = await startLoad({ url, pool, seconds: knobs.seconds, connections: knobs.connections }).done;
    ctx.log(
      `  ${label.padEnd(9)} ${kind.padEnd(6)} ${fmt(r.eventsPerSec).padStart(9)} events/s ${fmt(r.requestsPerSec).padStart(8)} req/s ` +
        `p50 ${fmt(r.latencyP50Ms, 1)} ms p99 ${fmt(r.latencyP99Ms, 1)} ms non-2xx ${r.non2xx} errors ${r.errors}`,
    );
    return r;
  };
  return { batch: await run('batch'), single: await run('single') };
}

export async function benchIngest(ctx: SectionContext): Promise<IngestResult> {
  const { knobs } = ctx;
  ctx.log(`ingest: ${knobs.connections} connections, ${knobs.warmupSeconds} s warm-up + ${knobs.seconds} s per run`);
  const pools = {
    batch: bodyPool({ size: 512, eventsPerBody: knobs.batchEvents, seed: 7 }),
    single: bodyPool({ size: 4096, eventsPerBody: 1, seed: 8 }),
  };
  ctx.log(`  bodies: ${knobs.batchEvents}-event batches of ~${fmt(pools.batch.meanBytes)} B (${fmt(pools.batch.meanBytes / knobs.batchEvents)} B/event), single events of ~${fmt(pools.single.meanBytes)} B`);

  const port = await freePort();
  const bare: Child = spawnChild('bare-server', process.execPath, [join(ctx.benchDistDir, 'bare-server.js'), String(port)], {
    logPath: join(ctx.workDir, 'bare-server.log'),
  });
  let bareRuns: TargetRuns;
  try {
    await waitReady(bare, `http://127.0.0.1:${port}/healthz`);
    bareRuns = await runTarget(ctx, `http://127.0.0.1:${port}`, pools, 'bare');
  } finally {
    await stopChild(bare);
  }

  const server = await startClicklake({
    repoRoot: ctx.repoRoot,
    benchDistDir: ctx.benchDistDir,
    workDir: join(ctx.workDir, 'ingest-server'),
    config: { log: { level: knobs.serverLogLevel as 'warn' } },
  });
  try {
    const check = await probe(server.url, pools.batch.next());
    const accepted = (check.body as { accepted?: unknown }).accepted;
    if (check.status !== 200) throw new Error(`collector answered ${check.status} to a benchmark batch: ${JSON.stringify(check.body).slice(0, 500)}`);
    if (accepted !== knobs.batchEvents) ctx.log(`  WARNING: collector accepted ${String(accepted)}/${knobs.batchEvents} events of a batch: ${JSON.stringify(check.body).slice(0, 500)}`);
    const runs = await runTarget(ctx, server.url, pools, 'collector');
    const mem = await memoryOf(server.child.pid);
    ctx.log(`  collector peak RSS (VmHWM): ${mem ? fmt(mem.hwm / 2 ** 20, 1) : '?'} MiB`);
    return {
      bare: bareRuns,
      collector: { ...runs, peakRssBytes: mem?.hwm ?? null, probe: check },
      ratioBatch: runs.batch.eventsPerSec / bareRuns.batch.eventsPerSec,
      ratioSingle: runs.single.eventsPerSec / bareRuns.single.eventsPerSec,
    };
  } finally {
    await stopServer(server, ctx.log);
  }
}
