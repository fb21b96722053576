import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { collectorPlugin } from '../collector/index.js';
import { parseConfig } from '../core/config.js';
import { replayVisitors } from './replay.js';
import { generateVisitors } from './visitors.js';

describe('replayVisitors', () => {
  it('sends every synthetic event to a real collector, each visitor with its user agent, none rejected', async (t) => {
    const rows: Record<string, any>[] = [];
    const app = Fastify();
    await app.register(collectorPlugin, {
      buffer: { append: async (batch: string[]) => void rows.push(...batch.map((r) => JSON.parse(r))) },
      collector: parseConfig({}).collector,
      sites: {},
    });
    const url = await app.listen({ port: 0, host: '127.0.0.1' });
    t.after(() => app.close());

    const visitors = generateVisitors({ visitors: 150, seed: 7, now: Date.now(), days: 7, origin: 'http://localhost:8080' });
    const total = visitors.reduce((n, v) => n + v.events.length, 0);
    const result = await replayVisitors(url, visitors, { concurrency: 4 });
    assert.deepEqual(result, { visitors: 150, events: total, accepted: total, rejected: 0, failed: 0 });
    assert.equal(rows.length, total);
    const byVisitor = new Map(visitors.map((v) => [v.events[0].anonymous_id, v.userAgent]));
    for (const r of rows) assert.equal(r.user_agent, byVisitor.get(r.anonymous_id));
    // The device times arrive as generated (the device time of a row is coalesce(client_ts, ts)).
    const sentTs = new Map(visitors.flatMap((v) => v.events.map((e) => [e.event_id, e.ts])));
    for (const r of rows) assert.equal(Date.parse(r.client_ts ?? r.ts), sentTs.get(r.event_id));
  });

  it('retries 503 after Retry-After and network errors, and gives up on other 4xx', async () => {
    const visitors = [{ userAgent: 'ua', events: [{ type: 'page_view' }] }];
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const answers: (Response | Error)[] = [
      new Response('{"error":{"code":"CLK_ERR_BUFFER_FULL","message":"full"}}', { status: 503, headers: { 'retry-after': '3' } }),
      new Error('ECONNRESET'),
      new Response('{"accepted":1,"rejected":[]}', { status: 200 }),
    ];
    const fetchFake = (async () => {
      const a = answers.shift()!;
      if (a instanceof Error) throw a;
      return a;
    }) as unknown as typeof fetch;
    const ok = await replayVisitors('http://127.0.0.1:1', visitors, { fetch: fetchFake, sleep });
    assert.deepEqual([ok.accepted, ok.failed], [1, 0]);
    assert.deepEqual(waits, [3000, 2000]);

    const refused = await replayVisitors('http://127.0.0.1:1', visitors, {
      fetch: (async () => new Response('{"error":{"code":"CLK_ERR_BAD_BODY","message":"no"}}', { status: 400 })) as unknown as typeof fetch,
      sleep,
    });
    assert.equal(refused.failed, 1);
    assert.equal(refused.firstError, '400 CLK_ERR_BAD_BODY: no');
  });
});
