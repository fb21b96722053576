import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LakeRow } from '../../core/schema.js';
import { lakeRow } from '../../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../../test/helpers/stats-lake.js';
import { parseStatsQuery } from '../params.js';
import { query, runPaths } from './paths.js';

/**
 * Sessions around the page /b (counted by hand):
 *   s1: /a, /b, /c                      prev /a, next /c
 *   s2: /b (from www.google.com), /c    entrance google, next /c
 *   s3: /b (no referrer)                entrance direct, exit
 *   s4: /a, /b, /b (reload), /d         prev /a next /b; prev /b next /d
 *   s5: /a, click, /b                   prev /a, exit (the click is not a page view)
 *   s6 (same visitor as s1, interleaved in time): /x, /y -- must not mix with s1
 * views of /b: 6; next: /c 2, exit 2, /b 1, /d 1; previous: /a 3, /b 1, entrance google 1, entrance direct 1.
 */
const T = Date.parse('2026-11-20T10:00:00Z');
let n = 0;
function pv(session: string, minute: number, path: string, over: Partial<LakeRow> = {}): LakeRow {
  const ts = new Date(T + minute * 60_000).toISOString();
  return lakeRow({
    event_id: `p-${++n}`, site_id: 'paths', session_id: session, anonymous_id: `a-${session}`, seq: n, ts, received_at: ts,
    event_type: 'page_view', page_path: path, ...over,
  });
}

const rows: LakeRow[] = [
  pv('s1', 0, '/a', { anonymous_id: 'u1' }), pv('s1', 2, '/b', { anonymous_id: 'u1' }), pv('s1', 4, '/c', { anonymous_id: 'u1' }),
  pv('s6', 1, '/x', { anonymous_id: 'u1' }), pv('s6', 3, '/y', { anonymous_id: 'u1' }),
  pv('s2', 0, '/b', { referrer_host: 'www.google.com' }), pv('s2', 1, '/c'),
  pv('s3', 5, '/b'),
  pv('s4', 0, '/a'), pv('s4', 1, '/b'), pv('s4', 2, '/b'), pv('s4', 3, '/d'),
  pv('s5', 0, '/a'), pv('s5', 1, '/a', { event_type: 'click' }), pv('s5', 2, '/b'),
  pv('s9', 0, '/a', { site_id: 'other' }), pv('s9', 1, '/b', { site_id: 'other' }),
];

const step = (type: string, page: string | null, referrer: string | null, count: number) => ({ type, page, referrer, count });

describe('paths query', () => {
  let lake: StatsLake;
  before(async () => {
    lake = await openStatsLake(rows, (r) => r.session_id === 's4');
  });
  after(() => lake.close());

  const q = parseStatsQuery({ site: 'paths', from: '2026-11-20', to: '2026-11-20' });

  it('counts next pages, exits, previous pages and entrances by referrer', async () => {
    const r = await runPaths(lake.engine, q, '/b');
    assert.equal(r.views, 6);
    assert.deepEqual(r.next, [step('page', '/c', null, 2), step('exit', null, null, 2), step('page', '/b', null, 1), step('page', '/d', null, 1)]);
    assert.deepEqual(r.previous, [
      step('page', '/a', null, 3),
      step('page', '/b', null, 1),
      step('entrance', null, 'www.google.com', 1),
      step('entrance', null, null, 1),
    ]);
  });

  it('keeps sessions apart and honours limit; an unknown page has no paths', async () => {
    const x = await runPaths(lake.engine, q, '/x');
    assert.deepEqual(x.next, [step('page', '/y', null, 1)]);
    assert.deepEqual(x.previous, [step('entrance', null, null, 1)]);
    const limited = await runPaths(lake.engine, { ...q, limit: 1 }, '/b');
    assert.deepEqual(limited.next, [step('page', '/c', null, 2)]);
    assert.deepEqual(limited.previous, [step('page', '/a', null, 3)]);
    const none = await runPaths(lake.engine, q, "/nope' OR 1=1 --");
    assert.deepEqual(none, { page: "/nope' OR 1=1 --", views: 0, next: [], previous: [] });
  });

  it('requires exactly one page parameter', async () => {
    for (const extra of ['', 'page=', 'page=/a&page=/b', `page=/${'x'.repeat(1000)}`]) {
      await assert.rejects(async () => query.run(lake.engine, q, new URLSearchParams(extra)), { code: 'CLK_ERR_BAD_REQUEST' }, extra);
    }
  });
});
