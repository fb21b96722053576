import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LakeRow } from '../core/schema.js';
import { lakeRow } from '../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../test/helpers/stats-lake.js';
import { parseStatsQuery } from './params.js';
import { NAMED_QUERIES } from './queries/index.js';
import { generateDataset } from './testkit.js';
import { DayPartials } from './partials.js';
import { runConsistent } from './consistent.js';
import { sessionSources } from './rollup.js';
import type { RollupSiteStats, SqlRunner } from '../core/ports.js';

/**
 * The rollup (src/core/rollup.ts) must change nothing but the speed: every tile answers the same from an engine
 * that keeps it as from one that reads `events` only, for ranges of whole days, instant ranges that cut days, hourly
 * trends, filters the rollup can and cannot answer, sessions that cross midnight and events without a session.
 */
const NOW = Date.parse('2026-11-26T12:00:00Z');

let plain: StatsLake;
let rolled: StatsLake;
/** Rolled up to 2026-11-23 only: 11-24 and 11-25 are read from `events` next to stored days. */
let partly: StatsLake;
/** As `rolled`, with every event in files (an empty buffer tail): today's later hours are the runner's cached rows only. */
let written: StatsLake;

/** Sessions across midnight (one over three days) and events without a session id, which the dataset lacks. */
function edgeRows(): LakeRow[] {
  const ev = (id: string, ts: string, type: string, session: string | null, page: string, extra: Partial<LakeRow> = {}) =>
    lakeRow({ event_id: id, ts, event_type: type, site_id: 'shop', session_id: session, anonymous_id: `edge-${session ?? 'none'}`, page_path: page, country: 'DE', device_type: 'mobile', ...extra });
  return [
    ev('x1', '2026-11-21T23:50:00.000Z', 'page_view', 'cross-1', '/', { referrer_host: 'news.example', channel: 'Referral' }),
    ev('x2', '2026-11-21T23:55:00.000Z', 'click', 'cross-1', '/', { element_selector: 'a.buy', element_text: 'Buy', x: 10, y: 20, viewport_w: 390 }),
    ev('x3', '2026-11-22T00:05:00.000Z', 'page_view', 'cross-1', '/pricing'),
    ev('x4', '2026-11-22T00:06:00.000Z', 'scroll', 'cross-1', '/pricing', { scroll_depth: 50, properties: '{"engaged_ms":4000}' }),
    ev('y1', '2026-11-22T23:59:00.000Z', 'page_view', 'long-1', '/docs'),
    ev('y2', '2026-11-23T12:00:00.000Z', 'custom', 'long-1', '/docs', { event_name: 'signup', properties: '{"plan":"pro"}' }),
    ev('y3', '2026-11-24T00:01:00.000Z', 'page_view', 'long-1', '/signup'),
    ev('z1', '2026-11-23T08:00:00.000Z', 'page_view', null, '/blog/a'),
    // A session whose events carry no anonymous id: it has no visitor.
    ev('w1', '2026-11-23T09:00:00.000Z', 'page_view', 'no-visitor', '/', { anonymous_id: null, referrer_host: 'no-visitor.example' }),
    ev('w2', '2026-11-23T09:01:00.000Z', 'page_view', 'no-visitor', '/docs', { anonymous_id: null }),
    ev('z2', '2026-11-23T08:01:00.000Z', 'click', null, '/blog/a', { element_selector: 'a.more', element_text: 'More' }),
    // A closed day's session that goes on today (in the buffer tail): its stored row is not the whole session.
    ev('t1', '2026-11-25T23:58:00.000Z', 'page_view', 'into-today', '/', { referrer_host: 'late.example', channel: 'Referral' }),
    ev('t2', '2026-11-26T00:03:00.000Z', 'page_view', 'into-today', '/pricing'),
    // Sessions that scroll one page on both sides of midnight: one (page, session) pair, its deepest scroll counts.
    ev('s1', '2026-11-21T23:40:00.000Z', 'page_view', 'scroll-2d', '/docs'),
    ev('s2', '2026-11-21T23:45:00.000Z', 'scroll', 'scroll-2d', '/docs', { scroll_depth: 30, properties: '{"engaged_ms":1000}' }),
    ev('s3', '2026-11-22T00:10:00.000Z', 'scroll', 'scroll-2d', '/docs', { scroll_depth: 80, properties: '{"engaged_ms":2000}' }),
    ev('s4', '2026-11-23T23:50:00.000Z', 'page_view', 'scroll-live', '/docs'),
    ev('s5', '2026-11-23T23:55:00.000Z', 'scroll', 'scroll-live', '/docs', { scroll_depth: 20 }),
    ev('s6', '2026-11-24T00:05:00.000Z', 'scroll', 'scroll-live', '/docs', { scroll_depth: 90 }),
    // A session whose device changes within a day: two stored rows on one day.
    ev('d1', '2026-11-22T10:00:00.000Z', 'page_view', 'two-devices', '/', { referrer_host: 'first.example' }),
    ev('d2', '2026-11-22T10:05:00.000Z', 'page_view', 'two-devices', '/docs', { device_type: 'desktop', referrer_host: 'second.example' }),
    // Today's session across NOW's hour (12:00): its first part is in the stored hours, the rest is read from events;
    // it scrolls one page on both sides, and a visitor of the stored hours comes back in the later ones.
    ev('n1', '2026-11-26T11:50:00.000Z', 'page_view', 'noon', '/docs', { referrer_host: 'noon.example', channel: 'Referral' }),
    ev('n2', '2026-11-26T11:55:00.000Z', 'scroll', 'noon', '/docs', { scroll_depth: 40, properties: '{"engaged_ms":1000}' }),
    ev('n3', '2026-11-26T12:10:00.000Z', 'scroll', 'noon', '/docs', { scroll_depth: 70, properties: '{"engaged_ms":500}' }),
    ev('n4', '2026-11-26T12:15:00.000Z', 'page_view', 'noon', '/pricing'),
    ev('n5', '2026-11-26T12:16:00.000Z', 'click', 'noon', '/pricing', { element_selector: 'a.buy', element_text: 'Buy', x: 5, y: 6, viewport_w: 390 }),
    ev('n6', '2026-11-26T13:00:00.000Z', 'page_view', 'noon-again', '/docs', { anonymous_id: 'edge-noon' }),
    // A visitor first seen in today's later hours (in a file, and in the buffer tail): no visitor number yet.
    ev('n7', '2026-11-26T12:20:00.000Z', 'page_view', 'first-today', '/docs', { anonymous_id: 'edge-first-today', referrer_host: 'new.example' }),
    ev('n8', '2026-11-26T12:40:00.000Z', 'page_view', 'first-today', '/pricing', { anonymous_id: 'edge-first-today' }),
    ev('n9', '2026-11-26T12:45:00.000Z', 'page_view', 'first-today-2', '/', { anonymous_id: 'edge-first-today-2', device_type: 'desktop' }),
    // Another site's events in the same files of today's later hours (the per-file rows hold every site).
    ev('o1', '2026-11-26T12:05:00.000Z', 'page_view', 'other-site', '/docs', { site_id: 'other' }),
    ev('o2', '2026-11-26T12:06:00.000Z', 'scroll', 'other-site', '/docs', { site_id: 'other', scroll_depth: 100 }),
  ];
}

