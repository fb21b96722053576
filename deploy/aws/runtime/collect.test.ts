import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { configSchema } from '../../../src/core/config.js';
import { requireComponent } from '../../../test/helpers/components.js';
import { dynamoAvailable, type LocalServer, startDynamo } from '../../../test/helpers/aws-servers.js';
import { collectEvent, createTable, dynamoClients, scanAll } from '../test/fixtures.js';
import { createEnricher } from '../../../src/enrich/index.js';
import { createCollectHandler } from './collect.js';
import { createDynamoSink, type RowSink } from './dynamo-sink.js';
import { partitionKey, shardOf, sliceOf } from './slices.js';

/**
 * The `collect` handler invoked with recorded API Gateway v2 payloads against a local DynamoDB (moto server): what
 * it stores, how it answers, and that it answers 200 only once DynamoDB holds the items.
 */
const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const SLICE_MS = 300_000;
const SHARDS = 4;
const defaults = configSchema.parse({});

function event(overrides: Record<string, unknown> = {}) {
  return {
    event_id: crypto.randomUUID(),
    type: 'page_view',
    ts: NOW - 1000,
    site_id: 'shop',
    url: 'https://shop.example/products/3?utm_source=news',
    title: 'Product 3',
    ...overrides,
  };
}

describe('collect handler against DynamoDB (moto)', () => {
  let server: LocalServer | null = null;
  let clients: ReturnType<typeof dynamoClients>;

  before(async () => {
    if (!dynamoAvailable()) return;
    server = await startDynamo();
    clients = dynamoClients(server.endpoint);
  });
  after(async () => {
    clients?.client.destroy();
    await server?.stop();
  });

  async function setup(sink?: RowSink, withEnricher = false) {
    const table = await createTable(clients.client);
    const enricher = withEnricher
      ? await createEnricher({
          collector: defaults.collector,
          enrichment: defaults.enrichment,
          privacy: { ...defaults.privacy, cookielessIds: false },
          dataDir: '/nonexistent-not-used',
          geo: null,
        })
      : undefined;
    const handler = createCollectHandler({
      ...(enricher ? { enricher } : {}),
      sink: sink ?? createDynamoSink({ doc: clients.doc, table, slices: { sliceMs: SLICE_MS, shards: SHARDS }, ttlDays: 7 }),
      collector: defaults.collector,
      sites: { shop: { allowedOrigins: ['https://shop.example'] } },
      clock: () => NOW,
    });
    return { table, handler };
  }

  it('stores each accepted event as one item keyed by slice#shard and event_id, with ttl', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const { table, handler } = await setup();
    const events = Array.from({ length: 30 }, () => event());
    const res = await handler(collectEvent(JSON.stringify(events)));
    assert.equal(res.statusCode, 200);
    assert.deepEqual(JSON.parse(res.body!), { accepted: 30, rejected: [] });
    const items = await scanAll(clients.doc, table);
    assert.equal(items.length, 30);
    const slice = sliceOf(NOW, SLICE_MS);
    for (const e of events) {
      const item = items.find((i) => i.sk === e.event_id);
      assert.ok(item, `item for ${e.event_id}`);
      assert.equal(item.pk, partitionKey(slice, shardOf(e.event_id, SHARDS), SLICE_MS));
      assert.equal(item.ttl, NOW / 1000 + 7 * 86_400);
      const row = JSON.parse(item.row as string);
      assert.equal(row.event_id, e.event_id);
      assert.equal(row.event_type, 'page_view');
      assert.equal(row.page_path, '/products/3');
      assert.equal(row.received_at, new Date(NOW).toISOString());
      assert.match(row.user_agent, /Chrome\/131/);
    }
    assert.ok(new Set(items.map((i) => i.pk)).size > 1, 'writes spread over several shards');
  });

  it('reads base64 gzip bodies (as API Gateway passes them)', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const { table, handler } = await setup();
    const body = gzipSync(Buffer.from(JSON.stringify({ events: [event(), event()] })));
    const res = await handler(collectEvent(body, { headers: { 'content-encoding': 'gzip', 'content-type': 'application/json' } }));
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body!).accepted, 2);
    assert.equal((await scanAll(clients.doc, table)).length, 2);
  });

  it('keeps valid events, lists rejected ones, and writes one item for an id repeated in a batch', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const { table, handler } = await setup();
    const dup = event();
    const res = await handler(collectEvent(JSON.stringify([dup, { type: '' }, { ...dup, title: 'resent' }, event({ site_id: 'other' })])));
    assert.equal(res.statusCode, 200);
    const answer = JSON.parse(res.body!);
    assert.equal(answer.accepted, 3);
    assert.deepEqual(answer.rejected.map((r: { index: number; code: string }) => [r.index, r.code]), [[1, 'CLK_ERR_EVENT_INVALID']]);
    const items = await scanAll(clients.doc, table);
    assert.equal(items.length, 2);
    assert.equal(JSON.parse(items.find((i) => i.sk === dup.event_id)!.row as string).page_title, 'Product 3');
  });

  it('runs the enricher (src/enrich) on each row: user agent, channel, UTM, URL redaction', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const { table, handler } = await setup(undefined, true);
    const e = event({ url: 'https://shop.example/p?utm_source=news&token=secret', referrer: 'https://www.google.com/' });
    const res = await handler(collectEvent(JSON.stringify([e])));
    assert.equal(res.statusCode, 200);
    const [item] = await scanAll(clients.doc, table);
    const row = JSON.parse(item!.row as string);
    assert.equal(row.browser, 'Chrome');
    assert.equal(row.os, 'Windows');
    assert.equal(row.device_type, 'desktop');
    assert.equal(row.utm_source, 'news');
    assert.equal(row.channel, 'organic_search');
    assert.doesNotMatch(row.page_url, /secret/);
  });

  it('drops the events of a detected bot (answered like stored ones)', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const { table, handler } = await setup(undefined, true);
    const res = await handler(collectEvent(JSON.stringify([event(), event()]), { headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' } }));
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body!).accepted, 2);
    assert.equal((await scanAll(clients.doc, table)).length, 0);
  });

  it('enforces the per-site origin policy of the config', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const { table, handler } = await setup();
    const res = await handler(collectEvent(JSON.stringify([event()]), { headers: { origin: 'https://evil.example' } }));
    assert.equal(res.statusCode, 200);
    assert.equal(JSON.parse(res.body!).rejected[0].code, 'CLK_ERR_ORIGIN_NOT_ALLOWED');
    assert.equal((await scanAll(clients.doc, table)).length, 0);
  });

  const refusals: [string, () => ReturnType<typeof collectEvent>, number, string][] = [
    ['malformed JSON', () => collectEvent('[{"type":'), 400, 'CLK_ERR_MALFORMED_JSON'],
    ['empty batch', () => collectEvent('[]'), 400, 'CLK_ERR_BAD_BODY'],
    ['too many events', () => collectEvent(JSON.stringify(Array.from({ length: 501 }, () => ({ type: 'x' })))), 413, 'CLK_ERR_TOO_MANY_EVENTS'],
    ['bad gzip', () => collectEvent(Buffer.from('nope'), { headers: { 'content-encoding': 'gzip' } }), 400, 'CLK_ERR_BAD_ENCODING'],
    ['unsupported media type', () => collectEvent('[]', { headers: { 'content-type': 'application/xml' } }), 415, 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['latin-1 charset', () => collectEvent('[]', { headers: { 'content-type': 'text/plain; charset=iso-8859-1' } }), 415, 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE'],
    ['GET', () => collectEvent('', { method: 'GET' }), 405, 'CLK_ERR_METHOD_NOT_ALLOWED'],
    ['other path', () => collectEvent('[]', { path: '/other' }), 404, 'CLK_ERR_NOT_FOUND'],
  ];
  for (const [name, make, status, code] of refusals) {
    it(`refuses ${name} with ${status} ${code} and writes nothing`, async (t) => {
      if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
      const { table, handler } = await setup();
      const res = await handler(make());
      assert.equal(res.statusCode, status);
      assert.equal(JSON.parse(res.body!).error.code, code);
      assert.equal((await scanAll(clients.doc, table)).length, 0);
    });
  }

  it('answers 503 with Retry-After when DynamoDB refuses the write (missing table)', async (t) => {
    if (!requireComponent(t, server !== null, 'moto DynamoDB server (.ci/aws-services.sh)')) return;
    const sink = createDynamoSink({ doc: clients.doc, table: 'no-such-table', slices: { sliceMs: SLICE_MS, shards: SHARDS }, ttlDays: 7 });
    const { handler } = await setup(sink);
    const res = await handler(collectEvent(JSON.stringify([event()])));
    assert.equal(res.statusCode, 503);
    assert.equal(res.headers?.['retry-after'], '5');
    assert.equal(JSON.parse(res.body!).error.code, 'CLK_ERR_BUFFER_UNAVAILABLE');
  });
});
