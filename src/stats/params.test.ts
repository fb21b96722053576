import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bucketOf, eventScope, parseStatsQuery, previousPeriod, rangeDays } from './params.js';

const NOW = Date.parse('2026-11-27T15:30:00Z');

describe('parseStatsQuery', () => {
  it('defaults: the last 7 days including today, limit 10, no filters', () => {
    assert.deepEqual(parseStatsQuery({ site: 'shop' }, NOW), {
      site: 'shop', from: '2026-11-21T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z', filters: [], limit: 10,
    });
  });

  it('days are inclusive, instants exclusive; filters keep order and operator', () => {
    const q = parseStatsQuery('site=s&from=2026-02-27&to=2026-03-01&filter=country:DE&filter=page!:/a:b&limit=1000', NOW);
    assert.equal(q.from, '2026-02-27T00:00:00.000Z');
    assert.equal(q.to, '2026-03-02T00:00:00.000Z');
    assert.deepEqual(q.filters, [
      { name: 'country', column: 'country', op: 'eq', value: 'DE' },
      { name: 'page', column: 'page_path', op: 'neq', value: '/a:b' },
    ]);
    const i = parseStatsQuery({ site: 's', from: '2026-11-27T10:00:00+02:00', to: '2026-11-27T12:00:00Z' }, NOW);
    assert.deepEqual([i.from, i.to], ['2026-11-27T08:00:00.000Z', '2026-11-27T12:00:00.000Z']);
  });

  it('rejects invalid dates, spans and filters with CLK_ERR_BAD_REQUEST', () => {
    for (const bad of [{}, { site: 's', from: '2026-02-30' }, { site: 's', to: '2026-1-1' }, { site: 's', filter: 'Country:DE' },
      { site: 's', filter: ':x' }, { site: 's', limit: '-1' }, { site: ['a', 'b'] }, { site: 's', from: '2026-11-27T10:00' }]) {
      assert.throws(() => parseStatsQuery(bad, NOW), (e: any) => e.code === 'CLK_ERR_BAD_REQUEST', JSON.stringify(bad));
    }
  });
});

describe('eventScope', () => {
  it('binds every value; only allow-listed columns appear in the SQL', () => {
    const q = parseStatsQuery({ site: "x' OR 1=1", filter: ["country:DE' --", 'referrer:(none)', 'browser!:(none)', 'os!:Linux'] }, NOW);
    const s = eventScope(q, 'e');
    assert.equal(
      s.sql,
      'e.site_id = $site AND e.dt BETWEEN $dt_from::DATE AND $dt_to::DATE AND e.ts >= $from::TIMESTAMPTZ AND ' +
        'e.ts < $to::TIMESTAMPTZ AND e.is_bot IS NOT TRUE AND e.country = $f0 AND e.referrer_host IS NULL AND ' +
        'e.browser IS NOT NULL AND e.os IS DISTINCT FROM $f3',
    );
    assert.deepEqual(s.params, {
      site: "x' OR 1=1", from: '2026-11-21T00:00:00.000Z', to: '2026-11-28T00:00:00.000Z', dt_from: '2026-11-21',
      dt_to: '2026-11-27', f0: "DE' --", f3: 'Linux',
    });
    assert.throws(() => eventScope({ ...q, filters: [{ name: 'os', column: 'os; DROP', op: 'eq', value: 'x' }] }));
  });

  it('previous period, trend bucket and cache days', () => {
    const q = parseStatsQuery({ site: 's', from: '2026-11-20', to: '2026-11-21' }, NOW);
    assert.deepEqual([previousPeriod(q).from, previousPeriod(q).to], ['2026-11-18T00:00:00.000Z', '2026-11-20T00:00:00.000Z']);
    assert.equal(bucketOf(q), 'hour');
    assert.equal(bucketOf(parseStatsQuery({ site: 's', from: '2026-11-20', to: '2026-11-22' }, NOW)), 'day');
    assert.deepEqual(rangeDays(q), { from: '2026-11-20', to: '2026-11-21' });
    assert.deepEqual(rangeDays(null), { from: null, to: null });
  });
});
