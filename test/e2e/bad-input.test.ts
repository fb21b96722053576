// Bad input over a real socket: each gets its documented 4xx code, the server stays healthy, and nothing from a bad
// request is stored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { spawnServer, tempDir, apiQuery, BROWSER_UA } from '../helpers/server.js';
import { makeEvent } from '../helpers/components.js';

interface Case {
  name: string;
  body: Uint8Array | string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** For 200 answers: the code of the (single) rejected event. */
  perEvent?: boolean;
}

function deepArray(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

const cases: Case[] = [
  { name: 'malformed JSON', body: '[{"type": "click",', status: 400, code: 'CLK_ERR_MALFORMED_JSON' },
  { name: 'not an array or {events}', body: '{"type":"click"}', status: 400, code: 'CLK_ERR_BAD_BODY' },
  { name: 'deeply nested body', body: deepArray(100_000), status: 200, code: 'CLK_ERR_EVENT_INVALID', perEvent: true },
  { name: 'deeply nested object body', body: '{"events":' + deepArray(100_000) + '}', status: 200, code: 'CLK_ERR_EVENT_INVALID', perEvent: true },
  { name: 'bad gzip', body: Buffer.from('not gzip at all'), headers: { 'content-encoding': 'gzip' }, status: 400, code: 'CLK_ERR_BAD_ENCODING' },
  { name: 'invalid UTF-8', body: Buffer.from([0x5b, 0x7b, 0x22, 0x74, 0x79, 0x70, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d, 0x5d]), status: 400, code: 'CLK_ERR_BAD_ENCODING' },
  { name: 'oversize body', body: JSON.stringify([makeEvent({ props: { pad: 'x'.repeat(1100 * 1024) } })]), status: 413, code: 'CLK_ERR_BODY_TOO_LARGE' },
  { name: 'gzip bomb', body: gzipSync(Buffer.from('[' + ' '.repeat(5 * 1024 * 1024) + ']')), headers: { 'content-encoding': 'gzip' }, status: 413, code: 'CLK_ERR_BODY_TOO_LARGE' },
  { name: 'too many events', body: JSON.stringify(Array.from({ length: 501 }, () => ({ type: 'click' }))), status: 413, code: 'CLK_ERR_TOO_MANY_EVENTS' },
  { name: 'unsupported content type', body: '[]', headers: { 'content-type': 'application/xml' }, status: 415, code: 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE' },
  { name: 'wrong types', body: JSON.stringify([makeEvent({ type: 42 })]), status: 200, code: 'CLK_ERR_EVENT_INVALID', perEvent: true },
  { name: 'wrong nested type', body: JSON.stringify([makeEvent({ element: { x: 'left' } })]), status: 200, code: 'CLK_ERR_EVENT_INVALID', perEvent: true },
  { name: 'oversize props', body: JSON.stringify([makeEvent({ props: { pad: 'x'.repeat(40 * 1024) } })]), status: 200, code: 'CLK_ERR_EVENT_INVALID', perEvent: true },
  // Every field within its own bound, the whole event over 32 KiB.
  { name: 'oversize event', body: JSON.stringify([makeEvent({
    props: { pad: 'x'.repeat(15 * 1024) },
    url: 'https://shop.example/' + 'u'.repeat(4000),
    referrer: 'https://ref.example/' + 'r'.repeat(4000),
    title: '€'.repeat(1000),
    element: { tag: 'a', text: '€'.repeat(1000), href: 'https://x.example/' + 'h'.repeat(4000) },
  })]), status: 200, code: 'CLK_ERR_EVENT_TOO_LARGE', perEvent: true },
  { name: 'deep nesting in props', body: JSON.stringify([makeEvent({ props: JSON.parse('{"a":'.repeat(50) + '1' + '}'.repeat(50)) })]), status: 200, code: 'CLK_ERR_EVENT_INVALID', perEvent: true },
];

test('bad input gets documented codes, stores nothing, and the server stays healthy', async (t) => {
  const tmp = tempDir('bad');
  t.after(() => tmp.cleanup());
  const server = await spawnServer(join(tmp.path, 'data'));
  t.after(async () => {
    if (server.proc.exitCode === null) await server.kill9();
  });

  for (const c of cases) {
    const res = await fetch(`${server.url}/collect`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...c.headers },
      body: typeof c.body === "string" ? c.body : new Blob([c.body as Uint8Array<ArrayBuffer>]),
    });
    const body = (await res.json()) as { error?: { code: string; message: string }; accepted?: number; rejected?: { code: string }[] };
    assert.equal(res.status, c.status, `${c.name}: status (${JSON.stringify(body).slice(0, 200)})`);
    if (c.perEvent) {
      assert.equal(body.accepted, 0, c.name);
      assert.equal(body.rejected?.[0]?.code, c.code, c.name);
    } else {
      assert.equal(body.error?.code, c.code, c.name);
      assert.equal(typeof body.error?.message, 'string', c.name);
      assert.ok(!/\n\s+at /.test(body.error!.message), `${c.name}: no stack trace`);
    }
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200, `${c.name}: still healthy`);
  }

  assert.deepEqual(await apiQuery(server.url, 'SELECT count(*) AS n FROM events'), [{ n: 0 }], 'nothing stored');
  const good = await fetch(`${server.url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'user-agent': BROWSER_UA },
    body: new Blob([gzipSync(JSON.stringify({ events: [makeEvent()] }))]),
  });
  assert.equal(good.status, 200);
  assert.deepEqual(await apiQuery(server.url, 'SELECT count(*) AS n FROM events'), [{ n: 1 }]);
});
