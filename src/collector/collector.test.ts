import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { parseConfig } from '../core/config.js';
import { ClicklakeError } from '../core/errors.js';
import type { LakeRow } from '../core/schema.js';
import { collectorPlugin } from './index.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

/** Records appended rows; `next` (when set) decides how the next append settles. */
class FakeBuffer {
  rows: string[] = [];
  calls = 0;
  next: (() => Promise<void>) | null = null;
  async append(payloads: readonly string[]): Promise<void> {
    this.calls++;
    const settle = this.next;
    this.next = null;
    if (settle !== null) await settle();
    this.rows.push(...payloads);
  }
  parsed(): LakeRow[] {
    return this.rows.map((r) => JSON.parse(r) as LakeRow);
  }
}

async function setup(config: Parameters<typeof parseConfig>[0] = {}) {
  const cfg = parseConfig(config);
  const buffer = new FakeBuffer();
  const registry = new Registry();
  const app: FastifyInstance = Fastify();
  let n = 0;
  await app.register(collectorPlugin, {
    buffer,
    collector: cfg.collector,
    sites: cfg.sites,
    clock: () => NOW,
    newId: () => `00000000-0000-4000-8000-${String(n++).padStart(12, '0')}`,
    registry,
  });
  // A sibling route proves the collector's parsers do not leak out of its context.
  app.post('/other', async (request) => ({ body: request.body }));
  await app.ready();
  return { app, buffer, registry };
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/collect',
  headers: { 'content-type': 'application/json', ...headers },
  payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
});

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getSingleMetric(name)?.get())?.values ?? [];
  const v = m.find((x) => Object.entries(labels).every(([k, l]) => (x.labels as Record<string, unknown>)[k] === l));
  return v?.value ?? 0;
}