before(async () => {
  const data = generateDataset({ visitors: 30, days: 7, start: '2026-11-20' });
  const rows = [...data.rows, ...edgeRows()];
  // Today's events after 12:30 stay in the buffer tail (hot), as unflushed events do; the earlier ones are in files,
  // so today's hour 12 (not closed at NOW) is read from both.
  const hot = (r: LakeRow) => r.ts >= '2026-11-26T12:30';
  plain = await openStatsLake(rows, hot);
  rolled = await openStatsLake(rows, hot, { clock: () => NOW });
  await rolled.engine.rollup!.catchUp();
  assert.deepEqual(
    Object.fromEntries(await rolled.engine.rollupDays!('2026-11-20', '2026-11-26')),
    { '2026-11-20': 24, '2026-11-21': 24, '2026-11-22': 24, '2026-11-23': 24, '2026-11-24': 24, '2026-11-25': 24, '2026-11-26': 12 },
    'every closed day is rolled up, and the closed hours of today (the buffer tail)',
  );
  // A late event reaches 2026-11-21 after it was rolled up: that day is read from `events` between stored days.
  const late = lakeRow({ event_id: 'late-1', ts: '2026-11-21T23:52:00.000Z', event_type: 'page_view', site_id: 'shop', session_id: 'cross-1', anonymous_id: 'edge-cross-1', page_path: '/late', country: 'DE', device_type: 'mobile' });
  plain.snapshots.snapshot = { ...plain.snapshots.snapshot, generation: 2, files: [...plain.snapshots.snapshot.files, await plain.lake.writeFile([late], 2)] };
  rolled.snapshots.snapshot = { ...rolled.snapshots.snapshot, generation: 2, files: [...rolled.snapshots.snapshot.files, await rolled.lake.writeFile([late], 2)] };
  await rolled.engine.rollup!.catchUp();
  written = await openStatsLake([...rows, late], () => false, { clock: () => NOW });
  await written.engine.rollup!.catchUp();
  partly = await openStatsLake(rows, hot, { clock: () => NOW, settleMs: 60 * 3_600_000 });
  await partly.engine.rollup!.catchUp();
  partly.snapshots.snapshot = { ...partly.snapshots.snapshot, generation: 2, files: [...partly.snapshots.snapshot.files, await partly.lake.writeFile([late], 2)] };
  const days = await partly.engine.rollupDays!('2026-11-20', '2026-11-26');
  assert.deepEqual(
    ['2026-11-20', '2026-11-21', '2026-11-22', '2026-11-23', '2026-11-24', '2026-11-25'].map((d) => days.has(d)),
    [true, false, true, true, false, false],
  );
});

