// The live event stream end to end, in-process over a real socket: an event POSTed to /collect appears on
// GET /api/realtime/stream within 1 s of its acknowledgement, the poller stops when the client leaves, and an open
// stream does not hold up a shutdown. Also the SQL console's CSV download.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../src/core/config.js';
import { startClicklake } from '../../src/server/index.js';

const TOKEN = 'stream-test-token-0123456789';
const auth = { authorization: `Bearer ${TOKEN}` };
/** A browser user agent: the default collector.bots = "drop" would drop events of Node's own "node" agent. */
const browser = {
  'content-type': 'text/plain',
  'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
};

interface SseMessage {
  event: string;
  id?: string;
  data?: string;
  at: number;
}

/** Opens an SSE stream and parses its messages as they arrive. */
async function openStream(url: string) {
  const abort = new AbortController();
  const res = await fetch(url, { headers: auth, signal: abort.signal });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/event-stream/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const messages: SseMessage[] = [];
  const waiters = new Set<() => void>();
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      buffer += value;
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const msg: SseMessage = { event: 'message', at: performance.now() };
        let hasField = false;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) continue;
          const i = line.indexOf(':');
          const field = i < 0 ? line : line.slice(0, i);
          const val = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (field === 'event') msg.event = val;
          if (field === 'id') msg.id = val;
          if (field === 'data') msg.data = val;
          if (field === 'event' || field === 'data') hasField = true;
        }
        if (hasField) messages.push(msg);
        for (const w of [...waiters]) w();
      }
    }
  })();
  const waitFor = (match: (m: SseMessage) => boolean, timeoutMs: number, what: string) =>
    new Promise<SseMessage>((resolve, reject) => {
      const check = () => {
        const found = messages.find(match);
        if (!found) return;
        waiters.delete(check);
        clearTimeout(timer);
        resolve(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(messages)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  return {
    messages,
    waitFor,
    close: async () => {
      abort.abort();
      await pump;
    },
  };
}

async function queryCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const m = /^clicklake_query_seconds_count(?:\{[^}]*\})? (\d+)/m.exec(text);
  assert.ok(m, 'clicklake_query_seconds_count is exported');
  return Number(m[1]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('an acknowledged event reaches the live stream within 1 s; no poller outlives its client', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clicklake-stream-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  const app = await startClicklake(parseConfig({ port: 0, dataDir, adminToken: TOKEN, log: { level: 'silent' } }), {
    logger: pino({ level: 'silent' }),
  });
  t.after(() => app.stop());

  const unauthorized = await fetch(`${app.url}/api/realtime/stream?site=live`);
  assert.equal(unauthorized.status, 401);

  const stream = await openStream(`${app.url}/api/realtime/stream?site=live`);
  await stream.waitFor((m) => m.event === 'ready', 5000, 'ready message');

  const latencies: number[] = [];
  for (let i = 0; i < 3; i++) {
    const id = crypto.randomUUID();
    const event = {
      event_id: id, type: 'custom', name: `live-${i}`, site_id: 'live', anonymous_id: 'a1', session_id: 's1',
      url: 'https://shop.example/checkout?x=1', title: '<script>alert(1)</script>', props: { i },
    };
    const res = await fetch(`${app.url}/collect`, { method: 'POST', headers: browser, body: JSON.stringify([event]) });
    const ackedAt = performance.now();
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { accepted: 1, rejected: [] });
    const got = await stream.waitFor((m) => m.event === 'event' && m.id === id, 3000, `event ${id}`);
    latencies.push(got.at - ackedAt);
    const payload = JSON.parse(got.data!);
    assert.deepEqual([payload.type, payload.name, payload.page], ['custom', `live-${i}`, '/checkout']);
  }
  // Another site's event never appears on this stream.
  await fetch(`${app.url}/collect`, { method: 'POST', headers: browser, body: JSON.stringify([{ type: 'page_view', url: 'https://x.example/', site_id: 'other' }]) });
  await sleep(700);
  assert.equal(stream.messages.filter((m) => m.event === 'event').length, 3);
  t.diagnostic(`ack -> stream latency ms: ${latencies.map((l) => l.toFixed(0)).join(', ')}`);
  for (const latency of latencies) assert.ok(latency < 1000, `latency ${latency.toFixed(0)} ms`);

  // While a client listens, the site's poller queries the engine; after it leaves, nothing does.
  const before = await queryCount(app.url);
  await sleep(800);
  assert.ok((await queryCount(app.url)) > before, 'the poller runs while a client listens');
  await stream.close();
  await sleep(600);
  const settled = await queryCount(app.url);
  await sleep(1200);
  assert.equal(await queryCount(app.url), settled, 'no poll after the client disconnected');

  // CSV download of the SQL console.
  const csv = await fetch(`${app.url}/api/query?format=csv`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ sql: "SELECT event_name, page_title FROM events WHERE site_id = 'live' ORDER BY event_name" }),
  });
  assert.equal(csv.status, 200);
  assert.match(csv.headers.get('content-type') ?? '', /^text\/csv/);
  assert.equal(csv.headers.get('x-clicklake-truncated'), 'false');
  assert.equal(await csv.text(), 'event_name,page_title\r\nlive-0,<script>alert(1)</script>\r\nlive-1,<script>alert(1)</script>\r\nlive-2,<script>alert(1)</script>\r\n');
  const viaBody = await fetch(`${app.url}/api/query`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 1 AS one', format: 'csv' }),
  });
  assert.equal(await viaBody.text(), 'one\r\n1\r\n');
  const badFormat = await fetch(`${app.url}/api/query?format=xml`, {
    method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ sql: 'SELECT 1' }),
  });
  assert.equal(badFormat.status, 400);

  // A stream still open at shutdown is closed by the server: stop() does not hang.
  const lingering = await openStream(`${app.url}/api/realtime/stream?site=live`);
  await lingering.waitFor((m) => m.event === 'ready', 5000, 'ready message');
  const started = performance.now();
  await app.stop();
  assert.ok(performance.now() - started < 10_000, 'stop() finished with a stream open');
  await lingering.close();
});