describe('POST /collect', () => {
  it('accepts a partly bad batch: valid events appended, bad ones listed', async () => {
    const { app, buffer } = await setup();
    const res = await app.inject(json([{ type: 'page_view', url: 'https://a.example/x' }, { type: 7 }, { type: 'click', seq: -1 }, { type: 'click' }]));
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.accepted, 2);
    assert.deepEqual(body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[1, 'CLK_ERR_EVENT_INVALID'], [2, 'CLK_ERR_EVENT_INVALID']]);
    assert.match(body.rejected[1].message, /^seq:/);
    assert.deepEqual(buffer.parsed().map((r) => r.event_type), ['page_view', 'click']);
    assert.equal(buffer.parsed()[0].page_path, '/x');
    assert.equal(buffer.calls, 1);
  });

  it('answers other methods on /collect with 405 and Allow, appending nothing', async () => {
    const { app, buffer } = await setup();
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: '/collect' });
      assert.equal(res.statusCode, 405, method);
      assert.equal(res.headers.allow, 'POST, OPTIONS');
      assert.equal(res.json().error.code, 'CLK_ERR_METHOD_NOT_ALLOWED');
    }
    assert.equal(buffer.calls, 0);
  });

  it('answers 200 with accepted 0 when every event is invalid, appending nothing', async () => {
    const { app, buffer } = await setup();
    const res = await app.inject(json([{ nope: 1 }]));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().accepted, 0);
    assert.equal(res.json().rejected.length, 1);
    assert.equal(buffer.calls, 0);
  });

  it('acknowledges only after append resolved', async () => {
    const { app, buffer } = await setup();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    buffer.next = () => gate;
    let answered = false;
    const pending = app.inject(json([{ type: 'click' }])).then((r) => ((answered = true), r));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answered, false, 'answered before the buffer was durable');
    release();
    assert.equal((await pending).statusCode, 200);
    assert.equal(buffer.rows.length, 1);
  });

  it('answers 503 + Retry-After when append rejects, acknowledging nothing', async () => {
    const { app, buffer, registry } = await setup();
    buffer.next = () => Promise.reject(new ClicklakeError('CLK_ERR_BUFFER_FULL', 'spool full at /secret/path', { retryAfter: 7 }));
    const res = await app.inject(json([{ type: 'click' }, { type: 'click' }], { origin: 'https://a.example' }));
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers['retry-after'], '7');
    assert.equal(res.headers['access-control-allow-origin'], 'https://a.example');
    assert.equal(res.json().error.code, 'CLK_ERR_BUFFER_FULL');
    assert.doesNotMatch(res.body, /secret/);
    assert.equal(buffer.rows.length, 0);
    assert.equal(await metric(registry, 'clicklake_collector_events_rejected_total', { code: 'CLK_ERR_BUFFER_FULL' }), 2);
  });

  it('answers 503 with a default Retry-After when append throws something unexpected', async () => {
    const { app, buffer } = await setup();
    buffer.next = () => Promise.reject(new Error('EIO'));
    const res = await app.inject(json([{ type: 'click' }]));
    assert.equal(res.statusCode, 503);
    assert.equal(res.json().error.code, 'CLK_ERR_BUFFER_UNAVAILABLE');
    assert.equal(res.headers['retry-after'], '5');
  });

  it('accepts gzip, text/plain with a charset, and the {"events": [...]} form', async () => {
    const { app, buffer } = await setup();
    const gz = await app.inject(json(gzipSync(JSON.stringify([{ type: 'a' }])), { 'content-encoding': 'gzip' }));
    assert.equal(gz.json().accepted, 1);
    const text = await app.inject(json(JSON.stringify({ events: [{ type: 'b' }] }), { 'content-type': 'text/plain;charset=UTF-8' }));
    assert.equal(text.json().accepted, 1);
    assert.deepEqual(buffer.parsed().map((r) => r.event_type), ['a', 'b']);
  });

  it('stamps received_at, user_agent and server-made ids', async () => {
    const { app, buffer } = await setup();
    await app.inject(json([{ type: 'click' }], { 'user-agent': 'UA/1' }));
    const [r] = buffer.parsed();
    assert.equal(r.received_at, '2026-11-27T10:00:00.000Z');
    assert.equal(r.user_agent, 'UA/1');
    assert.equal(r.event_id, '00000000-0000-4000-8000-000000000000');
  });

  const refused: [string, ReturnType<typeof json>, number, string][] = [
    ['bad gzip', json('not gzip', { 'content-encoding': 'gzip' }), 400, 'CLK_ERR_BAD_ENCODING'],
    ['unsupported encoding', json('[]', { 'content-encoding': 'br' }), 415, 'CLK_ERR_UNSUPPORTED_ENCODING'],
    ['invalid UTF-8', json(Buffer.from([0x5b, 0x22, 0xff, 0x22, 0x5d])), 400, 'CLK_ERR_BAD_ENCODING'],
    ['malformed JSON', json('[{"type":'), 400, 'CLK_ERR_MALFORMED_JSON'],
    ['empty body', json(''), 400, 'CLK_ERR_MALFORMED_JSON'],
    ['not a batch', json({ type: 'click' }), 400, 'CLK_ERR_BAD_BODY'],
    ['empty batch', json([]), 400, 'CLK_ERR_BAD_BODY'],
    ['unsupported content type', json('[]', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['non-UTF-8 charset', json('[]', { 'content-type': 'text/plain; charset=latin1' }), 415, 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['oversize body', json(JSON.stringify([{ type: 'a', title: 'x'.repeat(1024 * 1024) }])), 413, 'CLK_ERR_BODY_TOO_LARGE'],
    ['oversize after gunzip', json(gzipSync(`[{"type":"a","title":"${'x'.repeat(2 * 1024 * 1024)}"}]`), { 'content-encoding': 'gzip' }), 413, 'CLK_ERR_BODY_TOO_LARGE'],
    ['too many events', json(Array.from({ length: 501 }, () => ({ type: 'a' }))), 413, 'CLK_ERR_TOO_MANY_EVENTS'],
  ];
  for (const [name, request, status, code] of refused) {
    it(`refuses ${name}: ${status} ${code}, nothing appended`, async () => {
      const { app, buffer } = await setup();
      const res = await app.inject(request);
      assert.equal(res.statusCode, status);
      assert.deepEqual(Object.keys(res.json()), ['error']);
      assert.equal(res.json().error.code, code);
      assert.equal(typeof res.json().error.message, 'string');
      assert.equal(buffer.calls, 0);
    });
  }

  it('refuses a body without a content type', async () => {
    const { app, buffer } = await setup();
    const res = await app.inject({ method: 'POST', url: '/collect', payload: Buffer.from('[{"type":"a"}]') });
    assert.equal(res.statusCode, 415);
    assert.equal(buffer.calls, 0);
  });

  it('rejects an oversize event and deep props per event', async () => {
    const { app, buffer } = await setup({ collector: { maxEventBytes: 2048 } });
    const res = await app.inject(json([{ type: 'a', title: 'x'.repeat(1000) }, { type: 'a', title: '\u20ac'.repeat(1000) }, { type: 'a', props: { a: { b: { c: { d: { e: { f: 1 } } } } } } }]));
    assert.deepEqual(res.json().rejected.map((r: { code: string }) => r.code), ['CLK_ERR_EVENT_TOO_LARGE', 'CLK_ERR_EVENT_INVALID']);
    assert.equal(res.json().accepted, 1);
    assert.equal(buffer.rows.length, 1);
  });

  it('keeps its content-type parsers inside its context', async () => {
    const { app } = await setup();
    const res = await app.inject({ method: 'POST', url: '/other', headers: { 'content-type': 'application/json' }, payload: '{"a":1}' });
    assert.deepEqual(res.json(), { body: { a: 1 } });
  });
});

describe('CORS', () => {
  const sites = { sites: { shop: { allowedOrigins: ['https://shop.example'] } } };

  it('answers the preflight', async () => {
    const { app } = await setup(sites);
    const res = await app.inject({ method: 'OPTIONS', url: '/collect', headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' } });
    assert.equal(res.statusCode, 204);
    assert.equal(res.headers['access-control-allow-origin'], 'https://shop.example');
    assert.equal(res.headers['access-control-allow-methods'], 'POST');
    assert.equal(res.headers['access-control-allow-headers'], 'Content-Type, Content-Encoding');
    assert.equal(res.headers['access-control-max-age'], '86400');
    assert.equal(res.headers.vary, 'Origin');
  });

  it('rejects events of a restricted site from another origin, keeps the rest', async () => {
    const { app, buffer } = await setup(sites);
    const events = [{ type: 'a', site_id: 'shop' }, { type: 'b', site_id: 'blog' }];
    const bad = await app.inject(json(events, { origin: 'https://evil.example' }));
    assert.equal(bad.statusCode, 200);
    assert.equal(bad.headers['access-control-allow-origin'], 'https://evil.example');
    assert.deepEqual(bad.json().rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[0, 'CLK_ERR_ORIGIN_NOT_ALLOWED']]);
    const good = await app.inject(json(events, { origin: 'https://shop.example' }));
    assert.equal(good.json().accepted, 2);
    assert.deepEqual(buffer.parsed().map((r) => r.site_id), ['blog', 'shop', 'blog']);
  });

  it('sends no ACAO without an Origin', async () => {
    const { app } = await setup();
    const res = await app.inject(json([{ type: 'a' }]));
    assert.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

describe('logging', () => {
  it('keeps per-request info lines out of the log, logs buffer failures as warnings', async () => {
    const lines: { level: number; msg: string }[] = [];
    const stream = { write: (s: string) => void lines.push(JSON.parse(s) as { level: number; msg: string }) };
    const cfg = parseConfig({});
    const buffer = new FakeBuffer();
    const app = Fastify({ logger: { level: 'info', stream } });
    await app.register(collectorPlugin, { buffer, collector: cfg.collector, sites: cfg.sites });
    await app.inject(json([{ type: 'a' }]));
    assert.equal(lines.length, 0);
    buffer.next = () => Promise.reject(new ClicklakeError('CLK_ERR_BUFFER_UNAVAILABLE', 'EIO', { retryAfter: 1 }));
    await app.inject(json([{ type: 'a' }]));
    assert.deepEqual(lines.map((l) => [l.level, l.msg]), [[40, 'collect request failed']]);
  });
});

describe('metrics', () => {
  it('counts requests, events received/accepted/rejected and durations', async () => {
    const { app, registry } = await setup();
    await app.inject(json([{ type: 'a' }, { type: 'b' }, { bad: true }]));
    await app.inject(json('[', {}));
    assert.equal(await metric(registry, 'clicklake_collector_requests_total', { status: '200' }), 1);
    assert.equal(await metric(registry, 'clicklake_collector_requests_total', { status: '400' }), 1);
    assert.equal(await metric(registry, 'clicklake_collector_events_received_total'), 3);
    assert.equal(await metric(registry, 'clicklake_collector_events_accepted_total'), 2);
    assert.equal(await metric(registry, 'clicklake_collector_events_rejected_total', { code: 'CLK_ERR_EVENT_INVALID' }), 1);
    const text = await registry.metrics();
    assert.match(text, /clicklake_collector_request_seconds_count 2/);
  });

  it('can be registered twice on one registry', async () => {
    const registry = new Registry();
    const cfg = parseConfig({});
    const app = Fastify();
    const opts = { buffer: new FakeBuffer(), collector: cfg.collector, sites: cfg.sites, registry };
    await app.register(collectorPlugin, { ...opts, prefix: '/a' });
    await app.register(collectorPlugin, { ...opts, prefix: '/b' });
    await app.ready();
    assert.equal((await app.inject({ ...json([{ type: 'a' }]), url: '/b/collect' })).statusCode, 200);
  });
});
