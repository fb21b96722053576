import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ConfigInput } from '../src/core/config.js';
import { type Child, freePort, logTail, spawnChild, stopChild, waitReady } from './procs.js';

/**
 * A Clicklake server under test: `node bin/clicklake.js start` in its own process on 127.0.0.1, with a fresh
 * data dir, a config file and an admin token, plus a small client for /api/query.
 */
export interface ClicklakeServer {
  readonly child: Child;
  readonly url: string;
  readonly token: string;
  readonly dataDir: string;
}

export interface QueryResult {
  readonly columns: unknown[];
  readonly rows: unknown[];
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

/**
 * The server entry point: bin/clicklake.js, which imports dist/src/cli/main.js. When the bench itself was compiled
 * elsewhere (a scratch outDir), the CLI compiled next to it is used instead, so bench and server are one build.
 */
function serverEntry(repoRoot: string, benchDistDir: string): string {
  const sibling = resolve(benchDistDir, '..', 'src', 'cli', 'main.js');
  return resolve(benchDistDir) === resolve(repoRoot, 'dist', 'bench') ? join(repoRoot, 'bin', 'clicklake.js') : sibling;
}

export async function startClicklake(opts: {
  repoRoot: string;
  benchDistDir: string;
  /** Scratch dir of this server: data/, config.json and server.log go here. */
  workDir: string;
  config?: ConfigInput;
  /** Prepares the data dir before the server starts (e.g. installs a lake). */
  prepare?: (dataDir: string) => Promise<void>;
}): Promise<ClicklakeServer> {
  const dataDir = join(opts.workDir, 'data');
  await mkdir(dataDir, { recursive: true });
  if (opts.prepare) await opts.prepare(dataDir);
  const configPath = join(opts.workDir, 'config.json');
  await writeFile(configPath, JSON.stringify(opts.config ?? {}, null, 1));
  const port = await freePort();
  const token = randomBytes(24).toString('hex');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CLICKLAKE_')) env[k] = v;
  env.CLICKLAKE_ADMIN_TOKEN = token;
  const child = spawnChild(
    'clicklake',
    process.execPath,
    [serverEntry(opts.repoRoot, opts.benchDistDir), 'start', '--port', String(port), '--host', '127.0.0.1', '--data-dir', dataDir, '--config', configPath],
    { env, logPath: join(opts.workDir, 'server.log') },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(child, `${url}/healthz`, 120_000);
  return { child, url, token, dataDir };
}

/** POST /api/query; throws with the server's error body on a non-2xx answer. */
export async function query(server: ClicklakeServer, sql: string, timeoutMs = 60_000): Promise<QueryResult> {
  const res = await fetch(`${server.url}/api/query`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sql }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`/api/query answered ${res.status}: ${text.slice(0, 500)}\nSQL: ${sql}`);
  return JSON.parse(text) as QueryResult;
}

/** First cell of the first row, whatever the row shape (array or object). */
export function firstCell(result: QueryResult): unknown {
  const row = result.rows[0];
  if (row === undefined || row === null) return undefined;
  return Array.isArray(row) ? row[0] : Object.values(row as object)[0];
}

export async function describeFailure(server: ClicklakeServer): Promise<string> {
  return `server log (${server.child.logPath}):\n${await logTail(server.child)}`;
}

/** SIGTERM (graceful stop, which flushes the writer), SIGKILL after graceMs; logs when the stop was not clean. */
export async function stopServer(server: ClicklakeServer, log: (line: string) => void, graceMs = 30_000): Promise<void> {
  const t0 = performance.now();
  const code = await stopChild(server.child, graceMs);
  const ms = performance.now() - t0;
  if (code !== 0) log(`  WARNING: the server exited with ${code === null ? 'SIGKILL after ' + graceMs + ' ms' : 'code ' + code}\n${await logTail(server.child)}`);
  else if (ms > 5_000) log(`  (graceful stop took ${(ms / 1000).toFixed(1)} s)`);
}
