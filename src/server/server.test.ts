// The composition root in-process, over a real socket: auth, read-only query API, metrics, health, token handling.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { parseConfig } from '../core/config.js';
import { startClicklake } from './index.js';
import { loadConfig } from './config-loader.js';

const silent = pino({ level: 'silent' });

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clicklake-server-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as any };
}

test('query API needs the admin token and only runs read-only SQL', async (t) => {
  const dataDir = tmp(t);
  const app = await startClicklake(parseConfig({ port: 0, dataDir, adminToken: 'x'.repeat(20) }), { logger: silent });
  t.after(() => app.stop());
  const auth = { authorization: `Bearer ${'x'.repeat(20)}` };

  assert.equal((await post(`${app.url}/api/query`, { sql: 'SELECT 1' })).status, 401);
  const wrong = await post(`${app.url}/api/query`, { sql: 'SELECT 1' }, { authorization: 'Bearer nope-nope-nope-nope' });
  assert.deepEqual([wrong.status, wrong.body.error.code], [401, 'CLK_ERR_UNAUTHORIZED']);

  const ok = await post(`${app.url}/api/query`, { sql: 'SELECT 41 + 1 AS answer' }, auth);
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.body.rows, [{ answer: 42 }]);

  for (const sql of ['DELETE FROM events', 'SELECT 1; SELECT 2', "COPY (SELECT 1) TO '/tmp/x.csv'", 'ATTACH \'/tmp/x.db\'', 'SET threads=1', 'PRAGMA version']) {
    const r = await post(`${app.url}/api/query`, { sql }, auth);
    assert.deepEqual([r.status, r.body.error?.code], [400, 'CLK_ERR_QUERY_NOT_READ_ONLY'], sql);
  }
  const escape = await post(`${app.url}/api/query`, { sql: "SELECT * FROM read_text('/etc/passwd')" }, auth);
  assert.equal(escape.status, 400);
  assert.equal(escape.body.error.code, 'CLK_ERR_QUERY_INVALID');
  assert.ok(!JSON.stringify(escape.body).includes('root:'), 'no file content leaks');
  const badBody = await post(`${app.url}/api/query`, { query: 'SELECT 1' }, auth);
  assert.deepEqual([badBody.status, badBody.body.error.code], [400, 'CLK_ERR_BAD_REQUEST']);
});

test('health, metrics, 404s and a collected event visible through the API', async (t) => {
  const dataDir = tmp(t);
  const app = await startClicklake(parseConfig({ port: 0, dataDir, adminToken: 'y'.repeat(20) }), { logger: silent });
  t.after(() => app.stop());
  const health = await fetch(`${app.url}/healthz`);
  assert.equal(health.status, 200);
  assert.equal(((await health.json()) as { status: string }).status, 'ok');

  // A browser User-Agent: Node's fetch sends "node", a bot whose events are dropped by default (docs/enrichment.md).
  const browser = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0' };
  const collected = await post(`${app.url}/collect`, [{ type: 'page_view', url: 'https://a.example/x?q=1' }], browser);
  assert.deepEqual(collected.body, { accepted: 1, rejected: [] });
  const rows = await post(`${app.url}/api/query`, { sql: 'SELECT event_type, page_path, site_id FROM events' }, { authorization: `Bearer ${'y'.repeat(20)}` });
  assert.deepEqual(rows.body.rows, [{ event_type: 'page_view', page_path: '/x', site_id: 'default' }]);

  const metrics = await fetch(`${app.url}/metrics`);
  assert.match(metrics.headers.get('content-type') ?? '', /text\/plain/);
  const text = await metrics.text();
  assert.match(text, /clicklake_collector_events_received_total 1/);
  assert.match(text, /clicklake_process_resident_memory_bytes/);

  const missing = await fetch(`${app.url}/nope`);
  assert.equal(missing.status, 404);
  assert.equal(((await missing.json()) as any).error.code, 'CLK_ERR_NOT_FOUND');
});

test('a generated admin token is kept in the data dir and reused', async (t) => {
  const dataDir = tmp(t);
  const first = await startClicklake(parseConfig({ port: 0, dataDir }), { logger: silent });
  assert.equal(first.adminTokenSource, 'generated');
  await first.stop();
  assert.equal(readFileSync(join(dataDir, 'admin-token'), 'utf8').trim(), first.adminToken);
  const second = await startClicklake(parseConfig({ port: 0, dataDir }), { logger: silent });
  t.after(() => second.stop());
  assert.equal(second.adminTokenSource, 'file');
  assert.equal(second.adminToken, first.adminToken);
});

test('config precedence: flags > env > file > defaults, and bad values are named', async () => {
  const env = { CLICKLAKE_PORT: '9000', CLICKLAKE_DATA_DIR: '/srv/cl' } as NodeJS.ProcessEnv;
  const fromEnv = await loadConfig({}, env);
  assert.deepEqual([fromEnv.port, fromEnv.dataDir], [9000, '/srv/cl']);
  const fromFlag = await loadConfig({ port: 7000 }, env);
  assert.equal(fromFlag.port, 7000);
  await assert.rejects(loadConfig({}, { CLICKLAKE_PORT: 'eighty' } as NodeJS.ProcessEnv), /CLICKLAKE_PORT must be a port/);
  assert.throws(() => parseConfig({ writer: { intervalMs: 'soon' } }), /writer\.intervalMs/);
  assert.throws(() => parseConfig({ colector: {} }), /colector/);
});

test('one server per data dir: a second start is refused with a clear message, a stale lock is taken over', async (t) => {
  const dataDir = tmp(t);
  const first = await startClicklake(parseConfig({ port: 0, dataDir }), { logger: silent });
  await assert.rejects(startClicklake(parseConfig({ port: 0, dataDir }), { logger: silent }), /in use by another Clicklake server/);
  await first.stop();
  // A crashed owner leaves its lock behind; a pid that does not run is stale.
  writeFileSync(join(dataDir, 'server.lock'), '999999999\n');
  const second = await startClicklake(parseConfig({ port: 0, dataDir }), { logger: silent });
  await second.stop();
});
