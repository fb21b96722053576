import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { rollupSelectSql } from '../core/rollup.js';
import { CACHED_DERIVED, FILE_ROWS_TABLE, createFileRows } from './file-rows.js';
import { createHotTableSql, eventsSelectSql } from './lakeview.js';
import { TestLake, lakeRow } from './testkit.js';

async function setup() {
  const lake = await TestLake.create();
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  await conn.run(createHotTableSql());
  const clock = { now: Date.parse('2026-11-28T12:00:00Z') };
  const reported: number[] = [];
  const rows = await createFileRows({ instance, idleMs: 60_000, clock: () => clock.now, onFiles: (n) => reported.push(n) });
  const read = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
  const cleanup = async () => {
    conn.closeSync();
    instance.closeSync();
    await lake.cleanup();
  };
  return { lake, rows, clock, read, cleanup, reported };
}

const at = (ts: string, over: Parameters<typeof lakeRow>[0] = {}) => lakeRow({ ts, ...over });

test('a file is grouped into rollup rows once, even when asked for twice at once; the rows are those of its events', async () => {
  const s = await setup();
  try {
    const a = await s.lake.writeFile([
      at('2026-11-28T11:00:00.000Z', { event_id: 'a1', session_id: 's1', event_type: 'page_view' }),
      at('2026-11-28T11:05:00.000Z', { event_id: 'a2', session_id: 's1', event_type: 'click' }),
      at('2026-11-28T11:06:00.000Z', { event_id: 'a3', session_id: 's2', event_type: 'page_view', is_bot: true }),
    ]);
    const b = await s.lake.writeFile([at('2026-11-28T11:30:00.000Z', { event_id: 'b1', session_id: 's1', event_type: 'page_view' })]);
    const [one, two] = await Promise.all([s.rows.select([a]), s.rows.select([a])]);
    const first = one.rows;
    assert.equal(first, two.rows);
    assert.equal(s.rows.stats().computed, 1, 'computed once');
    // The same rows as grouping the file's events (the bot's left out), column for column.
    const expected = rollupSelectSql('TRUE', `(${eventsSelectSql([a], undefined, false)})`);
    assert.deepEqual(await s.read(`SELECT * FROM (${first}) ORDER BY ALL`), await s.read(`SELECT * FROM (${expected}) ORDER BY ALL`));
    assert.deepEqual(await s.read(`SELECT sum(n)::INTEGER AS n, sum(pv)::INTEGER AS pv FROM (${first})`), [{ n: 2, pv: 1 }]);
    // Each kept derived table: its SELECT over the file's rows, column for column.
    for (const d of CACHED_DERIVED) {
      const kept = one.derived.get(d.table)!;
      assert.deepEqual(await s.read(`SELECT * FROM (${kept}) ORDER BY ALL`), await s.read(`SELECT * FROM (${d.select(expected)}) ORDER BY ALL`), d.table);
    }
    assert.deepEqual(await s.read(`SELECT count(*)::INTEGER AS n, sum(pv)::INTEGER AS pv FROM (${one.derived.get('rollup.sessions')!})`), [{ n: 1, pv: 1 }]);

    // Both files: a's rows are reused, b's computed; not merged across files (s1 has a row in each).
    const both = await s.rows.select([a, b]);
    assert.equal(s.rows.stats().computed, 2);
    assert.deepEqual(await s.read(`SELECT count(*)::INTEGER AS rows, sum(n)::INTEGER AS n FROM (${both.rows})`), [{ rows: 2, n: 3 }]);
    assert.deepEqual(await s.read(`SELECT count(*)::INTEGER AS rows, sum(pv)::INTEGER AS pv FROM (${both.derived.get('rollup.sessions')!})`), [{ rows: 2, pv: 2 }]);
    // The hot table is not read: its events are the caller's to add.
    assert.doesNotMatch(both.rows, /hot_events/);
  } finally {
    await s.cleanup();
  }
});

test('rows of a file unused for idleMs are dropped, never those in use', async () => {
  const s = await setup();
  try {
    const a = await s.lake.writeFile([at('2026-11-28T10:00:00.000Z', { event_id: 'a1' })]);
    const b = await s.lake.writeFile([at('2026-11-28T11:00:00.000Z', { event_id: 'b1' })]);
    await s.rows.select([a, b]);
    s.clock.now += 59_000;
    await s.rows.select([b]);
    assert.equal(s.rows.stats().files, 2, 'a was used 59 s ago: kept');
    s.clock.now += 1_000;
    await s.rows.select([b]);
    assert.equal(s.rows.stats().files, 1, 'a unused for 60 s: dropped');
    assert.deepEqual(s.reported, [1, 2, 1], 'the count of files kept, as it changes (the gauge)');
    assert.deepEqual(await s.read(`SELECT DISTINCT file FROM ${FILE_ROWS_TABLE}`), [{ file: b.path }]);
    assert.deepEqual(await s.read(`SELECT DISTINCT file FROM file_sessions`), [{ file: b.path }], 'the derived rows too');
    s.clock.now += 3_600_000;
    await s.rows.select([b]);
    assert.equal(s.rows.stats().files, 1, 'b is in use: kept however long ago it was computed');
    // Asked again, a is computed again.
    await s.rows.select([a]);
    assert.equal(s.rows.stats().computed, 3);
  } finally {
    await s.cleanup();
  }
});
