import { bodyPool } from './dist-enrich/bench/gen/client-events.js';
import { createNormalizeContext, normalizeEvent, parseBatch } from './dist-enrich/src/collector/protocols/native/index.js';
import { createEnricher } from './dist-enrich/src/enrich/index.js';
import { parseConfig } from './dist-enrich/src/core/config.js';
import { mkdtempSync } from 'node:fs';
const cfg = parseConfig({});
const pool = bodyPool({ size: 200, eventsPerBody: 20 });
const bodies = Array.from({ length: 200 }, () => pool.nextBuffer());
const en = await createEnricher({ collector: cfg.collector, enrichment: cfg.enrichment, privacy: cfg.privacy, dataDir: mkdtempSync('/tmp/enrich-mb-') });
const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
let k = 0;
const skewFree = process.argv[2] === 'fresh';
function run(withEnrich, n) {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const body = bodies[i % bodies.length];
    const { events, plain } = parseBatch(body, undefined, cfg.collector);
    const now = skewFree ? events[events.length-1].sent_at + 100 : Date.now();
    const ctx = createNormalizeContext({ receivedAt: now, userAgent: UA, origin: null, newId: () => '11111111-2222-4333-8444-555555555555', limits: cfg.collector, sites: {}, plain });
    if (withEnrich) ctx.enrichment = en.forRequest({ peerAddress: '81.2.69.142', forwardedFor: undefined, userAgent: ctx.userAgent, headers: {}, receivedAt: ctx.receivedAt });
    for (const e of events) { const r = normalizeEvent(e, ctx); if (!('row' in r)) throw new Error(r.message); k += r.row.length; }
  }
  return (performance.now() - t0) / n / 20 * 1000;
}
for (let rep = 0; rep < 4; rep++) console.log("plain", run(false, 3000).toFixed(2), "enriched", run(true, 3000).toFixed(2));
