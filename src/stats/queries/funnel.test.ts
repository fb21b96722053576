import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LakeRow } from '../../core/schema.js';
import { lakeRow } from '../../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../../test/helpers/stats-lake.js';
import { parseStatsQuery, type StatsQuery } from '../params.js';
import { funnelSql, globToLike, parseFunnelDefinition, runFunnel, type FunnelStep } from './funnel.js';
import { eventScope } from '../params.js';

/**
 * Funnel A -> B -> C with answers known by construction. Visitor vi (i = 0..9) views /a at T + i hours, then:
 *   v0..v5: /b 10, 20, 30, 40, 50, 60 s after /a;
 *   v0, v1, v2: `purchase` {plan: pro} 5 s, 7 s and 100 s after /b (v2 first buys plan free 1 s after /b: no match);
 *   v6: /c-like purchase without /b (never reaches B);  v7: /b BEFORE /a (does not count);
 *   v9: a second /a 1000 s after the first, then /b 10 s later (B 1010 s after the first /a).
 * Noise that must not count: another site, anonymous_id NULL, an event before the range, a click on /b.
 */
const T = Date.parse('2026-11-20T01:00:00Z');
const S = 1000;
let n = 0;

function ev(visitor: string | null, atMs: number, over: Partial<LakeRow> = {}): LakeRow {
  const ts = new Date(atMs).toISOString();
  return lakeRow({ event_id: `f-${++n}`, site_id: 'fun', anonymous_id: visitor, session_id: `s-${visitor}`, ts, received_at: ts, ...over });
}
const page = (visitor: string | null, at: number, path: string, over: Partial<LakeRow> = {}) =>
  ev(visitor, at, { event_type: 'page_view', page_path: path, ...over });
const purchase = (visitor: string, at: number, plan: string) =>
  ev(visitor, at, { event_type: 'custom', event_name: 'purchase', page_path: '/c', properties: JSON.stringify({ plan, n: 1 }) });

function dataset(): LakeRow[] {
  const rows: LakeRow[] = [];
  const bDelay = [10, 20, 30, 40, 50, 60];
  const cDelay = [5, 7, 100];
  for (let i = 0; i < 10; i++) {
    const a = T + i * 3600 * S;
    const v = `v${i}`;
    if (i === 7) rows.push(page(v, a - 60 * S, '/b'));
    rows.push(page(v, a, '/a'));
    if (i < 6) {
      const b = a + bDelay[i]! * S;
      rows.push(page(v, b, '/b'));
      rows.push(ev(v, b + 2 * S, { event_type: 'click', page_path: '/b' }));
      if (i === 2) rows.push(purchase(v, b + 1 * S, 'free'));
      if (i < 3) rows.push(purchase(v, b + cDelay[i]! * S, 'pro'));
    }
    if (i === 6) rows.push(purchase(v, a + 30 * S, 'pro'));
    if (i === 9) {
      rows.push(page(v, a + 1000 * S, '/a'));
      rows.push(page(v, a + 1010 * S, '/b'));
    }
  }
  rows.push(page('other', T, '/a', { site_id: 'elsewhere' }), page('other', T + 5 * S, '/b', { site_id: 'elsewhere' }));
  rows.push(page(null, T, '/a'), page(null, T + 5 * S, '/b'));
  rows.push(page('early', Date.parse('2026-11-18T10:00:00Z'), '/a'), page('early', T + 5 * S, '/b'));
  return rows;
}

const STEPS: FunnelStep[] = [{ page: '/a' }, { page: '/b' }, { event: 'purchase', properties: { plan: 'pro' } }];

