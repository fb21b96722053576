/**
 * Per-event cost of the native protocol's normalizeEvent (not a test; run by hand):
 *   node dist/bench/collector/normalize.bench.js [events]
 * Typical tracker events (page views, clicks, custom with props), all valid.
 */
import { createNormalizeContext, normalizeEvent } from '../../src/collector/protocols/native/index.js';

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

/** Microseconds of CPU (user + system) per item while running f over n items. */
function cpuPerItem(n: number, f: (i: number) => number): number {
  const c0 = process.cpuUsage();
  let sink = 0;
  for (let i = 0; i < n; i++) sink += f(i);
  const cpu = process.cpuUsage(c0);
  if (sink === -1) console.log(sink);
  return (cpu.user + cpu.system) / n;
}

function main(): void {
  const n = Number(process.argv[2] ?? 100_000);
  const now = Date.now();
  const texts = typicalEvents(n, now).map((e) => JSON.stringify(e));
  const events = texts.map((t) => JSON.parse(t) as unknown); // shaped as they arrive: made by JSON.parse
  const input = {
    receivedAt: now,
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    origin: 'https://shop.example.com',
    newId: () => '00000000-0000-4000-8000-000000000000',
    limits: { maxBodyBytes: 1 << 20, maxEventsPerRequest: 500, maxEventBytes: 32 * 1024, maxClockSkewMs: 7 * 86_400_000 },
    sites: { shop: { allowedOrigins: ['https://shop.example.com'] } },
  };
  // plain: what the plugin passes for a body without escapes (isPlainJson), as these events are; checked: every
  // row's strings are scanned (bodies with escapes, or callers that do not know).
  const plain = createNormalizeContext({ ...input, plain: true });
  const checked = createNormalizeContext(input);
  const avgChars = texts.reduce((a, t) => a + t.length, 0) / n;
  console.log(`${n} typical events, ${avgChars.toFixed(0)} JSON chars each on average; CPU us per event (best of rounds):`);
  // The baseline is what a bare server does per event: JSON.parse of the event's text. Rounds alternate the two,
  // so a busy machine slows both alike; the ratio is the number to compare across machines.
  const run = (ctx: typeof plain, bytes: boolean) => (i: number) => {
    const r = normalizeEvent(events[i], ctx);
    if (!('row' in r)) throw new Error(`unexpected rejection: ${r.message}`);
    // The row is a concatenation (a rope); counting its bytes flattens it, as the buffer will when it writes it.
    return bytes ? Buffer.byteLength(r.row, 'utf8') : r.row.length;
  };
  const best = { parse: Infinity, plain: Infinity, checked: Infinity, flat: Infinity };
  for (let round = 0; round < 7; round++) {
    best.parse = Math.min(best.parse, cpuPerItem(n, (i) => (JSON.parse(texts[i]) as unknown[]).length ?? 0));
    best.plain = Math.min(best.plain, cpuPerItem(n, run(plain, false)));
    best.checked = Math.min(best.checked, cpuPerItem(n, run(checked, false)));
    best.flat = Math.min(best.flat, cpuPerItem(n, run(plain, true)));
  }
  const ratio = (us: number) => `${us.toFixed(2)} us (${(us / best.parse).toFixed(2)}x JSON.parse)`;
  console.log(`  JSON.parse of the event:                    ${best.parse.toFixed(2)} us`);
  console.log(`  normalizeEvent, plain body:                 ${ratio(best.plain)}`);
  console.log(`  normalizeEvent, strings checked:            ${ratio(best.checked)}`);
  console.log(`  normalizeEvent, plain, + row byte length:   ${ratio(best.flat)}`);
}

if (process.argv[1]?.endsWith('normalize.bench.js')) main();
