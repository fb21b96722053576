import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { S3Client } from '@aws-sdk/client-s3';
import { pino } from 'pino';
import { parseConfig } from '../core/config.js';
import { loadConfig } from './config-loader.js';
import { lakeS3Client } from './follower-mode.js';
import { startClicklake } from './index.js';

/**
 * The lake follower mode's configuration and its behaviour when the lake cannot be read. The follower over a real S3
 * server (S3Proxy) with the `process` Lambda's lake is deploy/aws/test/follower.test.ts.
 */
const silent = pino({ level: 'silent' });

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clicklake-follower-mode-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('CLICKLAKE_LAKE_* environment variables set lake.*, over the config file, and are validated', async (t) => {
  const dir = tmp(t);
  const file = join(dir, 'c.json');
  writeFileSync(file, JSON.stringify({ lake: { s3: { region: 'eu-west-1', bucket: 'from-file' }, cacheDir: '/cache' } }));
  const env = {
    CLICKLAKE_LAKE_STORE: 's3',
    CLICKLAKE_LAKE_S3_BUCKET: 'my-lake',
    CLICKLAKE_LAKE_S3_PREFIX: 'lake/',
    CLICKLAKE_LAKE_S3_ENDPOINT: 'http://127.0.0.1:9000',
    CLICKLAKE_LAKE_SYNC_INTERVAL_MS: '5000',
  } as NodeJS.ProcessEnv;
  const c = await loadConfig({ configFile: file }, env);
  assert.deepEqual(c.lake, {
    store: 's3',
    s3: { bucket: 'my-lake', prefix: 'lake/', region: 'eu-west-1', endpoint: 'http://127.0.0.1:9000' },
    syncIntervalMs: 5000,
    cacheDir: '/cache',
    cacheMaxBytes: 16 * 1024 ** 3,
  });
  await assert.rejects(loadConfig({}, { CLICKLAKE_LAKE_SYNC_INTERVAL_MS: 'often' } as NodeJS.ProcessEnv), /CLICKLAKE_LAKE_SYNC_INTERVAL_MS/);
  await assert.rejects(loadConfig({}, { CLICKLAKE_LAKE_STORE: 'gcs' } as NodeJS.ProcessEnv), /lake\.store/);
  await assert.rejects(loadConfig({}, { CLICKLAKE_LAKE_STORE: 's3' } as NodeJS.ProcessEnv), /lake\.s3\.bucket: required/);
  assert.throws(() => parseConfig({ lake: { s3: { bucket: 'Not_A_Bucket' } } }), /lake\.s3\.bucket/);
  assert.throws(() => parseConfig({ lake: { s3: { endpoint: 'not a url' } } }), /lake\.s3\.endpoint/);
});

test('the S3 client: path-style requests for an S3-compatible endpoint, the AWS defaults otherwise', async () => {
  const custom = lakeS3Client({ bucket: 'b-1', prefix: '', endpoint: 'http://127.0.0.1:9000', region: 'us-east-1' });
  assert.equal(custom.config.forcePathStyle, true);
  assert.equal(await custom.config.region(), 'us-east-1');
  custom.destroy();
  const aws = lakeS3Client({ bucket: 'b-1', prefix: '', region: 'eu-west-1' });
  assert.equal(aws.config.forcePathStyle, false);
  assert.equal(aws.config.endpoint, undefined);
  aws.destroy();
});

/** A loopback port where nothing listens. */
async function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

test('an unreadable lake: the server starts, queries answer 503 CLK_ERR_LAKE_NOT_SYNCED, /healthz says why, /collect is refused', async (t) => {
  const dataDir = tmp(t);
  const endpoint = `http://127.0.0.1:${await closedPort()}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
  t.after(() => client.destroy());
  const token = 'y'.repeat(24);
  const config = parseConfig({ port: 0, dataDir, adminToken: token, lake: { store: 's3', s3: { bucket: 'lake-1', endpoint }, syncIntervalMs: 60_000 } });
  const app = await startClicklake(config, { logger: silent, s3Client: client });
  t.after(() => app.stop());

  const q = await app.http.inject({ method: 'POST', url: '/api/query', headers: { authorization: `Bearer ${token}` }, payload: { sql: 'SELECT 1' } });
  assert.equal(q.statusCode, 503);
  assert.equal(q.json().error.code, 'CLK_ERR_LAKE_NOT_SYNCED');
  assert.equal(q.headers['retry-after'], '60');
  const health = (await app.http.inject({ method: 'GET', url: '/healthz' })).json();
  assert.equal(health.mode, 'lake-follower');
  assert.equal(health.lake.source, 's3://lake-1/');
  assert.equal(health.lake.events.synced, false);
  assert.ok(typeof health.lake.events.lastError === 'string' && health.lake.events.lastError.length > 0);
  const collect = await app.http.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'application/json' }, payload: '[]' });
  assert.equal(collect.statusCode, 404);
  assert.equal(collect.json().error.code, 'CLK_ERR_COLLECT_DISABLED');
  // Still authenticated like any /api route.
  const anon = await app.http.inject({ method: 'POST', url: '/api/query', payload: { sql: 'SELECT 1' } });
  assert.equal(anon.statusCode, 401);
});