after(async () => {
  await plain?.close();
  await rolled?.close();
  await partly?.close();
  await written?.close();
});

const RANGES = [
  '', // the default: the last 7 days, today included
  'from=2026-11-21&to=2026-11-24',
  'from=2026-11-21T18:30:00Z&to=2026-11-23T06:15:00Z', // cuts days: partial first and last day
  'from=2026-11-22T00:00:00Z&to=2026-11-23T00:00:00Z', // one whole day, hourly trend
  'from=2026-11-21T20:00:00Z&to=2026-11-22T04:00:00Z', // hourly trend over midnight
  'from=2026-11-25&to=2026-11-26', // a closed day and today (hot)
  'from=2026-11-10&to=2026-11-23', // starts before the data: days without data need no rows
  'from=2026-11-25T20:00:00Z&to=2026-11-27T00:00:00Z', // a cut day, then today: its closed hours stored, the rest not
];
const FILTERS = [
  '',
  'filter=country:DE',
  'filter=device!:mobile&filter=browser:Chrome',
  'filter=page:%2Fpricing',
  'filter=channel:(none)',
  'filter=event:signup', // not in the rollup: read from events
  'filter=type:click&filter=country:US',
];
const TILES: Record<string, string> = {
  overview: '',
  pages: 'limit=50',
  sources: 'limit=50',
  audience: 'limit=50',
  clicks: 'limit=50',
  'click-map': 'page=%2F',
  events: '',
};

test('every tile answers the same with and without the rollup', async () => {
  let compared = 0;
  for (const [tile, extra] of Object.entries(TILES)) {
    const named = NAMED_QUERIES.find((q) => q.name === tile)!;
    for (const range of RANGES) {
      for (const filter of FILTERS) {
        const params = new URLSearchParams(['site=shop', range, filter, extra].filter(Boolean).join('&'));
        const q = parseStatsQuery(params, NOW);
        const expected = await named.run(plain.engine, q, params, { partials: null });
        const actual = await named.run(rolled.engine, q, params, { partials: null });
        assert.deepEqual(actual, expected, `${tile}?${params}`);
        // The tiles that use a stored session row as the whole session, with some days read from `events`.
        if (['overview', 'pages', 'sources', 'audience'].includes(tile)) {
          assert.deepEqual(await named.run(partly.engine, q, params, { partials: null }), expected, `partly rolled up: ${tile}?${params}`);
          assert.deepEqual(await named.run(written.engine, q, params, { partials: null }), expected, `no buffer tail: ${tile}?${params}`);
        }
        compared++;
      }
    }
  }
  assert.equal(compared, Object.keys(TILES).length * RANGES.length * FILTERS.length);
});

