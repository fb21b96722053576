import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository root (tests run from dist/test/...). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(REPO_ROOT, 'bin', 'clicklake.js');
export const TEST_TOKEN = 'test-admin-token-0123456789abcdef';
/**
 * A desktop browser's User-Agent for requests to /collect: Node's fetch sends "node", which the enrichment's bot
 * detection classes as a bot, and bot events are dropped by default (collector.bots, docs/enrichment.md).
 */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';

export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), `clicklake-${prefix}-`));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

export interface SpawnedServer {
  readonly url: string;
  readonly proc: ChildProcess;
  readonly output: () => string;
  /** SIGKILL, no flush. */
  kill9(): Promise<void>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** Starts `clicklake start` as a real process on a free loopback port and waits until /healthz answers. */
export async function spawnServer(dataDir: string, config: Record<string, unknown> = {}): Promise<SpawnedServer> {
  const configFile = join(dataDir, '..', `config-${process.pid}-${Date.now()}.json`);
  writeFileSync(configFile, JSON.stringify({ log: { level: 'warn' }, ...config }));
  const proc = spawn(process.execPath, [BIN, 'start', '--port', '0', '--data-dir', dataDir, '--config', configFile], {
    env: { ...process.env, CLICKLAKE_ADMIN_TOKEN: TEST_TOKEN },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /running at (http:\/\/[^\s]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${out}`));
    });
  });
  await waitFor(async () => (await fetch(`${url}/healthz`)).ok, 10_000, 'healthz');
  return {
    url,
    proc,
    output: () => out,
    kill9: async () => {
      proc.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** POST /api/query with the test token; returns rows. */
export async function apiQuery(url: string, sql: string): Promise<Record<string, unknown>[]> {
  const res = await fetch(`${url}/api/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${TEST_TOKEN}` },
    body: JSON.stringify({ sql }),
  });
  const body = (await res.json()) as { rows?: Record<string, unknown>[]; error?: unknown };
  if (!res.ok) throw new Error(`query failed ${res.status}: ${JSON.stringify(body)}`);
  return body.rows!;
}

export async function postEvents(url: string, events: unknown[]): Promise<{ status: number; body: any }> {
  const res = await fetch(`${url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
    body: JSON.stringify(events),
  });
  return { status: res.status, body: await res.json() };
}
