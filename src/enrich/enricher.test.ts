import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { configSchema } from '../core/config.js';
import type { RequestFacts } from '../core/ports.js';
import { loadUserIdKey, pseudonymizeUserId } from '../core/pseudonym.js';
import { NO_ENRICHMENT, type LakeRow } from '../core/schema.js';
import { createEnricher, type EnricherOptions } from './enricher.js';
import type { GeoLookup } from './geo.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const FIREFOX = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A fake geo database: records which IPs were looked up. */
function fakeGeo(seen: string[]): GeoLookup {
  return (ip) => {
    seen.push(ip);
    return { country: 'GB', region: 'England', city: 'London' };
  };
}

async function enricher(config: Record<string, unknown> = {}, geo: GeoLookup | null = null) {
  const dataDir = mkdtempSync(join(tmpdir(), 'clicklake-enricher-'));
  dirs.push(dataDir);
  const c = configSchema.parse(config);
  const opts: EnricherOptions = { collector: c.collector, enrichment: c.enrichment, privacy: c.privacy, dataDir, clock: () => NOW, geo };
  return { e: await createEnricher(opts), dataDir };
}

function facts(over: Partial<RequestFacts> = {}): RequestFacts {
  return { peerAddress: '81.2.69.142', forwardedFor: undefined, userAgent: FIREFOX, headers: {}, receivedAt: NOW, ...over };
}

function row(over: Partial<LakeRow> = {}): LakeRow {
  return {
    event_id: '11111111-2222-4333-8444-555555555555', event_type: 'page_view', event_name: null,
    ts: '2026-11-27T09:59:59.000Z', client_ts: null, received_at: '2026-11-27T10:00:00.000Z', site_id: 'shop',
    anonymous_id: null, user_id: null, session_id: null, seq: null, page_url: null, page_host: null, page_path: null,
    page_title: null, referrer: null, element_tag: null, element_id: null, element_classes: null, element_text: null,
    element_selector: null, element_href: null, x: null, y: null, scroll_depth: null, viewport_w: null, viewport_h: null,
    screen_w: null, screen_h: null, language: null, timezone: null, user_agent: FIREFOX, properties: '{}',
    ...NO_ENRICHMENT, ...over,
  };
}

