import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Local stand-ins for the AWS services the deploy/aws handlers use, started on loopback on free ports and stopped by
 * the test. .ci/aws-services.sh installs them into the cache directory (env CLICKLAKE_CI_CACHE, default
 * ~/.cache/clicklake-ci):
 *  - S3: S3Proxy (Apache-2.0, Maven Central org.gaul:s3proxy, jar-with-dependencies) with its in-memory backend,
 *    run with Java.
 *  - DynamoDB: moto's server mode (Apache-2.0, PyPI `moto[server]`) in a virtualenv. (AWS's DynamoDB Local is not
 *    used: its licence is not an open-source one.)
 * Tests call requireComponent(t, s3ProxyAvailable(), ...) first: skipped outside CI when missing, failing in CI.
 */
export const CI_CACHE = process.env.CLICKLAKE_CI_CACHE ?? join(homedir(), '.cache', 'clicklake-ci');
export const S3PROXY_JAR = join(CI_CACHE, 's3proxy-2.6.0-jar-with-dependencies.jar');
export const MOTO_SERVER = join(CI_CACHE, 'moto-venv', 'bin', 'moto_server');

/** Credentials the local servers accept (never real ones). */
export const TEST_CREDENTIALS = { accessKeyId: 'clicklaketest', secretAccessKey: 'clicklaketestsecret' } as const;
export const TEST_REGION = 'us-east-1';

export function s3ProxyAvailable(): boolean {
  return existsSync(S3PROXY_JAR);
}

export function dynamoAvailable(): boolean {
  return existsSync(MOTO_SERVER);
}

export interface LocalServer {
  readonly endpoint: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

async function waitReady(child: ChildProcess, port: number, name: string, log: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${log().slice(-2000)}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`${name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms: ${log().slice(-2000)}`);
}

function stopper(child: ChildProcess, after?: () => Promise<void>): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    await after?.();
  };
}

function spawnLogged(cmd: string, args: string[]): { child: ChildProcess; log: () => string } {
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (b: Buffer) => {
    out = (out + b.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // Never outlive the test process.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return { child, log: () => out };
}

/** S3Proxy with the in-memory (transient) backend; requests must be signed with TEST_CREDENTIALS. */
export async function startS3Proxy(timeoutMs = 60_000): Promise<LocalServer> {
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'clk-s3proxy-'));
  const props = join(dir, 's3proxy.conf');
  await writeFile(
    props,
    [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      's3proxy.authorization=aws-v2-or-v4',
      `s3proxy.identity=${TEST_CREDENTIALS.accessKeyId}`,
      `s3proxy.credential=${TEST_CREDENTIALS.secretAccessKey}`,
      'jclouds.provider=transient',
      `jclouds.identity=${TEST_CREDENTIALS.accessKeyId}`,
      `jclouds.credential=${TEST_CREDENTIALS.secretAccessKey}`,
      '',
    ].join('\n'),
  );
  const { child, log } = spawnLogged('java', ['-Xmx512m', '-jar', S3PROXY_JAR, '--properties', props]);
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await waitReady(child, port, 'S3Proxy', log, timeoutMs);
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { endpoint: `http://127.0.0.1:${port}`, stop: stopper(child, cleanup) };
}

/** moto in server mode: DynamoDB (and other AWS APIs) in memory. */
export async function startDynamo(timeoutMs = 60_000): Promise<LocalServer> {
  const port = await freePort();
  const { child, log } = spawnLogged(MOTO_SERVER, ['-H', '127.0.0.1', '-p', String(port)]);
  await waitReady(child, port, 'moto_server', log, timeoutMs);
  return { endpoint: `http://127.0.0.1:${port}`, stop: stopper(child) };
}
