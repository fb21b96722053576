import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateVisitors, prng, SYNTHETIC_SITE, type SyntheticOptions } from './visitors.js';

const NOW = Date.UTC(2026, 10, 27, 12);
const base: SyntheticOptions = { visitors: 400, seed: 42, now: NOW, days: 7, origin: 'http://localhost:8080' };
type Ev = Record<string, any>;

describe('generateVisitors', () => {
  const visitors = generateVisitors(base);
  const events = visitors.flatMap((v) => v.events) as Ev[];

  it('is deterministic for a seed and differs between seeds', () => {
    assert.deepEqual(generateVisitors({ ...base, visitors: 20 }), generateVisitors({ ...base, visitors: 20 }));
    assert.notDeepEqual(generateVisitors({ ...base, visitors: 20 }), generateVisitors({ ...base, visitors: 20, seed: 43 }));
    const r = prng(1);
    const xs = Array.from({ length: 1000 }, r);
    assert.ok(xs.every((x) => x >= 0 && x < 1));
  });

  it('uses its own site id, unique UUIDs and seq 1..n per visitor', () => {
    assert.equal(visitors.length, 400);
    assert.ok(events.every((e) => e.site_id === SYNTHETIC_SITE));
    assert.equal(new Set(events.map((e) => e.event_id)).size, events.length);
    assert.ok(events.every((e) => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(e.event_id)));
    for (const v of visitors) {
      assert.ok(v.events.length > 0);
      assert.deepEqual(v.events.map((e) => e.seq), v.events.map((_, i) => i + 1));
      assert.equal(new Set(v.events.map((e) => e.anonymous_id)).size, 1);
    }
  });

  it('places every event in the window, sent shortly after it happened', () => {
    const from = NOW - 7 * 86_400_000;
    for (const e of events) {
      assert.ok(e.ts > from && e.ts < NOW, `ts ${new Date(e.ts).toISOString()}`);
      assert.ok(e.sent_at >= e.ts && e.sent_at - e.ts < 5000);
    }
  });

  it('varies devices, languages, referrers and campaigns, with returning visitors and some bots', () => {
    assert.ok(new Set(visitors.map((v) => v.userAgent)).size >= 8);
    assert.ok(visitors.some((v) => /Googlebot/.test(v.userAgent)));
    assert.ok(new Set(events.map((e) => e.language)).size >= 6);
    const campaigns = new Set(events.map((e) => new URL(e.url).searchParams.get('utm_campaign')).filter(Boolean));
    assert.ok(campaigns.size >= 3, [...campaigns].join());
    const referrers = new Set(events.filter((e) => e.referrer && !e.referrer.includes('localhost')).map((e) => new URL(e.referrer).host));
    assert.ok(referrers.size >= 5, [...referrers].join());
    const sessionsPerVisitor = visitors.map((v) => new Set(v.events.map((e) => e.session_id)).size);
    assert.ok(sessionsPerVisitor.some((n) => n > 1), 'returning visitors');
  });

  it('walks a funnel with drop-off at every step', () => {
    const reached = (pred: (e: Ev) => boolean) => new Set(events.filter(pred).map((e) => e.anonymous_id)).size;
    const path = (p: RegExp) => (e: Ev) => e.type === 'page_view' && p.test(new URL(e.url).pathname);
    const steps = [
      reached(path(/^\/demo\//)),
      reached(path(/^\/demo\/products\/[a-z-]+$/)),
      reached((e) => e.name === 'add_to_cart'),
      reached(path(/^\/demo\/cart$/)),
      reached(path(/^\/demo\/checkout$/)),
      reached((e) => e.name === 'purchase'),
    ];
    for (let i = 1; i < steps.length; i++) assert.ok(steps[i] < steps[i - 1], `step ${i}: ${steps.join(' > ')}`);
    assert.ok(steps[steps.length - 1] > 0, 'someone buys');
    for (const e of events.filter((x) => x.name === 'purchase')) assert.ok(e.props.value > 0 && e.props.currency === 'EUR');
  });

  it('clicks the elements of the real demo shop', () => {
    const selectors = new Set(events.filter((e) => e.element).map((e) => e.element.selector));
    for (const s of ['a#hero-cta', 'button#add-to-cart', 'a#cart-link', 'a#checkout', 'button#place-order', 'form#checkout-form']) {
      assert.ok(selectors.has(s), s);
    }
    assert.ok(events.some((e) => e.type === 'outbound' && e.element.href === 'https://example.com/lake-safety'));
    assert.ok(events.some((e) => e.type === 'scroll' && e.scroll_depth === 100));
  });
});