describe('enricher', () => {
  it('fills every column of a browser page view', async () => {
    const seen: string[] = [];
    const { e, dataDir } = await enricher({}, fakeGeo(seen));
    const r = row({
      page_url: 'https://shop.example/p/1?utm_source=newsletter&utm_medium=email&utm_campaign=bf&token=secret',
      page_host: 'shop.example',
      referrer: 'https://mail.google.com/mail/u/0/?code=abc',
      element_href: 'https://shop.example/reset?token=t2',
    });
    const req = e.forRequest(facts());
    assert.equal(req.dropBotReason, null);
    req.enrichRow(r, Date.parse(r.ts), null);
    assert.deepEqual(seen, ['81.2.69.142']);
    assert.equal(r.page_url, 'https://shop.example/p/1?utm_source=newsletter&utm_medium=email&utm_campaign=bf');
    assert.equal(r.referrer, 'https://mail.google.com/mail/u/0/');
    assert.equal(r.element_href, 'https://shop.example/reset');
    assert.deepEqual(
      [r.browser, r.browser_version, r.os, r.os_version, r.device_type, r.is_bot, r.bot_reason],
      ['Firefox', '133.0', 'Windows', '10', 'desktop', false, null],
    );
    assert.deepEqual([r.country, r.region, r.city, r.ip], ['GB', 'England', 'London', null]);
    assert.deepEqual([r.referrer_host, r.channel, r.utm_source, r.utm_medium, r.utm_campaign], ['mail.google.com', 'email', 'newsletter', 'email', 'bf']);
    assert.match(r.anonymous_id!, /^[0-9a-f]{32}$/, 'cookieless id');
    assert.deepEqual(readdirSync(join(dataDir, 'secrets', 'salts')), ['2026-11-27']);
    assert.equal(r.ts, '2026-11-27T09:59:59.000Z', 'no sent_at: ts untouched');
    assert.ok(!JSON.stringify(r).includes('81.2.69.142'), 'the raw IP is nowhere in the row');
  });

  it('privacy.ip truncate keeps /24; a sent anonymous_id is kept; cookieless off leaves it null', async () => {
    const { e } = await enricher({ privacy: { ip: 'truncate', cookielessIds: false } });
    const req = e.forRequest(facts());
    const a = row({ anonymous_id: 'device-1' });
    const b = row();
    req.enrichRow(a, null, null);
    req.enrichRow(b, null, null);
    assert.equal(a.ip, '81.2.69.0');
    assert.equal(a.anonymous_id, 'device-1');
    assert.equal(b.anonymous_id, null);
  });

  it('cookieless ids differ per IP and site, match within a day', async () => {
    const { e } = await enricher();
    const id = (peer: string, site: string) => {
      const r = row({ site_id: site });
      e.forRequest(facts({ peerAddress: peer })).enrichRow(r, null, null);
      return r.anonymous_id;
    };
    assert.equal(id('81.2.69.142', 'shop'), id('81.2.69.142', 'shop'));
    assert.notEqual(id('81.2.69.142', 'shop'), id('81.2.69.143', 'shop'));
    assert.notEqual(id('81.2.69.142', 'shop'), id('81.2.69.142', 'blog'));
  });

  it('X-Forwarded-For only from trusted proxies', async () => {
    const seen: string[] = [];
    const { e } = await enricher({ collector: { trustedProxies: ['127.0.0.1'] }, privacy: { ip: 'truncate' } }, fakeGeo(seen));
    const viaProxy = row();
    e.forRequest(facts({ peerAddress: '::ffff:127.0.0.1', forwardedFor: '8.8.8.8' })).enrichRow(viaProxy, null, null);
    const direct = row();
    e.forRequest(facts({ peerAddress: '1.1.1.1', forwardedFor: '8.8.8.8' })).enrichRow(direct, null, null);
    assert.equal(viaProxy.ip, '8.8.8.0');
    assert.equal(direct.ip, '1.1.1.0');
    assert.deepEqual(seen, ['8.8.8.8', '1.1.1.1']);
  });

  it('bots: dropped by default with a reason, kept with is_bot when collector.bots = keep', async () => {
    const { e } = await enricher();
    assert.equal(e.forRequest(facts({ userAgent: 'curl/8.5.0' })).dropBotReason, 'curl');
    assert.equal(e.forRequest(facts({ userAgent: null })).dropBotReason, 'no-user-agent');
    const { e: keep } = await enricher({ collector: { bots: 'keep' } });
    const req = keep.forRequest(facts({ userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' }));
    assert.equal(req.dropBotReason, null);
    const r = row();
    req.enrichRow(r, null, null);
    assert.deepEqual([r.is_bot, r.bot_reason, r.device_type], [true, 'googlebot', 'bot']);
  });

  it('bot reason labels are bounded', async () => {
    const { e } = await enricher();
    const labels = new Set<string>();
    for (let i = 0; i < 150; i++) labels.add(e.forRequest(facts({ userAgent: `Mozilla/5.0 (compatible; Crawler${i}bot/1.0)` })).dropBotReason!);
    assert.ok(labels.size <= 101, String(labels.size));
    assert.ok(labels.has('other'));
  });

  it('pseudonymizes user_id with the data dir key (same as core/pseudonym)', async () => {
    const { e, dataDir } = await enricher({ privacy: { pseudonymizeUserId: true } });
    const r = row({ user_id: 'user@example.com' });
    e.forRequest(facts()).enrichRow(r, null, null);
    assert.equal(r.user_id, pseudonymizeUserId(await loadUserIdKey(dataDir), 'user@example.com'));
    const { e: plain } = await enricher();
    const p = row({ user_id: 'user@example.com' });
    plain.forRequest(facts()).enrichRow(p, null, null);
    assert.equal(p.user_id, 'user@example.com');
  });

  it('corrects device clock skew, keeping the device time in client_ts', async () => {
    const { e } = await enricher();
    const device = Date.parse('2026-11-27T08:59:50.000Z'); // the device clock is 1 h behind
    const r = row({ ts: '2026-11-27T08:59:50.000Z', client_ts: null });
    e.forRequest(facts()).enrichRow(r, device, Date.parse('2026-11-27T09:00:00.000Z'));
    assert.equal(r.ts, '2026-11-27T09:59:50.000Z');
    assert.equal(r.client_ts, '2026-11-27T08:59:50.000Z');
  });
});
