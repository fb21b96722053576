import { randomInt } from 'node:crypto';
import { InvalidArgumentError, type Command } from 'commander';
import { replayVisitors, type ReplayResult } from '../demo/replay.js';
import { generateVisitors, SYNTHETIC_SITE } from '../demo/visitors.js';
import { loadConfig, startClicklake } from '../server/index.js';
import { trackerAsset } from '../tracker/serve.js';
import { stopOnSignals } from './signals.js';

/**
 * `clicklake demo`: runs Clicklake like `start` and points at the demo shop it serves at /demo/; with
 * `--visitors N` it also replays N synthetic visitors through `POST /collect` (site `demo-synthetic`, so they never
 * mix with real data). With `--url`, it only replays them to a Clicklake that is already running, and exits.
 */
interface DemoFlags {
  visitors: number;
  days: number;
  seed?: number;
  url?: string;
  port?: number;
  host?: string;
  dataDir?: string;
  config?: string;
}

function intArg(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer ${min}-${max}`);
    return n;
  };
}

/** Adds the command to the program (src/cli/main.ts). */
export function registerDemoCommand(program: Command, portArg: (value: string) => number): void {
  program
    .command('demo')
    .description('serve the demo shop at /demo/ next to the pipeline; --visitors N also replays synthetic visitors')
    .option('--visitors <n>', `synthetic visitors to replay (site "${SYNTHETIC_SITE}")`, intArg('--visitors', 0, 100_000), 0)
    .option('--days <n>', 'spread the synthetic visits over the last N days (1-7)', intArg('--days', 1, 7), 7)
    .option('--seed <n>', 'seed of the synthetic visitors, for the same visitors again (default: random)', intArg('--seed', 0, 2 ** 32 - 1))
    .option('--url <url>', 'replay to this running Clicklake (e.g. http://localhost:8080) instead of starting one, then exit')
    .option('--port <port>', 'HTTP port (env CLICKLAKE_PORT, default 8080)', portArg)
    .option('--host <host>', 'interface to bind (env CLICKLAKE_HOST, default 127.0.0.1)')
    .option('--data-dir <dir>', 'data directory (env CLICKLAKE_DATA_DIR, default ./clicklake-data)')
    .option('--config <file>', 'JSON config file (env CLICKLAKE_CONFIG)')
    .action(demoCommand);
}

async function replay(target: string, origin: string, flags: DemoFlags): Promise<ReplayResult> {
  const seed = flags.seed ?? randomInt(2 ** 32 - 1);
  const visitors = generateVisitors({ visitors: flags.visitors, seed, now: Date.now(), days: flags.days, origin });
  process.stdout.write(`replaying ${flags.visitors} synthetic visitors (site ${SYNTHETIC_SITE}, seed ${seed}) to ${target} ...\n`);
  const r = await replayVisitors(target, visitors);
  process.stdout.write(
    `  ${r.events} events from ${r.visitors} visitors: ${r.accepted} accepted, ${r.rejected} rejected, ${r.failed} requests failed` +
      `${r.firstError ? ` (first problem: ${r.firstError})` : ''}\n`,
  );
  return r;
}

export async function demoCommand(flags: DemoFlags): Promise<void> {
  if (flags.url !== undefined) {
    let target: URL;
    try {
      target = new URL(flags.url);
      if (!/^https?:$/.test(target.protocol)) throw new Error('not http(s)');
    } catch {
      console.error(`clicklake: --url must be an http(s) URL, got "${flags.url}"`);
      process.exit(2);
    }
    if (flags.visitors === 0) {
      console.error('clicklake: nothing to do: give --visitors N with --url');
      process.exit(2);
    }
    const r = await replay(target.origin, target.origin, flags);
    process.exitCode = r.failed > 0 || r.rejected > 0 ? 1 : 0;
    return;
  }

  let config;
  try {
    config = await loadConfig({ port: flags.port, host: flags.host, dataDir: flags.dataDir, configFile: flags.config }, process.env);
  } catch (err) {
    console.error(`clicklake: ${(err as Error).message}`);
    process.exit(2);
  }
  const app = await startClicklake(config);
  const tracker = trackerAsset();
  process.stdout.write(
    `\nClicklake is running at ${app.url}\n` +
      `  demo shop: ${app.url}/demo/   (site id "demo": click around, then query your own events)\n` +
      `  tracker:   ${app.url}${tracker ? tracker.versionedPath : '/tracker.js (not built: run npm run build)'}\n` +
      `  collect:   POST ${app.url}/collect\n` +
      `  query:     POST ${app.url}/api/query  (Authorization: Bearer ${app.adminToken})\n` +
      `  data dir:  ${config.dataDir}\n` +
      `  try:       npx clicklake query "SELECT event_type, page_path, element_text FROM events WHERE site_id = 'demo' ORDER BY ts DESC LIMIT 20"\n\n`,
  );

  stopOnSignals(app);

  if (flags.visitors > 0) {
    // Straight to the socket this process listens on; page URLs use the public address.
    const local = ['127.0.0.1', '0.0.0.0', '::', 'localhost'].includes(config.host) ? `http://127.0.0.1:${app.port}` : app.url;
    await replay(local, app.url, flags);
    process.stdout.write(`  see them: npx clicklake query "SELECT event_type, count(*) AS n FROM events WHERE site_id = '${SYNTHETIC_SITE}' GROUP BY ALL ORDER BY n DESC"\n`);
  }
}
