import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LakeRow } from '../../core/schema.js';
import { lakeRow } from '../../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../../test/helpers/stats-lake.js';
import { runRealtime } from './realtime.js';

/**
 * now = 10:00:05; the window is the 30 ten-second buckets 09:55:10 .. 10:00:10.
 * Received: v1 at now-10 s (bucket 28) and now-90 s (bucket 20), v2 at now-30 s (26), v3 at now-4 min (5),
 * v4 at now-6 min (outside). Another site at now-5 s. ts is deliberately old (a late offline delivery): realtime
 * goes by received_at.
 */
const NOW = Date.parse('2026-11-27T10:00:05Z');
let n = 0;
function got(visitor: string, agoMs: number, site = 'rt'): LakeRow {
  return lakeRow({
    event_id: `rt-${++n}`, site_id: site, anonymous_id: visitor,
    ts: '2026-11-27T08:00:00.000Z', received_at: new Date(NOW - agoMs).toISOString(),
  });
}

describe('realtime numbers', () => {
  let lake: StatsLake;
  before(async () => {
    lake = await openStatsLake(
      [got('v1', 10_000), got('v1', 90_000), got('v2', 30_000), got('v3', 240_000), got('v4', 360_000), got('x', 5_000, 'other')],
      (r) => r.anonymous_id === 'v1',
    );
  });
  after(() => lake.close());

  it('counts visitors of the last 5 minutes, events per second of the last minute and a 10 s series', async () => {
    const r = await runRealtime(lake.engine, 'rt', NOW);
    assert.equal(r.visitors, 3);
    assert.equal(r.events_last_minute, 2);
    assert.equal(r.events_per_second, 0.033);
    assert.equal(r.series.length, 30);
    assert.equal(r.series[0]!.t, '2026-11-27T09:55:10.000Z');
    assert.equal(r.series[29]!.t, '2026-11-27T10:00:00.000Z');
    const nonZero = r.series.flatMap((b, i) => (b.events > 0 ? [[i, b.events, b.per_second]] : []));
    assert.deepEqual(nonZero, [[5, 1, 0.1], [20, 1, 0.1], [26, 1, 0.1], [28, 1, 0.1]]);
  });

  it('is empty for a quiet site', async () => {
    const r = await runRealtime(lake.engine, 'quiet', NOW);
    assert.equal(r.visitors, 0);
    assert.equal(r.events_per_second, 0);
    assert.ok(r.series.every((b) => b.events === 0));
  });
});
