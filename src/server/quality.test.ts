// Data quality through the composition root, over a real socket: dead letters (failed_events), the queue_overflow
// drop count and the delivery view, seq-gap and dead-letter metrics, POST /api/admin/forget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pino } from 'pino';
import { parseConfig } from '../core/config.js';
import { startClicklake } from './index.js';

const silent = pino({ level: 'silent' });
const TOKEN = 'q'.repeat(24);
const UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const ORIGIN = 'https://shop.example';

function tmp(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'clicklake-quality-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function collect(url: string, body: string | Uint8Array, headers: Record<string, string> = {}) {
  const res = await fetch(`${url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': UA, origin: ORIGIN, ...headers },
    body: typeof body === 'string' ? body : new Blob([new Uint8Array(body)]),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function config(dataDir: string) {
  return parseConfig({ port: 0, dataDir, adminToken: TOKEN, deadLetter: { maxPayloadBytes: 120 } });
}

test('dead letters: rejected events and refused requests land in failed_events (bounded, no IP); good events are kept', async (t) => {
  const dataDir = tmp(t);
  let app = await startClicklake(config(dataDir), { logger: silent });
  t.after(() => app.stop());
  const now = Date.now();
  const good = (seq: number, extra: object = {}) => ({ type: 'page_view', url: 'https://shop.example/a', site_id: 'shop', anonymous_id: 'dev-1', seq, ts: now, ...extra });
  const batch = [
    good(1),
    { type: 'bad type!', site_id: 'shop', anonymous_id: 'dev-1', seq: 2 },
    good(3),
    { type: 'click', site_id: 'shop', title: 'x'.repeat(500), seq: -1 },
    good(6, { type: 'queue_overflow', props: { dropped: 2 } }),
  ];
  const mixed = await collect(app.url, JSON.stringify(batch));
  assert.equal(mixed.status, 200);
  assert.equal(mixed.body.accepted, 3);
  assert.deepEqual(mixed.body.rejected.map((r: any) => r.index), [1, 3]);
  const malformed = await collect(app.url, '[{"type": "page_view", "url": ');
  assert.deepEqual([malformed.status, malformed.body.error.code], [400, 'CLK_ERR_MALFORMED_JSON']);
  const badGzip = await collect(app.url, new Uint8Array([0x1f, 0x8b, 1, 2, 3, 4]), { 'content-encoding': 'gzip' });
  assert.deepEqual([badGzip.status, badGzip.body.error.code], [400, 'CLK_ERR_BAD_ENCODING']);
  const big = gzipSync(Buffer.from(JSON.stringify({ events: [] }) + ' '.repeat(300)));
  assert.equal((await collect(app.url, big, { 'content-encoding': 'gzip' })).body.error.code, 'CLK_ERR_BAD_BODY');

  const sql = 'SELECT error_code, reason, scope, event_index, site_id, payload, payload_bytes, payload_truncated, origin, ' +
    'user_agent, content_type FROM failed_events ORDER BY received_at, event_index';
  const check = async () => {
    const { rows } = await app.query.query(sql);
    assert.deepEqual(rows.map((r) => [r.error_code, r.scope, r.event_index, r.site_id]), [
      ['CLK_ERR_EVENT_INVALID', 'event', 1, 'shop'],
      ['CLK_ERR_EVENT_INVALID', 'event', 3, 'shop'],
      ['CLK_ERR_MALFORMED_JSON', 'request', null, null],
      ['CLK_ERR_BAD_ENCODING', 'request', null, null],
      ['CLK_ERR_BAD_BODY', 'request', null, null],
    ]);
    assert.equal(rows[0]!.reason, mixed.body.rejected[0].message, 'the reason the client got');
    assert.equal(rows[2]!.reason, malformed.body.error.message);
    assert.equal(rows[0]!.payload, JSON.stringify(batch[1]), 'a small event is kept whole');
    assert.equal(rows[0]!.payload_truncated, false);
    const long = rows[1]!;
    assert.equal(long.payload_truncated, true);
    assert.equal(long.payload_bytes, Buffer.byteLength(JSON.stringify(batch[3])));
    assert.ok(Buffer.byteLength(String(long.payload)) <= 120, 'cut to deadLetter.maxPayloadBytes');
    assert.ok(JSON.stringify(batch[3]).startsWith(String(long.payload)));
    assert.equal(rows[2]!.payload, '[{"type": "page_view", "url": ', 'the body prefix');
    for (const r of rows) {
      assert.deepEqual([r.origin, r.user_agent, r.content_type], [ORIGIN, UA, 'text/plain']);
      assert.ok(!JSON.stringify(r).includes('127.0.0.1'), 'never the client IP');
    }
    const columns = (await app.query.query('SELECT * FROM failed_events LIMIT 0')).columns.map((c) => c.name);
    assert.ok(!columns.some((c) => c.includes('ip')), `no IP column: ${columns.join(', ')}`);
    const events = await app.query.query("SELECT seq, event_type, dropped FROM events WHERE site_id = 'shop' ORDER BY seq");
    assert.deepEqual(events.rows, [
      { seq: 1, event_type: 'page_view', dropped: null },
      { seq: 3, event_type: 'page_view', dropped: null },
      { seq: 6, event_type: 'queue_overflow', dropped: 2 },
    ]);
  };
  await check(); // from the tail, before the writer ran
  const text = await (await fetch(`${app.url}/metrics`)).text();
  assert.match(text, /clicklake_collector_dead_letters_total\{code="CLK_ERR_EVENT_INVALID"\} 2/);
  assert.match(text, /clicklake_collector_dead_letters_total\{code="CLK_ERR_MALFORMED_JSON"\} 1/);
  assert.match(text, /clicklake_collector_seq_gaps_total 3/, 'seq 1 -> 3 -> 6');
  assert.match(text, /clicklake_collector_tracker_dropped_total 2/);
  assert.match(text, /clicklake_failed_spool_bytes/);
  assert.match(text, /clicklake_failed_writer_events_written_total 0/);
  const delivery = await app.query.query("SELECT expected, received, missing, reported_dropped FROM delivery WHERE site_id = 'shop'");
  assert.deepEqual(delivery.rows, [{ expected: 6, received: 3, missing: 3, reported_dropped: 2 }]);

  // After a restart everything is in Parquet: failed/dt=YYYY-MM-DD/ for the dead letters.
  await app.stop();
  const day = new Date().toISOString().slice(0, 10);
  const failedDir = join(dataDir, 'lake', 'failed', `dt=${day}`);
  assert.ok(existsSync(failedDir) && readdirSync(failedDir).some((f) => f.endsWith('.parquet')));
  app = await startClicklake(config(dataDir), { logger: silent });
  await check();
});

test('POST /api/admin/forget needs the admin token and removes events and dead letters of the id', async (t) => {
  const dataDir = tmp(t);
  const app = await startClicklake(config(dataDir), { logger: silent });
  t.after(() => app.stop());
  const ev = (anon: string, type = 'page_view') => ({ type, url: 'https://shop.example/', site_id: 'shop', anonymous_id: anon });
  await collect(app.url, JSON.stringify([ev('dev-a'), ev('dev-a'), ev('dev-b'), ev('dev-a', 'no way!')]));
  const call = (body: unknown, token = TOKEN) =>
    fetch(`${app.url}/api/admin/forget`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    });
  assert.equal((await call({ anonymousId: 'dev-a' }, 'wrong-token-wrong-token')).status, 401);
  const bad = await call({ anonymousId: 'dev-a', userId: 'u' });
  assert.deepEqual([bad.status, ((await bad.json()) as any).error.code], [400, 'CLK_ERR_BAD_REQUEST']);
  const res = await call({ anonymousId: 'dev-a' });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { events: 2, deadLetters: 1, files: 2 });
  const left = await app.query.query('SELECT anonymous_id FROM events');
  assert.deepEqual(left.rows, [{ anonymous_id: 'dev-b' }]);
  assert.deepEqual((await app.query.query('SELECT count(*) AS n FROM failed_events')).rows, [{ n: 0 }]);
});