test('ranges count visitors by their numbers (rows from events by their keys); bitmaps that would not fit fall back to distinct ids', async () => {
  /** rolled's engine, its statements recorded, with the site stats `stats` makes of the real ones. */
  const runner = (stats: (real: RollupSiteStats | undefined) => RollupSiteStats | undefined) => {
    const statements: string[] = [];
    const engine = rolled.engine;
    const sql: SqlRunner = Object.assign(Object.create(engine) as SqlRunner, {
      rollupSiteStats: (site: string) => stats(engine.rollupSiteStats!(site)),
      queryInternal: (text: string, p: never, o: never) => (statements.push(text), engine.queryInternal(text, p, o)),
    });
    return { sql, statements };
  };
  const cases = [['overview', ''], ['overview', '&filter=country:DE'], ['pages', ''], ['sources', ''], ['audience', ''], ['audience', '&filter=device:mobile']] as const;
  // A closed range, and ranges ending today (rows from `events` next to stored ones, today rolled up in part).
  const ranges = ['from=2026-11-21&to=2026-11-24', 'from=2026-11-20&to=2026-11-26', 'from=2026-11-25T20:00:00Z&to=2026-11-27T00:00:00Z'];
  for (const [[tile, filter], range] of cases.flatMap((c) => ranges.map((r) => [c, r] as const))) {
    const params = new URLSearchParams(`site=shop&${range}&limit=50${filter}`);
    const q = parseStatsQuery(params, NOW);
    const named = NAMED_QUERIES.find((n) => n.name === tile)!;
    const expected = await named.run(plain.engine, q, params, { partials: null });
    const numbered = runner((real) => real);
    assert.deepEqual(await named.run(numbered.sql, q, params, { partials: null }), expected, tile);
    // The overview and pages tiles sum the stored days' per-day totals. (Not the overview of the cut range: its
    // previous period has no whole day, so no stored one.)
    if (!(tile === 'overview' && range.includes('T'))) {
      assert.match(numbered.statements.join('\n'), /bitstring_agg/, `${tile}?${params} counts by visitor numbers`);
      const totals = { overview: /rollup\.session_totals/, pages: /rollup\.page_totals/ }[tile as string];
      if (totals) assert.match(numbered.statements.join('\n'), totals, `${tile}?${params} sums per-day totals`);
    }
    // The sources tile ORs the stored days' source bitmaps when every stored day comes before the rest of the range
    // (not the cut range: its first day is read from `events`); without them, one bitmap per value as the others.
    if (tile === 'sources') {
      const bits = /rollup\.source_bits/;
      (range.includes('T') ? assert.doesNotMatch : assert.match)(numbered.statements.join('\n'), bits, `${tile}?${params} reads the source bitmaps`);
      const without = runner((real) => real && { ...real, sourceBits: 0 });
      assert.deepEqual(await named.run(without.sql, q, params, { partials: null }), expected, `${tile} without source bitmaps`);
      assert.doesNotMatch(without.statements.join('\n'), bits);
      assert.match(without.statements.join('\n'), /bitstring_agg/);
    }
    // The overview without filters ORs the stored days' visitor bitmaps (not on the cut range: no stored totals).
    if (tile === 'overview' && filter === '' && !range.includes('T')) {
      const bits = /rollup\.day_bits/;
      assert.match(numbered.statements.join('\n'), bits, `${tile}?${params} reads the day bitmaps`);
      const without = runner((real) => real && { ...real, bitmapCapacity: 0 });
      assert.deepEqual(await named.run(without.sql, q, params, { partials: null }), expected, `${tile} without day bitmaps`);
      assert.doesNotMatch(without.statements.join('\n'), bits);
    }
    // The pages tile ORs the stored days' page bitmaps with one over the other page-visitor rows; without them, one
    // bitmap over all the page-visitor rows.
    if (tile === 'pages') {
      const bits = /rollup\.page_bits/;
      assert.match(numbered.statements.join('\n'), bits, `${tile}?${params} reads the page bitmaps`);
      const without = runner((real) => real && { ...real, bitmapCapacity: 0 });
      assert.deepEqual(await named.run(without.sql, q, params, { partials: null }), expected, `${tile} without page bitmaps`);
      assert.doesNotMatch(without.statements.join('\n'), bits);
      assert.match(without.statements.join('\n'), /bitstring_agg/);
    }
    // 2^31 visitors: a bitmap of 256 MiB per group, over the budget (and no source bitmaps kept).
    const huge = runner((real) => real && { ...real, visitors: 2 ** 31 - 1, sourceBits: 0 });
    assert.deepEqual(await named.run(huge.sql, q, params, { partials: null }), expected, `${tile}, too many visitors`);
    assert.doesNotMatch(huge.statements.join('\n'), /bitstring_agg/, `${tile} counts distinct ids`);
  }
});

