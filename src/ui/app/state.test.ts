import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { apiParams, parseFilter, parseState, previousRange, resolveRange, safeNext, serializeState, withExtra, withFilter, withoutFilter } from './state.js';

const NOW = new Date('2026-03-10T15:00:00Z');

describe('dashboard URL state', () => {
  it('round-trips view, site, a custom range, filters and view extras', () => {
    const q = 'view=paths&site=shop&range=custom&from=2026-01-01&to=2026-01-31&filter=country%3ADE&filter=device%21%3Amobile&page=%2Fpricing';
    const s = parseState(q);
    assert.equal(s.view, 'paths');
    assert.equal(s.site, 'shop');
    assert.deepEqual([s.range, s.from, s.to], ['custom', '2026-01-01', '2026-01-31']);
    assert.deepEqual(s.filters, [
      { name: 'country', op: 'eq', value: 'DE' },
      { name: 'device', op: 'neq', value: 'mobile' },
    ]);
    assert.deepEqual(s.extra, { page: '/pricing' });
    assert.equal(serializeState(s), q);
    assert.deepEqual(parseState(serializeState(s)), s);
  });

  it('falls back to defaults for unknown views, bad ranges and unknown filters', () => {
    const s = parseState('view=admin&range=custom&from=2026-02-30&to=2026-03-01&filter=secret:1&filter=page:&filter=page:/a&filter=page:/a');
    assert.equal(s.view, 'overview');
    assert.equal(s.range, '7d');
    assert.equal(s.from, null);
    assert.deepEqual(s.filters, [{ name: 'page', op: 'eq', value: '/a' }]);
    assert.equal(parseState('range=custom&from=2026-03-05&to=2026-03-01').range, '7d');
  });

  it('keeps filter values with colons and exclamation marks intact', () => {
    assert.deepEqual(parseFilter('page:/a:b!c'), { name: 'page', op: 'eq', value: '/a:b!c' });
    assert.deepEqual(parseFilter('referrer!:x:y'), { name: 'referrer', op: 'neq', value: 'x:y' });
    assert.equal(parseFilter('nope:1'), null);
  });

  it('resolves presets to inclusive UTC days and the previous period', () => {
    assert.deepEqual(resolveRange({ range: 'today', from: null, to: null }, NOW), { from: '2026-03-10', to: '2026-03-10' });
    assert.deepEqual(resolveRange({ range: 'yesterday', from: null, to: null }, NOW), { from: '2026-03-09', to: '2026-03-09' });
    assert.deepEqual(resolveRange({ range: '7d', from: null, to: null }, NOW), { from: '2026-03-04', to: '2026-03-10' });
    assert.deepEqual(resolveRange({ range: '30d', from: null, to: null }, NOW), { from: '2026-02-09', to: '2026-03-10' });
    assert.deepEqual(previousRange({ from: '2026-03-04', to: '2026-03-10' }), { from: '2026-02-25', to: '2026-03-03' });
    assert.deepEqual(previousRange({ from: '2026-03-01', to: '2026-03-01' }), { from: '2026-02-28', to: '2026-02-28' });
  });

  it('builds the API parameters from the state', () => {
    let s = parseState('site=shop&range=30d');
    s = withFilter(s, { name: 'utm_source', op: 'eq', value: 'news letter' });
    s = withFilter(s, { name: 'event', op: 'neq', value: 'signup' });
    assert.equal(apiParams(s, NOW).toString(), 'site=shop&from=2026-02-09&to=2026-03-10&filter=utm_source%3Anews+letter&filter=event%21%3Asignup');
    assert.equal(withoutFilter(s, 0).filters.length, 1);
    assert.deepEqual(withExtra(withExtra(s, { page: '/x' }), { page: null }).extra, {});
  });

  it('only follows same-origin paths after login', () => {
    assert.equal(safeNext('/?view=pages&site=a'), '/?view=pages&site=a');
    for (const bad of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'javascript:alert(1)', '/login?next=/', null, '']) {
      assert.equal(safeNext(bad), '/', String(bad));
    }
  });
});
