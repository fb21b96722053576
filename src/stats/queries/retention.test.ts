import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LakeRow } from '../../core/schema.js';
import { lakeRow } from '../../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../../test/helpers/stats-lake.js';
import { parseStatsQuery } from '../params.js';
import { query, runRetention } from './retention.js';

/**
 * Cohort grids computed by hand.
 * Days (range 2026-11-20..23): u1 active 20, 21, 23; u2 20, 22; u3 21, 22; u4 22; u5 19 (before the range) and 21.
 *   cohort 20: u1, u2 -> N0 2, N1 1 (u1), N2 1 (u2), N3 1 (u1)
 *   cohort 21: u3, u5 -> N0 2, N1 1 (u3), N2 0
 *   cohort 22: u4     -> N0 1, N1 0
 * Weeks (range 2026-11-16..2026-12-06, Mondays 16, 23, 30): w1 active 11-17 and 12-01; w2 11-22 (Sunday) and
 *   11-23 (Monday); w3 11-25.  cohort 11-16: w1, w2 -> N0 2, N1 1 (w2), N2 1 (w1); cohort 11-23: w3 -> N0 1, N1 0.
 */
let n = 0;
function at(visitor: string, day: string, hour = 12, site = 'ret'): LakeRow {
  const ts = `${day}T${String(hour).padStart(2, '0')}:00:00.000Z`;
  return lakeRow({ event_id: `r-${++n}`, site_id: site, anonymous_id: visitor, ts, received_at: ts });
}

const rows: LakeRow[] = [
  at('u1', '2026-11-20'), at('u1', '2026-11-20', 13), at('u1', '2026-11-21'), at('u1', '2026-11-23', 23),
  at('u2', '2026-11-20', 0), at('u2', '2026-11-22'),
  at('u3', '2026-11-21'), at('u3', '2026-11-22'),
  at('u4', '2026-11-22'),
  at('u5', '2026-11-19'), at('u5', '2026-11-21'),
  at('x', '2026-11-20', 12, 'other-site'),
  at('w1', '2026-11-17', 12, 'wk'), at('w1', '2026-12-01', 12, 'wk'),
  at('w2', '2026-11-22', 23, 'wk'), at('w2', '2026-11-23', 0, 'wk'),
  at('w3', '2026-11-25', 12, 'wk'),
];

const grid = (r: Awaited<ReturnType<typeof runRetention>>) =>
  r.cohorts.map((c) => [c.cohort, c.visitors, c.cells.map((cell) => cell.visitors)]);

describe('retention query', () => {
  let lake: StatsLake;
  before(async () => {
    lake = await openStatsLake(rows, (r) => r.anonymous_id === 'u3');
  });
  after(() => lake.close());

  it('daily cohorts: first day in the range, share active N days later, cells up to the range end', async () => {
    const q = parseStatsQuery({ site: 'ret', from: '2026-11-20', to: '2026-11-23' });
    const r = await runRetention(lake.engine, q, 'day', 14);
    assert.deepEqual(grid(r), [
      ['2026-11-20', 2, [2, 1, 1, 1]],
      ['2026-11-21', 2, [2, 1, 0]],
      ['2026-11-22', 1, [1, 0]],
    ]);
    assert.deepEqual(r.cohorts[1]!.cells.map((c) => c.share), [1, 0.5, 0]);
    assert.equal(r.period, 'day');
  });

  it('periods caps N', async () => {
    const q = parseStatsQuery({ site: 'ret', from: '2026-11-20', to: '2026-11-23' });
    const r = await runRetention(lake.engine, q, 'day', 1);
    assert.deepEqual(grid(r), [
      ['2026-11-20', 2, [2, 1]],
      ['2026-11-21', 2, [2, 1]],
      ['2026-11-22', 1, [1, 0]],
    ]);
  });

  it('weekly cohorts start on Monday (UTC)', async () => {
    const q = parseStatsQuery({ site: 'wk', from: '2026-11-16', to: '2026-12-06' });
    const r = await query.run(lake.engine, q, new URLSearchParams('period=week'));
    assert.deepEqual(grid(r as Awaited<ReturnType<typeof runRetention>>), [
      ['2026-11-16', 2, [2, 1, 1]],
      ['2026-11-23', 1, [1, 0]],
    ]);
  });

  it('rejects bad parameters and grids that are too large', async () => {
    const q = parseStatsQuery({ site: 'ret', from: '2026-01-01', to: '2026-11-23' });
    await assert.rejects(runRetention(lake.engine, q, 'day', 14), { code: 'CLK_ERR_BAD_REQUEST' });
    const small = parseStatsQuery({ site: 'ret', from: '2026-11-20', to: '2026-11-23' });
    for (const extra of ['period=month', 'periods=0', 'periods=121', 'periods=x', 'period=day&period=week']) {
      await assert.rejects(async () => query.run(lake.engine, small, new URLSearchParams(extra)), { code: 'CLK_ERR_BAD_REQUEST' }, extra);
    }
  });
});
