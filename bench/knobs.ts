import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Every environment knob of `npm run bench`, with its default, in one table (docs/benchmarks.md lists the same).
 * Read once, by run.ts, which hands the parsed values to the sections.
 */
export const SECTIONS = ['ingest', 'freshness', 'writer', 'queries', 'dashboard'] as const;
export type Section = (typeof SECTIONS)[number];

export interface Knobs {
  /** Measured seconds of each ingest run (bare/collector x batch/single). */
  readonly seconds: number;
  /** Warm-up seconds before each measured ingest run (not counted). */
  readonly warmupSeconds: number;
  /** Keep-alive connections of the ingest load. */
  readonly connections: number;
  /** Events per request in the batch runs. */
  readonly batchEvents: number;
  /** Ack-to-visible samples of the freshness run. */
  readonly freshSamples: number;
  /** Background load during the freshness run, requests/s of `batchEvents`-event batches. */
  readonly freshLoadRps: number;
  /** A sample not visible after this long counts as a miss (measured as this value). */
  readonly freshTimeoutMs: number;
  /** Hard bound of the whole freshness run. */
  readonly freshMaxSeconds: number;
  /** Events of the writer benchmark. */
  readonly writerEvents: number;
  /** Hours of traffic the writer benchmark's events span (sets how many hour partitions they fall in). */
  readonly writerSpanHours: number;
  /** Events of the query benchmark's lake. */
  readonly queryEvents: number;
  /** Days the query benchmark's lake spans. */
  readonly queryDays: number;
  /** Distinct visitors of the query benchmark's lake. */
  readonly queryVisitors: number;
  /** Where generated lakes are cached between runs. */
  readonly cacheDir: string;
  /** Sections to run. */
  readonly sections: readonly Section[];
  /** Log level of the Clicklake servers under test. */
  readonly serverLogLevel: string;
  /** Keep the run's scratch directory (data dirs, server logs) instead of deleting it. */
  readonly keepTmp: boolean;
  /** Where results/<date>-<host>.json and latest.md go. */
  readonly resultsDir: string;
}

function num(env: NodeJS.ProcessEnv, key: string, dflt: number, min: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') return dflt;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min) throw new Error(`${key} must be a number >= ${min}, got "${raw}"`);
  return v;
}

export function readKnobs(env: NodeJS.ProcessEnv, repoRoot: string): Knobs {
  const sections = (env.BENCH_SECTIONS ?? SECTIONS.join(','))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const s of sections) {
    if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`BENCH_SECTIONS: unknown section "${s}" (known: ${SECTIONS.join(', ')})`);
  }
  return {
    seconds: num(env, 'BENCH_SECONDS', 15, 1),
    warmupSeconds: num(env, 'BENCH_WARMUP_SECONDS', 3, 0),
    connections: num(env, 'BENCH_CONNECTIONS', 50, 1),
    batchEvents: num(env, 'BENCH_BATCH_EVENTS', 20, 1),
    freshSamples: num(env, 'BENCH_FRESH_SAMPLES', 200, 1),
    freshLoadRps: num(env, 'BENCH_FRESH_LOAD_RPS', 100, 0),
    freshTimeoutMs: num(env, 'BENCH_FRESH_TIMEOUT_MS', 5_000, 100),
    freshMaxSeconds: num(env, 'BENCH_FRESH_MAX_SECONDS', 90, 5),
    writerEvents: num(env, 'BENCH_WRITER_EVENTS', 1_000_000, 1_000),
    writerSpanHours: num(env, 'BENCH_WRITER_SPAN_HOURS', 24, 1),
    queryEvents: num(env, 'BENCH_QUERY_EVENTS', 10_000_000, 10_000),
    queryDays: num(env, 'BENCH_QUERY_DAYS', 30, 8),
    queryVisitors: num(env, 'BENCH_QUERY_VISITORS', 50_000, 100),
    cacheDir: env.BENCH_CACHE_DIR || join(tmpdir(), 'clicklake-bench'),
    sections: sections as Section[],
    serverLogLevel: env.BENCH_SERVER_LOG_LEVEL || 'warn',
    keepTmp: env.BENCH_KEEP_TMP === '1',
    resultsDir: env.BENCH_RESULTS_DIR || join(repoRoot, 'bench', 'results'),
  };
}
