/**
 * `npm run bench`: the benchmark harness. Runs the sections (ingest, freshness, writer, queries, dashboard), writes
 * bench/results/<date>-<host>.json and bench/results/latest.md, and prints the targets table.
 * Knobs are environment variables (bench/knobs.ts, docs/benchmarks.md). Exit code 1 when a section failed;
 * unmet targets are reported, not failed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SectionContext } from './context.js';
import { benchFreshness } from './freshness.js';
import { benchIngest } from './ingest.js';
import { type Section, readKnobs } from './knobs.js';
import { stopAll } from './procs.js';
import { benchQueries } from './query-bench.js';
import { benchDashboard } from './dashboard-bench.js';
import { type BenchResults, renderMarkdown, shortHost, writeResults } from './report.js';
import { benchWriter } from './writer-bench.js';

const benchDistDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDistDir, '..', '..');

async function main(): Promise<number> {
  const knobs = readKnobs(process.env, repoRoot);
  const workDir = await mkdtemp(join(tmpdir(), 'clicklake-bench-run-'));
  const log = (line: string) => process.stdout.write(`${line}\n`);
  const ctx: SectionContext = { knobs, repoRoot, benchDistDir, workDir, log };
  const cpu = cpus();
  const results: BenchResults = {
    format: 'clicklake-bench',
    version: 1,
    startedAt: new Date().toISOString(),
    finishedAt: '',
    host: shortHost(),
    machine: { cpus: cpu.length, cpuModel: cpu[0]?.model ?? '?', memoryBytes: totalmem(), node: process.version, platform: process.platform },
    knobs,
    errors: [],
  };
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log(`\n${signal}: stopping servers ...`);
    void stopAll().finally(() => rm(workDir, { recursive: true, force: true }).finally(() => process.exit(130)));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  log(`Clicklake bench: sections ${knobs.sections.join(', ')}; scratch dir ${workDir}`);
  const runners: Record<Section, () => Promise<void>> = {
    ingest: async () => void (results.ingest = await benchIngest(ctx)),
    freshness: async () => void (results.freshness = await benchFreshness(ctx)),
    writer: async () => void (results.writer = await benchWriter(ctx)),
    queries: async () => void (results.queries = await benchQueries(ctx)),
    dashboard: async () => void (results.dashboard = await benchDashboard(ctx)),
  };
  for (const section of knobs.sections) {
    log('');
    try {
      await runners[section]();
    } catch (err) {
      const message = (err as Error).stack ?? String(err);
      results.errors.push({ section, message });
      log(`${section} FAILED: ${message}`);
    } finally {
      await stopAll();
    }
  }
  (results as { finishedAt: string }).finishedAt = new Date().toISOString();
  const written = await writeResults(results, knobs.resultsDir);
  log('');
  log(renderMarkdown(results));
  log(`results: ${written.json}\nsummary: ${written.md}`);
  if (knobs.keepTmp) log(`scratch dir kept: ${workDir}`);
  else await rm(workDir, { recursive: true, force: true });
  return results.errors.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await stopAll();
    process.exit(1);
  },
);
