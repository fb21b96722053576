import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { boundedText } from './dead-letters.js';
import { createSeqGapTracker } from './seq-gaps.js';

async function value(registry: Registry, name: string): Promise<number> {
  return (await registry.getSingleMetric(name)!.get()).values.reduce((n, v) => n + v.value, 0);
}

test('seq gaps: counted per (site, device) as events arrive; late retries are not subtracted (approximate)', async () => {
  const registry = new Registry();
  const gaps = createSeqGapTracker(registry, 2);
  const ev = (anon: string, seq: number, site = 'shop') => ({ type: 'click', site_id: site, anonymous_id: anon, seq });
  for (const e of [ev('a', 1), ev('a', 2), ev('a', 5), ev('b', 10), ev('b', 11), ev('a', 6)]) gaps.observe(e);
  assert.equal(await value(registry, 'clicklake_collector_seq_gaps_total'), 2, 'a: 3 and 4 missing');
  gaps.observe(ev('a', 3)); // a late retry: already counted as missing, not undone
  gaps.observe(ev('a', 7));
  assert.equal(await value(registry, 'clicklake_collector_seq_gaps_total'), 2);
  gaps.observe(ev('a', 1, 'blog')); // another site: another device key; evicts the least recently seen (b)
  assert.equal(gaps.size(), 2);
  gaps.observe(ev('b', 20)); // b was forgotten: starts over, no gap counted
  assert.equal(await value(registry, 'clicklake_collector_seq_gaps_total'), 2);
  gaps.observe({ type: 'queue_overflow', anonymous_id: 'c', seq: 1, props: { dropped: 5 } });
  gaps.observe({ type: 'queue_overflow', props: { dropped: 'many' } });
  gaps.observe({ anonymous_id: 'd' }); // no seq: ignored
  assert.equal(await value(registry, 'clicklake_collector_tracker_dropped_total'), 5);
});

test('boundedText cuts on a UTF-8 character boundary', () => {
  const bytes = Buffer.from('ab€€', 'utf8'); // 2 + 3 + 3 bytes
  assert.deepEqual(boundedText(bytes, 8), { text: 'ab€€', truncated: false });
  assert.deepEqual(boundedText(bytes, 7), { text: 'ab€', truncated: true });
  assert.deepEqual(boundedText(bytes, 5), { text: 'ab€', truncated: true });
  assert.deepEqual(boundedText(bytes, 4), { text: 'ab', truncated: true });
  assert.deepEqual(boundedText(Buffer.from([0xff, 0x41]), 10), { text: '\ufffdA', truncated: false });
});
