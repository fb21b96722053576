import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlRunner } from '../core/ports.js';
import { commitToLake } from '../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../test/helpers/stats-lake.js';
import { DayPartials } from './partials.js';
import { sites } from './queries/sites.js';
import { generateDataset } from './testkit.js';

// Per-day partial results (partials.ts) through the sites tile: the combined answer equals the direct query's,
// unchanged days are reused, and a day whose data changes (late event, today's new events, a commit) is recomputed.
describe('DayPartials (sites tile)', () => {
  let lake: StatsLake;
  const partials = new DayPartials();
  const ctx = { partials };
  const direct = () => sites(lake.engine, { partials: null });

  before(async () => {
    const shop = generateDataset({ visitors: 30, days: 5, start: '2026-11-20' });
    const other = generateDataset({ visitors: 8, days: 5, start: '2026-11-20', site: 'other' });
    // The last day stays in the buffer tail (hot rows), as today's unflushed events would.
    lake = await openStatsLake([...shop.rows, ...other.rows], (r) => r.ts.startsWith('2026-11-24'));
  });

  after(async () => {
    await lake?.close();
  });

  it('combines per-day parts into exactly the direct answer, then reuses every unchanged day', async () => {
    const want = await direct();
    assert.ok(want.length === 2 && want[0]!.events > 0, 'the data set has two sites');
    const before = { computed: partials.computed, reused: partials.reused };
    assert.deepEqual(await sites(lake.engine, ctx), want);
    assert.equal(partials.computed - before.computed, 5, 'first call: every day with data computed');
    assert.equal(partials.reused - before.reused, 0);
    assert.deepEqual(await sites(lake.engine, ctx), want);
    assert.equal(partials.computed - before.computed, 5, 'second call: nothing recomputed');
    assert.equal(partials.reused - before.reused, 5);
  });

  it('recomputes only a closed day that got a late event, and the answer moves with it', async () => {
    const before = (await sites(lake.engine, ctx)).find((s) => s.id === 'other')!;
    const late = { ...generateDataset({ visitors: 1, days: 1, start: '2026-11-21' }).rows[0]!, event_id: 'late-1', site_id: 'other', ts: '2026-11-21T23:59:59.999Z' };
    lake.tail.append(late);
    const want = await direct();
    const c0 = partials.computed;
    const got = await sites(lake.engine, ctx);
    assert.deepEqual(got, want);
    assert.equal(partials.computed - c0, 1, 'only 2026-11-21 was re-read');
    assert.equal(got.find((s) => s.id === 'other')!.events, before.events + 1);
  });

  it('never serves a stale count for the live day (hot rows) and follows a commit moving them to files', async () => {
    const first = await sites(lake.engine, ctx);
    const shopBefore = first.find((s) => s.id === 'shop')!;
    const row = { ...generateDataset({ visitors: 1, days: 1, start: '2026-11-24' }).rows[0]!, event_id: 'today-1', site_id: 'shop', ts: '2026-11-24T23:00:00.000Z' };
    lake.tail.append(row);
    const afterEvent = await sites(lake.engine, ctx);
    assert.equal(afterEvent.find((s) => s.id === 'shop')!.events, shopBefore.events + 1, 'the new hot event counts at once');
    assert.deepEqual(afterEvent, await direct());
    // The writer commits the whole tail: the days' files change, their parts are recomputed, totals are unchanged.
    await commitToLake(lake.lake, lake.tail, lake.snapshots, lake.tail.last);
    const c0 = partials.computed;
    assert.deepEqual(await sites(lake.engine, ctx), afterEvent);
    assert.ok(partials.computed > c0, 'days whose files changed were recomputed');
    assert.deepEqual(await sites(lake.engine, ctx), await direct());
  });

  it('falls back to the direct query when the runner cannot fingerprint per day or a day is unknown', async () => {
    const want = await direct();
    const p = new DayPartials();
    const plain: SqlRunner = { queryInternal: (s, params, o) => lake.engine.queryInternal(s, params, o) };
    assert.deepEqual(await sites(plain, { partials: p }), want);
    const unknown: SqlRunner = { ...plain, dayFingerprints: async () => new Map([['*', 'x'], ['2026-11-20', 'y']]) };
    assert.deepEqual(await sites(unknown, { partials: p }), want);
    assert.equal(p.size, 0, 'nothing stored');
    assert.equal(p.computed + p.reused, 0);
  });

  it('keeps no part computed while a partial day of the rollup changed (rollupGeneration moved)', async () => {
    const p = new DayPartials();
    let generation = 0;
    const moving: SqlRunner = {
      queryInternal: (s, params, o) => lake.engine.queryInternal(s, params, o).finally(() => generation++),
      dayFingerprints: (a, b) => lake.engine.dayFingerprints(a, b),
      rollupGeneration: () => generation,
    };
    assert.deepEqual(await sites(moving, { partials: p }), await direct());
    assert.equal(p.computed, 5);
    assert.equal(p.size, 0, 'the parts were used for that answer only');
  });

  it('evicts least recently used parts beyond maxEntries and stays exact', async () => {
    const p = new DayPartials({ maxEntries: 2 });
    const want = await direct();
    assert.deepEqual(await sites(lake.engine, { partials: p }), want);
    assert.equal(p.size, 2);
    assert.deepEqual(await sites(lake.engine, { partials: p }), want);
  });
});
