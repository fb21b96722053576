import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { Registry } from 'prom-client';
import { parseConfig } from '../core/config.js';
import type { Enricher, RequestEnrichment, RequestFacts } from '../core/ports.js';
import type { LakeRow } from '../core/schema.js';
import { collectorPlugin } from './index.js';

// The collector's side of the Enricher port, with a fake enricher (the real one is src/enrich, tested there and
// end to end in test/e2e/privacy-ip.test.ts): what facts it is given, that rows pass through it before they are
// encoded, and how dropped bots are answered and counted.

const NOW = Date.parse('2026-11-27T10:00:00.000Z');

class FakeEnricher implements Enricher {
  facts: RequestFacts[] = [];
  calls: { clientTs: number | null; sentAt: number | null }[] = [];
  constructor(private readonly bot: string | null) {}
  forRequest(facts: RequestFacts): RequestEnrichment {
    this.facts.push(facts);
    const calls = this.calls;
    return {
      dropBotReason: this.bot,
      enrichRow(row: LakeRow, clientTs: number | null, sentAt: number | null) {
        calls.push({ clientTs, sentAt });
        row.country = 'GB';
        row.browser = 'Quote"Browser\\'; // enrichment strings are escaped by the encoder
        row.page_url = row.page_url === null ? null : row.page_url.replace('?token=x', '');
      },
    };
  }
}

async function setup(enricher: Enricher) {
  const cfg = parseConfig({});
  const rows: string[] = [];
  const registry = new Registry();
  const app = Fastify();
  await app.register(collectorPlugin, {
    buffer: { append: async (p: readonly string[]) => void rows.push(...p) },
    collector: cfg.collector,
    sites: cfg.sites,
    clock: () => NOW,
    registry,
    enricher,
  });
  await app.ready();
  return { app, rows, registry };
}

const post = (events: unknown[], headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/collect',
  headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/5.0 Test', ...headers },
  payload: JSON.stringify(events),
});

describe('collector with an enricher', () => {
  it('passes request facts once per request and every row through enrichRow before encoding', async () => {
    const fake = new FakeEnricher(null);
    const { app, rows } = await setup(fake);
    const res = await app.inject({
      ...post(
        [
          { type: 'page_view', url: 'https://shop.example/?token=x', ts: NOW - 5000, sent_at: '2026-11-27T09:59:59.000Z' },
          { type: 'click' },
        ],
        { 'x-forwarded-for': '8.8.8.8', 'sec-ch-ua-platform': '"Windows"' },
      ),
      remoteAddress: '127.0.0.1',
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { accepted: 2, rejected: [] });
    assert.equal(fake.facts.length, 1);
    const f = fake.facts[0]!;
    assert.equal(f.peerAddress, '127.0.0.1');
    assert.equal(f.forwardedFor, '8.8.8.8');
    assert.equal(f.userAgent, 'Mozilla/5.0 Test');
    assert.equal(f.headers['sec-ch-ua-platform'], '"Windows"');
    assert.equal(f.receivedAt, NOW);
    assert.deepEqual(fake.calls, [
      { clientTs: NOW - 5000, sentAt: NOW - 1000 },
      { clientTs: null, sentAt: null },
    ]);
    const stored = rows.map((r) => JSON.parse(r) as LakeRow);
    assert.equal(stored[0]!.page_url, 'https://shop.example/');
    assert.equal(stored[0]!.country, 'GB');
    assert.equal(stored[0]!.browser, 'Quote"Browser\\');
  });

  it('answers a dropped bot like a stored batch, stores nothing, counts it per reason', async () => {
    const { app, rows, registry } = await setup(new FakeEnricher('googlebot'));
    const res = await app.inject(post([{ type: 'page_view' }, { type: 'click' }, { type: 'click', seq: -1 }]));
    assert.equal(res.statusCode, 200);
    const body = res.json() as { accepted: number; rejected: { index: number }[] };
    assert.equal(body.accepted, 2);
    assert.deepEqual(body.rejected.map((r) => r.index), [2], 'invalid events are still reported');
    assert.equal(rows.length, 0);
    const text = await registry.metrics();
    assert.match(text, /clicklake_collector_bots_total\{reason="googlebot"\} 2/);
    assert.match(text, /clicklake_collector_events_accepted_total 0/);
  });
});
