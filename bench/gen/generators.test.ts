import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LAKE_COLUMNS } from '../../src/core/schema.js';
import { bodyPool } from './client-events.js';
import { lakeRowPayloads } from './lake-rows.js';
import { buildCatalog } from './catalog.js';
import { EventStream } from './sessions.js';

test('body pool: valid JSON arrays, fresh unique UUIDs, 400-600 B per event', () => {
  const pool = bodyPool({ size: 20, eventsPerBody: 20, nowMs: Date.UTC(2026, 10, 27) });
  const ids = new Set<string>();
  for (let i = 0; i < 60; i++) {
    const events = JSON.parse(pool.nextBuffer().toString()) as { event_id: string }[];
    assert.equal(events.length, 20);
    for (const e of events) {
      assert.match(e.event_id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      ids.add(e.event_id);
    }
  }
  assert.equal(ids.size, 60 * 20);
  const perEvent = pool.meanBytes / 20;
  assert.ok(perEvent >= 400 && perEvent <= 600, `mean ${perEvent} B/event`);
});

test('lake rows: exactly the LAKE_COLUMNS keys, time ordered', () => {
  let last = '';
  for (const payload of lakeRowPayloads({ events: 2_000, endMs: Date.UTC(2026, 10, 27), spanMs: 3_600_000 })) {
    const row = JSON.parse(payload) as Record<string, unknown>;
    assert.deepEqual(Object.keys(row), LAKE_COLUMNS.map((c) => c.name));
    assert.ok(String(row.ts) >= last, 'ts increases');
    last = String(row.ts);
  }
});

test('event stream: a realistic event mix', () => {
  const stream = new EventStream({ catalog: buildCatalog(), seed: 1, startMs: 0, endMs: 86_400_000, expectedEvents: 20_000, visitors: 5_000 });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 20_000; i++) {
    const t = stream.next().type;
    counts[t] = (counts[t] ?? 0) + 1;
  }
  const share = (t: string) => (counts[t] ?? 0) / 20_000;
  assert.ok(share('page_view') > 0.2 && share('page_view') < 0.4, JSON.stringify(counts));
  assert.ok(share('click') > 0.15 && share('scroll') > 0.3 && share('custom') > 0, JSON.stringify(counts));
});
