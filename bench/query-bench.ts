import { join } from 'node:path';
import { type SectionContext, fmt } from './context.js';
import { type ClicklakeServer, firstCell, query, startClicklake, stopServer } from './clicklake.js';
import { ensureQueryLake, installLake, type LakeMeta } from './lakegen/lake.js';
import { dashboardQueries } from './queries.js';

/**
 * Section 5: the dashboard query set over /api/query on a generated lake (10M events by default). Each query's
 * time is the best of ROUNDS wall-clock times (request to response, as the dashboard sees it) after one warm-up
 * round; the total is the sum of the bests.
 */
export interface QueryTiming {
  readonly name: string;
  readonly bestMs: number;
  /** The server's own elapsedMs of the best run. */
  readonly serverMs: number;
  readonly allMs: number[];
  readonly rows: number;
}

export interface QueryBenchResult {
  readonly lake: LakeMeta & { readonly regenerated: boolean; readonly cacheDir: string };
  readonly eventsVisible: number;
  readonly site: string;
  readonly days: number;
  readonly queries: QueryTiming[];
  readonly totalMs: number;
  readonly serverStartMs: number;
}

const ROUNDS = 3;
const SITE = 'shop-example';
const RANGE_DAYS = 7;

export async function benchQueries(ctx: SectionContext): Promise<QueryBenchResult> {
  const { knobs } = ctx;
  const cached = await ensureQueryLake(ctx, 'queries');
  const t0 = performance.now();
  const server: ClicklakeServer = await startClicklake({
    repoRoot: ctx.repoRoot,
    benchDistDir: ctx.benchDistDir,
    workDir: join(ctx.workDir, 'query-server'),
    config: { log: { level: knobs.serverLogLevel as 'warn' } },
    prepare: (dataDir) => installLake(cached, dataDir),
  });
  const serverStartMs = performance.now() - t0;
  try {
    const visible = Number(firstCell(await query(server, 'SELECT count(*) FROM events')));
    if (visible !== cached.meta.events) ctx.log(`  WARNING: the server sees ${visible} events, the lake holds ${cached.meta.events}`);
    const set = dashboardQueries({ site: SITE, endDate: cached.meta.endDate, days: RANGE_DAYS, trendDays: knobs.queryDays });
    for (const q of set) await query(server, q.sql); // warm-up round
    const runs = new Map<string, { ms: number; serverMs: number; rows: number }[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const q of set) {
        const start = performance.now();
        const res = await query(server, q.sql);
        const ms = performance.now() - start;
        runs.set(q.name, [...(runs.get(q.name) ?? []), { ms, serverMs: res.elapsedMs, rows: res.rows.length }]);
      }
    }
    const queries = set.map((q) => {
      const all = runs.get(q.name)!;
      const best = all.reduce((a, b) => (b.ms < a.ms ? b : a));
      return { name: q.name, bestMs: best.ms, serverMs: best.serverMs, allMs: all.map((r) => r.ms), rows: best.rows };
    });
    const totalMs = queries.reduce((n, q) => n + q.bestMs, 0);
    for (const q of queries) ctx.log(`  ${q.name.padEnd(22)} ${fmt(q.bestMs, 1).padStart(8)} ms (server ${fmt(q.serverMs, 1)} ms, ${q.rows} rows)`);
    ctx.log(`  total ${fmt(totalMs, 1)} ms over ${fmt(visible)} events`);
    return {
      lake: { ...cached.meta, regenerated: cached.regenerated, cacheDir: cached.dir },
      eventsVisible: visible,
      site: SITE,
      days: RANGE_DAYS,
      queries,
      totalMs,
      serverStartMs,
    };
  } finally {
    await stopServer(server, ctx.log);
  }
}
