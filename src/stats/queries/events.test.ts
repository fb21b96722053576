import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LakeRow } from '../../core/schema.js';
import { lakeRow } from '../../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../../test/helpers/stats-lake.js';
import { parseStatsQuery } from '../params.js';
import { events } from './events.js';

/**
 * Custom events whose properties are counted by hand. `buy` (5 events, visitors u1, u2, u3):
 *   3x {"plan":"pro","n":2}  (the same text: weighted, not counted once)
 *   1x {"n":2,"plan":"free","tags":["a","b"],"o":{"k":1},"ok":true,"x":null,"a.b":"dot","q\"k":"it's \"quoted\""}
 *   1x "not an object" (counted as an event, no properties) ...and one invalid JSON text, same.
 * `view` (1 event, hot: not written yet), a click (not custom), and a `buy` of another site.
 */
const T = Date.parse('2026-11-20T10:00:00Z');
let n = 0;
function custom(name: string, visitor: string, properties: string, over: Partial<LakeRow> = {}): LakeRow {
  const ts = new Date(T + ++n * 60_000).toISOString();
  return lakeRow({
    event_id: `e-${n}`, site_id: 'ev', session_id: `s-${visitor}`, anonymous_id: visitor, seq: n, ts, received_at: ts,
    event_type: 'custom', event_name: name, page_path: '/', properties, ...over,
  });
}

const rich = '{"n":2,"plan":"free","tags":["a","b"],"o":{"k":1},"ok":true,"x":null,"a.b":"dot","q\\"k":"it\'s \\"quoted\\""}';
const rows: LakeRow[] = [
  custom('buy', 'u1', '{"plan":"pro","n":2}'),
  custom('buy', 'u1', '{"plan":"pro","n":2}'),
  custom('buy', 'u2', '{"plan":"pro","n":2}'),
  custom('buy', 'u2', rich),
  custom('buy', 'u3', '"not an object"'),
  custom('buy', 'u3', '{broken'),
  custom('view', 'u9', '{"plan":"pro"}'),
  custom('buy', 'u1', '{"plan":"pro"}', { event_type: 'click' }),
  custom('buy', 'u1', '{"plan":"other"}', { site_id: 'other' }),
];

describe('events query', () => {
  let lake: StatsLake;
  before(async () => {
    lake = await openStatsLake(rows, (r) => r.event_name === 'view');
  });
  after(() => lake.close());

  const q = parseStatsQuery({ site: 'ev', from: '2026-11-20', to: '2026-11-20' });
  const v = (value: string, events: number) => ({ value, events });

  it('counts names, visitors, keys and values, each properties text weighted by its events', async () => {
    const r = await events(lake.engine, q);
    assert.deepEqual(r.map((e) => [e.name, e.events, e.visitors]), [['buy', 6, 3], ['view', 1, 1]]);
    const buy = r[0]!;
    assert.deepEqual(buy.properties, [
      { key: 'n', events: 4, values: [v('2', 4)] },
      { key: 'plan', events: 4, values: [v('pro', 3), v('free', 1)] },
      { key: 'a.b', events: 1, values: [v('dot', 1)] },
      { key: 'o', events: 1, values: [v('{"k":1}', 1)] },
      { key: 'ok', events: 1, values: [v('true', 1)] },
      { key: 'q"k', events: 1, values: [v('it\'s "quoted"', 1)] },
      { key: 'tags', events: 1, values: [v('["a","b"]', 1)] },
      { key: 'x', events: 1, values: [v('null', 1)] },
    ]);
    assert.deepEqual(r[1]!.properties, [{ key: 'plan', events: 1, values: [v('pro', 1)] }]);
  });

  it('limits the names, not their keys', async () => {
    const r = await events(lake.engine, { ...q, limit: 1 });
    assert.deepEqual(r.map((e) => e.name), ['buy']);
    assert.equal(r[0]!.properties.length, 8);
  });
});