test('/api/sites answers the same with and without the rollup', async () => {
  const sites = NAMED_QUERIES.find((q) => q.name === 'sites')!;
  const params = new URLSearchParams();
  // Through per-day parts, which read the rollup for the days it covers.
  const fromRollup = await sites.run(rolled.engine, null as never, params, { partials: new DayPartials() });
  assert.deepEqual(fromRollup, await sites.run(plain.engine, null as never, params, { partials: null }));
  assert.deepEqual(fromRollup, await sites.run(plain.engine, null as never, params, { partials: new DayPartials() }));
});

test('a session without an anonymous id counts as a session, not as a visitor (both ways)', async () => {
  const sources = NAMED_QUERIES.find((q) => q.name === 'sources')!;
  const params = new URLSearchParams('site=shop&from=2026-11-23&to=2026-11-23&limit=1000');
  const q = parseStatsQuery(params, NOW);
  for (const lake of [plain, rolled]) {
    const answer = (await sources.run(lake.engine, q, params, { partials: null })) as { referrers: { value: string; sessions: number; visitors: number }[] };
    assert.deepEqual(answer.referrers.find((r) => r.value === 'no-visitor.example'), { value: 'no-visitor.example', sessions: 1, visitors: 0 });
  }
});

test('a range ending today: its buckets hold no per-day row of today, which the overview counts itself; hourly rows of its later hours only for an hourly trend', async () => {
  const count = async (query: string) => {
    const q = parseStatsQuery(new URLSearchParams(query), NOW);
    const fast = (await sessionSources(rolled.engine, q, 'c_'))!;
    assert.match(fast.partialDays, /^dt IN \(/, 'today is rolled up in part');
    const r = await rolled.engine.queryInternal(
      `WITH ${fast.prelude} b AS (${fast.buckets.sql}) SELECT count_if(hour = -1)::INTEGER AS days, count_if(hour BETWEEN 0 AND 11)::INTEGER AS stored, ` +
        `count_if(hour >= 12)::INTEGER AS later FROM b WHERE dt = '2026-11-26'`,
      { ...fast.sessions.params, ...fast.buckets.params },
    );
    return r.rows[0]!;
  };
  // The last 7 days: a daily trend, so the stored buckets only (the later hours' rows would not be read).
  const daily = await count('site=shop');
  assert.equal(daily.days, 0);
  assert.ok(Number(daily.stored) > 0 && Number(daily.later) === 0, JSON.stringify(daily));
  // Today alone: an hourly trend, the later hours from `events`.
  const hourly = await count('site=shop&from=2026-11-26&to=2026-11-26');
  assert.equal(hourly.days, 0);
  assert.ok(Number(hourly.stored) > 0 && Number(hourly.later) > 0, JSON.stringify(hourly));
});

test('runConsistent runs a tile again when a partial day changed while it ran, then from events alone', async () => {
  let generation = 0;
  const seen: boolean[] = [];
  const base: SqlRunner = {
    queryInternal: () => Promise.reject(new Error('not used')),
    rollupDays: async () => new Map(),
    rollupGeneration: () => generation,
  };
  // The stored hours move during the first run only: the second answer is used.
  let runs = 0;
  const once = await runConsistent(base, async (sql) => {
    seen.push(sql.rollupDays !== undefined);
    if (++runs === 1) generation++;
    return runs;
  });
  assert.equal(once, 2);
  assert.deepEqual(seen, [true, true]);
  // They move during every run: after three tries the tile runs without the rollup.
  seen.length = 0;
  const always = await runConsistent(base, async (sql) => {
    seen.push(sql.rollupDays !== undefined && sql.rollupGeneration !== undefined);
    generation++;
    return 'x';
  });
  assert.equal(always, 'x');
  assert.deepEqual(seen, [true, true, true, false]);
});
