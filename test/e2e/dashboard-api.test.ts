// The dashboard API through the composition root over a real socket: auth on every /api route (Bearer or session
// cookie), CSRF rules, login with a configured user, and a tile answering from events sent to /collect.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { hashPassword } from '../../src/auth/index.js';
import { parseConfig } from '../../src/core/config.js';
import { startClicklake } from '../../src/server/index.js';

const TOKEN = 'dashboard-e2e-token-0123456789';
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

test('dashboard API: auth kinds, CSRF and a tile over collected events', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clicklake-dash-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const passwordHash = await hashPassword('s3cret pass', { N: 1024, r: 8, p: 1 });
  const app = await startClicklake(
    parseConfig({ port: 0, dataDir, adminToken: TOKEN, auth: { users: [{ name: 'ana', passwordHash }] } }),
    { logger: pino({ level: 'silent' }) },
  );
  t.after(() => app.stop());
  const url = app.url;
  const day = new Date().toISOString().slice(0, 10);
  const events = [1, 2, 3].map((i) => ({ type: 'page_view', url: `https://shop.example/p${i}`, site_id: 'dash', anonymous_id: 'a1', session_id: 's1', ts: Date.now() }));
  const collected = await fetch(`${url}/collect`, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': UA }, body: JSON.stringify(events) });
  assert.equal(collected.status, 200, await collected.text());

  const overview = `${url}/api/stats/overview?site=dash&from=${day}&to=${day}`;
  // No credentials: 401 JSON on every /api route; the collector, tracker and health stay public.
  for (const path of [overview, `${url}/api/sites`, `${url}/api/auth/me`]) {
    const res = await fetch(path);
    assert.equal(res.status, 401, path);
    assert.equal(((await res.json()) as any).error.code, 'CLK_ERR_UNAUTHORIZED');
  }
  assert.equal((await fetch(`${url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql":"SELECT 1"}' })).status, 401);
  assert.equal((await fetch(`${url}/healthz`)).status, 200);
  assert.equal((await fetch(`${url}/tracker.js`)).status, 200);

  // Bearer.
  const bearer = await fetch(overview, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(bearer.status, 200);
  assert.equal(((await bearer.json()) as any).data.current.page_views, 3);

  // Session cookie of a configured user.
  const login = await fetch(`${url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'ana', password: 's3cret pass' }) });
  assert.equal(login.status, 200);
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  assert.match(cookie, /^clicklake_session=.+/);
  const byCookie = await fetch(overview, { headers: { cookie } });
  assert.equal(((await byCookie.json()) as any).data.current.visitors, 1);
  const sites = (await (await fetch(`${url}/api/sites`, { headers: { cookie } })).json()) as any;
  assert.deepEqual(sites.data.map((s: any) => [s.id, s.events]), [['dash', 3]]);

  // /api/query with the cookie: JSON and same-origin only.
  const q = (headers: Record<string, string>) => fetch(`${url}/api/query`, { method: 'POST', headers: { cookie, ...headers }, body: '{"sql":"SELECT 42 AS n"}' });
  assert.equal((await q({ 'content-type': 'application/json' })).status, 200);
  assert.equal((await q({ 'content-type': 'application/json', origin: url })).status, 200);
  assert.equal((await q({ 'content-type': 'application/json', origin: 'https://evil.example' })).status, 403);
  assert.equal((await q({ 'content-type': 'text/plain' })).status, 415);

  // Logout ends the session.
  const out = await fetch(`${url}/api/auth/logout`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: '{}' });
  assert.equal(out.status, 200);
  assert.equal((await fetch(overview, { headers: { cookie } })).status, 401);
});