describe('funnel query', () => {
  let lake: StatsLake;
  let q: StatsQuery;
  before(async () => {
    const rows = dataset();
    // Half of the rows are hot (tail), half in Parquet: the funnel must not care.
    lake = await openStatsLake(rows, (r) => Number(r.event_id.slice(2)) % 2 === 0);
    q = parseStatsQuery({ site: 'fun', from: '2026-11-20', to: '2026-11-20' });
  });
  after(() => lake.close());

  it('counts visitors per step in order, with conversions, drop-off and exact medians', async () => {
    const r = await runFunnel(lake.engine, q, { steps: STEPS });
    assert.deepEqual(
      r.steps.map((s) => [s.label, s.visitors, s.dropOff, s.medianMsFromPrevious]),
      [
        ['/a', 10, 0, null],
        ['/b', 7, 3, 40_000], // 10, 20, 30, 40, 50, 60, 1010 s
        ['purchase', 3, 4, 7_000], // 5, 7, 100 s
      ],
    );
    assert.deepEqual(r.steps.map((s) => s.conversion), [1, 0.7, 0.3]);
    assert.deepEqual(r.steps.map((s) => s.conversionFromPrevious), [1, 0.7, 0.4286]);
    assert.equal(r.windowSeconds, null);
  });

  it('with a window, tries every start and keeps steps within the window of step 1', async () => {
    const r = await runFunnel(lake.engine, q, { steps: STEPS, windowSeconds: 30 });
    // B within 30 s: v0 (10), v1 (20), v2 (30, inclusive), v9 from its second /a (10). C within 30 s of A: v0 (15), v1 (27).
    assert.deepEqual(r.steps.map((s) => [s.visitors, s.medianMsFromPrevious]), [[10, null], [4, 15_000], [2, 6_000]]);
    assert.equal(r.windowSeconds, 30);
  });

  it('applies the common filters and the range to every step', async () => {
    const narrowed = parseStatsQuery({ site: 'fun', from: '2026-11-20T01:00:00Z', to: '2026-11-20T03:00:00Z' });
    const r = await runFunnel(lake.engine, narrowed, { steps: STEPS });
    assert.deepEqual(r.steps.map((s) => s.visitors), [2, 2, 2]); // v0 and v1 only
    const filtered = parseStatsQuery({ site: 'fun', from: '2026-11-20', to: '2026-11-20', filter: 'type!:custom' });
    const f = await runFunnel(lake.engine, filtered, { steps: STEPS });
    assert.deepEqual(f.steps.map((s) => s.visitors), [10, 7, 0]);
  });

  it('matches page globs (* = any characters) and event types; % and _ are literal', async () => {
    const r = await runFunnel(lake.engine, q, { steps: [{ page: '/*' }, { event: 'click' }] });
    assert.deepEqual(r.steps.map((s) => s.visitors), [11, 6]); // 'early' has a /b page view in the range
    const literal = await runFunnel(lake.engine, q, { steps: [{ page: '/_*' }, { page: '/%*' }] });
    assert.deepEqual(literal.steps.map((s) => s.visitors), [0, 0]);
    const prefix = await runFunnel(lake.engine, q, { steps: [{ page: '/a*' }, { page: '/b*' }] });
    assert.deepEqual(prefix.steps.map((s) => s.visitors), [10, 7]);
    assert.equal(globToLike('/a_b%c\\d/*'), '/a\\_b\\%c\\\\d/%');
  });

  it('binds every user value: nothing of the steps appears in the SQL text', () => {
    const evil = "x' OR 1=1 --";
    const stmt = funnelSql(
      { steps: [{ page: `/${evil}` }, { event: evil, properties: { plan: evil } }] },
      eventScope(q),
    );
    assert.ok(!stmt.sql.includes(evil));
    assert.ok(Object.values(stmt.params).includes(evil));
    assert.ok(Object.values(stmt.params).includes('$."plan"'));
  });

  it('rejects bad definitions with a 400 naming the field', () => {
    const bad = (input: { steps?: unknown; windowSeconds?: unknown }, pattern: RegExp) =>
      assert.throws(() => parseFunnelDefinition(input), (err: { code?: string; message: string }) => {
        assert.equal(err.code, 'CLK_ERR_BAD_REQUEST');
        assert.match(err.message, pattern);
        return true;
      });
    bad({ steps: [{ page: '/a' }] }, /^steps: /);
    bad({ steps: Array.from({ length: 11 }, () => ({ page: '/a' })) }, /^steps: /);
    bad({ steps: [{ page: '/a' }, { url: '/b' }] }, /^steps\.1: .*"url"/);
    bad({ steps: [{ page: '/a' }, {}] }, /^steps\.1: each step is/);
    bad({ steps: [{ page: '/a', event: 'both' }, { page: '/b' }] }, /^steps\.0: each step is/);
    bad({ steps: [{ page: 'a' }, { page: '/b' }] }, /^steps\.0/);
    bad({ steps: [{ page: '/a' }, { event: 'x', properties: { 'a.b': '1' } }] }, /^steps\.1/);
    bad({ steps: [{ page: '/a' }, { event: 'x', properties: { '$..x': '1' } }] }, /^steps\.1/);
    bad({ steps: 'nope' }, /^steps: /);
    bad({ steps: STEPS, windowSeconds: 0 }, /^windowSeconds: /);
    bad({ steps: STEPS, windowSeconds: 1.5 }, /^windowSeconds: /);
    assert.deepEqual(parseFunnelDefinition({ steps: STEPS, windowSeconds: 60 }).windowSeconds, 60);
  });
});
