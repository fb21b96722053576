/**
 * Per-event cost of the native protocol's normalizeEvent (not a test; run by hand):
 *   node dist/src/collector/bench/normalize.bench.js [events]
 * Typical tracker events (page views, clicks, custom with props), all valid.
 */
import { performance } from 'node:perf_hooks';
import { createNormalizeContext, normalizeEvent } from '../protocols/native/index.js';

export function typicalEvents(n: number, now: number): unknown[] {
  const out: unknown[] = [];
  for (let i = 0; i < n; i++) {
    const base = {
      event_id: `0190a4c2-7b1e-7cc0-9f1a-${String(100000000000 + i).slice(-12)}`,
      ts: new Date(now - 1000).toISOString(),
      sent_at: now - 500,
      site_id: 'shop',
      anonymous_id: 'a7f3c9e1-2b4d-4e8f-9a1c-3d5e7f9b1c2d',
      session_id: 's-1732700000000-ab12cd',
      seq: i,
      url: `https://shop.example.com/products/item-${i % 50}?utm_source=newsletter&utm_medium=email`,
      referrer: 'https://www.google.com/',
      title: 'Product page - Example Shop',
      viewport: { w: 1440, h: 900 },
      screen: { w: 2560, h: 1440 },
      language: 'en-GB',
      timezone: 'Europe/London',
    };
    const kind = i % 4;
    if (kind === 0) out.push({ ...base, type: 'page_view' });
    else if (kind === 1) {
      out.push({
        ...base,
        type: 'click',
        element: { tag: 'A', id: 'buy', classes: ['btn', 'btn-primary'], text: 'Add to basket', selector: 'main > div.product > a#buy', href: '/basket', x: 512, y: 733 },
      });
    } else if (kind === 2) out.push({ ...base, type: 'scroll', scroll_depth: 75 });
    else out.push({ ...base, type: 'custom', name: 'add_to_cart', props: { sku: 'SKU-123', price: 19.99, qty: 1, tags: ['sale', 'summer'] } });
  }
  return out;
}

function main(): void {
  const n = Number(process.argv[2] ?? 100_000);
  const now = Date.now();
  const events = typicalEvents(n, now);
  const ctx = createNormalizeContext({
    receivedAt: now,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    origin: 'https://shop.example.com',
    newId: () => '00000000-0000-4000-8000-000000000000',
    limits: { maxBodyBytes: 1 << 20, maxEventsPerRequest: 500, maxEventBytes: 32 * 1024, maxClockSkewMs: 7 * 86_400_000 },
    sites: { shop: { allowedOrigins: ['https://shop.example.com'] } },
  });
  for (let round = 0; round < 5; round++) {
    let bytes = 0;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      const r = normalizeEvent(events[i], ctx);
      if (!('row' in r)) throw new Error(`unexpected rejection: ${r.message}`);
      bytes += r.row.length;
    }
    const ms = performance.now() - t0;
    console.log(`round ${round}: ${((ms * 1000) / n).toFixed(2)} us/event (${n} events, ${(bytes / n).toFixed(0)} chars/row)`);
  }
}

if (process.argv[1]?.endsWith("normalize.bench.js")) main();
