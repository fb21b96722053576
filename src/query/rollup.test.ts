import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { PAGE_SCROLLS_TABLE, PAGE_VISITORS_TABLE, ROLLUP_TABLE, SESSIONS_TABLE } from '../core/rollup.js';
import {
  BITMAP_TABLES,
  DAY_BITS_TABLE,
  PAGE_BITS_TABLE,
  SOURCE_BITS_TABLE,
  VISITOR_NUMBERS_TABLE,
  bitmapCapacity,
} from '../core/visitor-bits.js';
import type { LakeRow } from '../core/schema.js';
import { createQueryEngine, type QueryEngine } from './index.js';
import { FakeSnapshots, FakeTail, TestLake, lakeRow, silentLogger } from './testkit.js';
import { waitFor } from '../../test/helpers/server.js';

const NOW = Date.parse('2026-11-27T12:00:00Z');

/** Two closed days (25th, 26th) and today (27th), a few events each, in Parquet files. */
async function fixture() {
  const lake = await TestLake.create();
  const tail = new FakeTail();
  const snapshots = new FakeSnapshots();
  const row = (ts: string, type: string, n: number): LakeRow =>
    lakeRow({ event_id: `e-${ts}-${n}`, ts, event_type: type, site_id: 's', session_id: `sess-${ts.slice(0, 10)}`, anonymous_id: 'v1' });
  const days = {
    '2026-11-25': [row('2026-11-25T10:00:00.000Z', 'page_view', 1), row('2026-11-25T10:00:05.000Z', 'click', 2)],
    '2026-11-26': [row('2026-11-26T08:00:00.000Z', 'page_view', 1), row('2026-11-26T08:01:00.000Z', 'page_view', 2), row('2026-11-26T08:02:00.000Z', 'scroll', 3)],
    '2026-11-27': [row('2026-11-27T09:00:00.000Z', 'page_view', 1)],
  };
  const files = { '2026-11-25': await lake.writeFile(days['2026-11-25']), '2026-11-26': await lake.writeFile(days['2026-11-26']), '2026-11-27': await lake.writeFile(days['2026-11-27']) };
  snapshots.snapshot = { generation: 1, checkpoint: null, files: Object.values(files) };
  const open = (path: string | null, settleMs = 0, clock = () => NOW, more: { wakeGapMs?: number; sourceBitsDayBytes?: number } = {}) =>
    createQueryEngine({
      snapshots,
      tail,
      lakeDir: lake.lakeDir,
      logger: silentLogger,
      timeoutMs: 10_000,
      maxRows: 1000,
      memoryLimit: '256MB',
      threads: 1,
      clock,
      rollup: { path, settleMs, intervalMs: 3_600_000, ...more },
    });
  return { lake, tail, snapshots, files, row, open, path: join(lake.root, 'rollup', 'rollup.duckdb') };
}

async function storedDay(engine: QueryEngine, day: string): Promise<{ n: number; pv: number }> {
  const r = await engine.queryInternal(`SELECT coalesce(sum(n), 0)::INTEGER AS n, coalesce(sum(pv), 0)::INTEGER AS pv FROM ${ROLLUP_TABLE} WHERE dt = $1::DATE`, [day]);
  return { n: Number(r.rows[0]!.n), pv: Number(r.rows[0]!.pv) };
}

/** rollupDays as an object: day -> hours covered. */
async function covered(engine: QueryEngine, from: string, to: string): Promise<Record<string, number>> {
  return Object.fromEntries([...(await engine.rollupDays!(from, to))].sort());
}

/**
 * Asserts that the stored per-day bitmaps of `site` (day, source and page bitmaps, and the page-visitor rows the page
 * bitmaps do not stand for) are those of its stored rows now, at the capacity of its highest visitor number, and returns that
 * capacity and the number of source-bitmap rows.
 */
async function bitmapsInStep(engine: QueryEngine, site: string): Promise<{ capacity: number; rows: number }> {
  const top = Number((await engine.queryInternal(`SELECT coalesce(max(vno), 0)::INTEGER AS n FROM ${VISITOR_NUMBERS_TABLE} WHERE site_id = $1`, [site])).rows[0]!.n);
  const stats = engine.rollupSiteStats!(site);
  const capacity = stats?.bitmapCapacity ?? 0;
  assert.equal(capacity, top === 0 ? 0 : bitmapCapacity(top), 'the capacity of the highest visitor number');
  assert.equal(stats?.sourceBits ?? 0, capacity, 'source bitmaps kept');
  const of = (table: string) => `SELECT * FROM ${table} WHERE site_id = $1`;
  assert.deepEqual(BITMAP_TABLES.map((b) => b.table).sort(), ['rollup.day_bits', 'rollup.page_bits', 'rollup.page_visitors_rest', 'rollup.source_bits']);
  let rows = 0;
  for (const b of BITMAP_TABLES) {
    const [what, stored, expected] = [b.table, of(b.table), b.select(of(b.from), Math.max(capacity, 1))];
    const r = await engine.queryInternal(
      `SELECT (SELECT count(*) FROM (${stored} EXCEPT ALL ${expected}))::INTEGER AS extra, (SELECT count(*) FROM (${expected} EXCEPT ALL ${stored}))::INTEGER AS missing, ` +
        `(SELECT count(*) FROM (${stored}))::INTEGER AS rows`,
      [site],
    );
    assert.deepEqual({ extra: r.rows[0]!.extra, missing: r.rows[0]!.missing }, { extra: 0, missing: 0 }, `${what}: the rows of the stored rows`);
    if (b.table === SOURCE_BITS_TABLE) rows = Number(r.rows[0]!.rows);
  }
  return { capacity, rows };
}

test('closed days are rolled up whole, today to its last closed hour; a day whose data changed is left out until it is rolled up again', async () => {
  const fx = await fixture();
  // Today's hour 12 is not closed at NOW (12:00): its event is not stored.
  fx.tail.append(fx.row('2026-11-27T12:00:00.000Z', 'page_view', 5));
  const engine = await fx.open(null);
  try {
    await engine.rollup!.catchUp();
    assert.deepEqual(await covered(engine, '2026-11-25', '2026-11-27'), { '2026-11-25': 24, '2026-11-26': 24, '2026-11-27': 12 });
    assert.deepEqual(await storedDay(engine, '2026-11-25'), { n: 2, pv: 1 });
    assert.deepEqual(await storedDay(engine, '2026-11-26'), { n: 3, pv: 2 });
    assert.deepEqual(await storedDay(engine, '2026-11-27'), { n: 1, pv: 1 }, 'today: hours 0-11 only');

    // A late event of the 25th reaches the buffer tail: the 25th's stored rows are no longer its data. Only its hour
    // (23) is read again: the row of hour 10 keeps its rowid.
    const tenOClock = async () =>
      (await engine.queryInternal(`SELECT rowid AS id FROM ${ROLLUP_TABLE} WHERE dt = '2026-11-25' AND hour = 10`, {})).rows.map((r) => Number(r.id));
    const ten = await tenOClock();
    fx.tail.append(fx.row('2026-11-25T23:59:00.000Z', 'page_view', 9));
    assert.deepEqual(await covered(engine, '2026-11-25', '2026-11-27'), { '2026-11-26': 24, '2026-11-27': 12 });
    assert.equal(await engine.rollup!.catchUp(), 1);
    assert.deepEqual(await covered(engine, '2026-11-25', '2026-11-27'), { '2026-11-25': 24, '2026-11-26': 24, '2026-11-27': 12 });
    assert.deepEqual(await storedDay(engine, '2026-11-25'), { n: 3, pv: 2 });
    assert.equal(ten.length, 1);
    assert.deepEqual(await tenOClock(), ten);

    // Retention drops the 25th from the lake (a new generation without its file): its rows go too.
    fx.snapshots.snapshot = { generation: 2, checkpoint: null, files: [fx.files['2026-11-26'], fx.files['2026-11-27']] };
    fx.tail.trim(Number.MAX_SAFE_INTEGER);
    await engine.rollup!.catchUp();
    assert.deepEqual(await storedDay(engine, '2026-11-25'), { n: 0, pv: 0 });
    // A day without data needs no rows: it counts as covered (nothing to read from events).
    assert.deepEqual(await covered(engine, '2026-11-24', '2026-11-27'), { '2026-11-24': 24, '2026-11-25': 24, '2026-11-26': 24, '2026-11-27': 12 });
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test('the rows of sessions with more than one stored row are `shared`, through rebuilds and drops', async () => {
  const fx = await fixture();
  const ev = (id: string, ts: string, session: string, device = 'mobile', type = 'page_view') =>
    lakeRow({ event_id: id, ts, event_type: type, site_id: 's', session_id: session, anonymous_id: 'v2', device_type: device, scroll_depth: 50 });
  const extra25 = await fx.lake.writeFile([ev('a1', '2026-11-25T23:50:00.000Z', 'span'), ev('a1s', '2026-11-25T23:51:00.000Z', 'span', 'mobile', 'scroll'), ev('a2', '2026-11-25T12:00:00.000Z', 'one')]);
  const extra26 = await fx.lake.writeFile([ev('b1', '2026-11-26T00:10:00.000Z', 'span'), ev('b2', '2026-11-26T09:00:00.000Z', 'split'), ev('b3', '2026-11-26T09:01:00.000Z', 'split', 'desktop')]);
  fx.snapshots.snapshot = { generation: 2, checkpoint: null, files: [...Object.values(fx.files), extra25, extra26] };
  const engine = await fx.open(null);
  /** The sessions whose rows in `table` are shared (each row of a session must agree). */
  const shared = async (table = SESSIONS_TABLE) => {
    const r = await engine.queryInternal(
      `SELECT coalesce(list(s ORDER BY s) FILTER (WHERE flag), []::VARCHAR[]) AS ids, count(*) FILTER (WHERE flags > 1)::INTEGER AS mixed FROM (` +
        `SELECT s, bool_or(shared) AS flag, count(DISTINCT shared) AS flags FROM (VALUES ('span'), ('one'), ('split'), ('sess-2026-11-25'), ('sess-2026-11-26')) v(s) ` +
        `JOIN ${table} t ON t.sid = hash(s) AND t.site_id = 's' GROUP BY s)`,
      {},
    );
    assert.equal(r.rows[0]!.mixed, 0, `every row of a session in ${table} has the same flag`);
    return r.rows[0]!.ids;
  };
  try {
    await engine.rollup!.catchUp();
    assert.deepEqual(await shared(), ['span', 'split'], 'across midnight, and split by a device change');
    assert.deepEqual(await shared(PAGE_SCROLLS_TABLE), ['span'], 'the scroll rows of a shared session');
    assert.ok((await bitmapsInStep(engine, 's')).rows > 0);
    // The 26th changes (its extra file compacted away with `span`'s second part): `span` has one stored row again.
    fx.snapshots.snapshot = { generation: 3, checkpoint: null, files: [...Object.values(fx.files), extra25, await fx.lake.writeFile([ev('b2', '2026-11-26T09:00:00.000Z', 'split'), ev('b3', '2026-11-26T09:01:00.000Z', 'split', 'desktop')])] };
    await engine.rollup!.catchUp();
    assert.deepEqual(await shared(), ['split']);
    assert.deepEqual(await shared(PAGE_SCROLLS_TABLE), [], 'a row of another day is set again');
    await bitmapsInStep(engine, 's');
    // Retention drops the 26th: nothing is shared.
    fx.snapshots.snapshot = { generation: 4, checkpoint: null, files: [fx.files['2026-11-25'], fx.files['2026-11-27'], extra25] };
    await engine.rollup!.catchUp();
    assert.deepEqual(await shared(), []);
    await bitmapsInStep(engine, 's');
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test('visitors get numbers per site, kept through rebuilds; the rows carry them and a new number moves the generation', async () => {
  const fx = await fixture();
  const pv = (id: string, ts: string, visitor: string, site = 's') =>
    lakeRow({ event_id: id, ts, event_type: 'page_view', site_id: site, session_id: `x-${visitor}-${ts.slice(0, 10)}`, anonymous_id: visitor });
  const extra = await fx.lake.writeFile([pv('a1', '2026-11-25T11:00:00.000Z', 'v2'), pv('a2', '2026-11-25T11:00:00.000Z', 'w1', 'other')]);
  fx.snapshots.snapshot = { generation: 2, checkpoint: null, files: [...Object.values(fx.files), extra] };
  const engine = await fx.open(null);
  /** visitor id -> number, per site; and whether every stored row has its visitor's number. */
  const numbers = async () => {
    const r = await engine.queryInternal(
      `SELECT site_id, v, vno FROM (VALUES ('v1'), ('v2'), ('v3'), ('w1')) x(v) JOIN ${VISITOR_NUMBERS_TABLE} n ON n.vid = hash(v) ORDER BY site_id, vno`,
      {},
    );
    const wrong = await engine.queryInternal(
      `SELECT (SELECT count(*) FROM ${SESSIONS_TABLE} t WHERE vid IS NOT NULL AND vno IS DISTINCT FROM (SELECT vno FROM ${VISITOR_NUMBERS_TABLE} n WHERE n.site_id = t.site_id AND n.vid = t.vid)) + ` +
        `(SELECT count(*) FROM ${PAGE_VISITORS_TABLE} t WHERE vno IS DISTINCT FROM (SELECT vno FROM ${VISITOR_NUMBERS_TABLE} n WHERE n.site_id = t.site_id AND n.vid = t.vid)) AS n`,
      {},
    );
    assert.equal(Number(wrong.rows[0]!.n), 0, 'every stored row has its visitor number');
    return r.rows.map((x) => `${x.site_id}:${x.v}=${x.vno}`);
  };
  try {
    await engine.rollup!.catchUp();
    const first = await numbers();
    assert.equal(first.length, 3);
    assert.ok(first.includes('other:w1=1'), first.join());
    assert.deepEqual(first.filter((x) => x.startsWith('s:')).map((x) => x.slice(-1)).sort(), ['1', '2']);
    // No source and no device values (NULL, one value each), language 'en', the screen (NULL, NULL).
    assert.deepEqual(engine.rollupSiteStats!('s'), { visitors: 2, sourceValues: 1, audienceValues: 6, bitmapCapacity: 16, sourceBits: 16 });
    assert.equal(engine.rollupSiteStats!('nope'), undefined);
    // The 26th gets a new visitor: the numbers so far stay, v3 gets the next one, and the generation moves.
    const before = engine.rollup!.generation();
    fx.snapshots.snapshot = { generation: 3, checkpoint: null, files: [...Object.values(fx.files), extra, await fx.lake.writeFile([{ ...pv('b1', '2026-11-26T10:00:00.000Z', 'v3'), device_type: 'tablet' }])] };
    await engine.rollup!.catchUp();
    assert.deepEqual(await numbers(), [...first, 's:v3=3'], 'ordered by site and number');
    assert.deepEqual(engine.rollupSiteStats!('s'), { visitors: 3, sourceValues: 1, audienceValues: 7, bitmapCapacity: 16, sourceBits: 16 }, 'one more device type');
    assert.ok(engine.rollup!.generation() > before, "the keeper's generation moved");
    await bitmapsInStep(engine, 'other');
    // 20 more visitors on the 27th: past the capacity, so every day's bitmaps are built again with the new one.
    const many = Array.from({ length: 20 }, (_, i) => pv(`c${i}`, '2026-11-27T08:00:00.000Z', `m${i}`));
    fx.snapshots.snapshot = { ...fx.snapshots.snapshot, generation: 4, files: [...fx.snapshots.snapshot.files, await fx.lake.writeFile(many)] };
    const grown = engine.rollup!.generation();
    await engine.rollup!.catchUp();
    const bits = await bitmapsInStep(engine, 's');
    assert.equal(bits.capacity, 32);
    for (const table of [SOURCE_BITS_TABLE, PAGE_BITS_TABLE, DAY_BITS_TABLE]) {
      const days = await engine.queryInternal(`SELECT count(DISTINCT dt)::INTEGER AS n, count_if(bit_length(bits) <> 32)::INTEGER AS other FROM ${table} WHERE site_id = 's'`, {});
      assert.deepEqual(days.rows[0], { n: 3, other: 0 }, `${table}: the three days' bitmaps, all of the new capacity`);
    }
    assert.ok(engine.rollup!.generation() > grown);
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test('a site whose source bitmaps of one day would take more than the limit keeps none; its other bitmaps stay', async () => {
  const fx = await fixture();
  // A day's source bitmaps of the fixture: 5 rows of 2 bytes (16 bits) each.
  const engine = await fx.open(null, 0, () => NOW, { sourceBitsDayBytes: 9 });
  try {
    await engine.rollup!.catchUp();
    assert.deepEqual(engine.rollupSiteStats!('s'), { visitors: 1, sourceValues: 1, audienceValues: 6, bitmapCapacity: 16, sourceBits: 0 });
    const count = async (table: string) => Number((await engine.queryInternal(`SELECT count(*)::INTEGER AS n FROM ${table}`, {})).rows[0]!.n);
    assert.equal(await count(SOURCE_BITS_TABLE), 0, 'no source bitmaps');
    assert.equal(await count(DAY_BITS_TABLE), 3, 'a day bitmap per day');
    // A later day of the site keeps none either.
    fx.snapshots.snapshot = { ...fx.snapshots.snapshot, generation: 2, files: [...fx.snapshots.snapshot.files, await fx.lake.writeFile([fx.row('2026-11-24T10:00:00.000Z', 'page_view', 1)])] };
    await engine.rollup!.catchUp();
    assert.deepEqual(await covered(engine, '2026-11-24', '2026-11-24'), { '2026-11-24': 24 });
    assert.equal(await count(SOURCE_BITS_TABLE), 0);
    assert.equal(engine.rollupSiteStats!('s')?.sourceBits, 0);
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
  // With the default limit the same days keep them.
  const fy = await fixture();
  const kept = await fy.open(null);
  try {
    await kept.rollup!.catchUp();
    assert.equal(kept.rollupSiteStats!('s')?.sourceBits, 16);
  } finally {
    await kept.close();
    await fy.lake.cleanup();
  }
});

test('a day is rolled up only settleMs after its end, an hour settleMs after its end', async () => {
  const fx = await fixture();
  // 13 h: the 26th ended 12 h before NOW, so only the 25th is settled whole; the 26th's first 23 hours are.
  const engine = await fx.open(null, 13 * 3_600_000);
  try {
    await engine.rollup!.catchUp();
    assert.deepEqual(await covered(engine, '2026-11-25', '2026-11-27'), { '2026-11-25': 24, '2026-11-26': 23 });
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test('a restart reuses the rollup file; a damaged file is deleted and rebuilt', async () => {
  const fx = await fixture();
  try {
    let engine = await fx.open(fx.path);
    await engine.rollup!.catchUp();
    await engine.close();

    engine = await fx.open(fx.path);
    assert.deepEqual(await covered(engine, '2026-11-25', '2026-11-27'), { '2026-11-25': 24, '2026-11-26': 24, '2026-11-27': 12 }, 'the stored days are reused at once');
    assert.equal(await engine.rollup!.catchUp(), 0, 'nothing to rebuild');
    // User SQL may read the rollup (it holds nothing the lake does not) but cannot change it.
    assert.equal((await engine.query(`SELECT count(*) AS n FROM ${ROLLUP_TABLE}`)).rows[0]!.n, 3);
    await assert.rejects(engine.query(`DELETE FROM ${ROLLUP_TABLE}`), { code: 'CLK_ERR_QUERY_NOT_READ_ONLY' });
    await engine.close();

    await writeFile(fx.path, 'not a duckdb file '.repeat(1000));
    engine = await fx.open(fx.path);
    assert.equal((await engine.rollupDays!('2026-11-25', '2026-11-27')).size, 0);
    assert.equal(await engine.rollup!.catchUp(), 3);
    assert.deepEqual(await storedDay(engine, '2026-11-26'), { n: 3, pv: 2 });
    await engine.close();
  } finally {
    await fx.lake.cleanup();
  }
});

test('today is rolled up hour by hour: a closed hour is added to the stored ones, a late event in a stored hour rebuilds them, the closed day is whole', async () => {
  const fx = await fixture();
  let now = NOW;
  fx.tail.append(fx.row('2026-11-27T10:30:00.000Z', 'page_view', 2));
  fx.tail.append(fx.row('2026-11-27T12:20:00.000Z', 'page_view', 3));
  const engine = await fx.open(null, 0, () => now);
  // The stored rows of today's hour (their rowids: a row deleted and inserted again gets a new one).
  const rowids = async (hour: number) =>
    (await engine.queryInternal(`SELECT rowid AS id FROM ${ROLLUP_TABLE} WHERE dt = '2026-11-27' AND hour = ${hour}`, {})).rows.map((r) => Number(r.id));
  const nineOClock = () => rowids(9);
  try {
    await engine.rollup!.catchUp();
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 12);
    assert.deepEqual(await storedDay(engine, '2026-11-27'), { n: 2, pv: 2 });
    // rollupGeneration moves with every change of a partial day's stored rows (the dashboards check it), and only then.
    const generation = engine.rollupGeneration!();
    assert.ok(generation > 0);
    assert.equal(await engine.rollup!.catchUp(), 0);
    assert.equal(engine.rollupGeneration!(), generation);
    const before = await nineOClock();
    assert.equal(before.length, 1);

    now = Date.parse('2026-11-27T13:00:00Z');
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 12, 'stored hours stay valid while the next one fills');
    assert.equal(await engine.rollup!.catchUp(), 1);
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 13);
    assert.deepEqual(await storedDay(engine, '2026-11-27'), { n: 3, pv: 3 });
    assert.deepEqual(await nineOClock(), before, 'hours 0-11 were kept, hour 12 added');
    assert.equal(engine.rollupGeneration!(), generation + 1);

    // A late event in a stored hour: today's stored hours no longer hold (read from events) until that hour is read
    // again; the other hours' rows are kept.
    const tenOClock = await rowids(10);
    fx.tail.append(fx.row('2026-11-27T09:30:00.000Z', 'click', 4));
    assert.deepEqual(await covered(engine, '2026-11-27', '2026-11-27'), {});
    assert.equal(await engine.rollup!.catchUp(), 1);
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 13);
    assert.deepEqual(await storedDay(engine, '2026-11-27'), { n: 4, pv: 3 });
    assert.notDeepEqual(await nineOClock(), before, 'hour 9 read again');
    assert.deepEqual(await rowids(10), tenOClock, 'hour 10 kept');
    // The per-day bucket (distinct counts, not additive) is kept for whole days only; the hourly ones for every hour.
    const buckets = async () =>
      (await engine.queryInternal(`SELECT list(hour ORDER BY hour) AS h FROM rollup.buckets WHERE dt = '2026-11-27'`, {})).rows[0]!.h;
    assert.deepEqual(await buckets(), [9, 10, 12]);

    // The day closes: the rest is added, and it is whole.
    now = Date.parse('2026-11-28T00:00:00Z');
    assert.equal(await engine.rollup!.catchUp(), 1);
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 24);
    assert.equal(engine.rollupGeneration!(), generation + 3, 'the rebuild and the completion moved it too');
    assert.deepEqual(await buckets(), [-1, 9, 10, 12]);
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test('today rebuilt to fewer hours than stored (a clock set back) keeps no row past the new end', async () => {
  const fx = await fixture();
  let now = NOW;
  fx.tail.append(fx.row('2026-11-27T11:15:00.000Z', 'page_view', 2));
  const engine = await fx.open(null, 0, () => now);
  try {
    await engine.rollup!.catchUp();
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 12);
    assert.deepEqual(await storedDay(engine, '2026-11-27'), { n: 2, pv: 2 });
    fx.tail.append(fx.row('2026-11-27T09:30:00.000Z', 'click', 3));
    now = Date.parse('2026-11-27T11:00:00Z');
    assert.equal(await engine.rollup!.catchUp(), 1);
    assert.equal((await covered(engine, '2026-11-27', '2026-11-27'))['2026-11-27'], 11);
    assert.deepEqual(await storedDay(engine, '2026-11-27'), { n: 2, pv: 1 }, 'hours 9 (read again) and earlier; not hour 11');
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test('a request that finds a stored day changed wakes the keeper: it is rolled up again within seconds, not intervalMs', async () => {
  const fx = await fixture();
  const engine = await fx.open(null, 0, () => NOW, { wakeGapMs: 500 }); // intervalMs: 1 h
  const day25 = async () => (await covered(engine, '2026-11-25', '2026-11-25'))['2026-11-25'];
  try {
    engine.rollup!.start();
    await waitFor(async () => (await day25()) === 24, 10_000, 'the first round');
    fx.tail.append(fx.row('2026-11-25T23:59:00.000Z', 'page_view', 9));
    assert.equal(await day25(), undefined, 'changed: read from events');
    await waitFor(async () => (await day25()) === 24, 15_000, 'the changed day rolled up again');
    assert.deepEqual(await storedDay(engine, '2026-11-25'), { n: 3, pv: 2 });
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test("liveRowsOfDays: a partial day's later-hour files as cached rows, the rest (other files, unwritten events) as events; a writer commit moves rollupGeneration", async () => {
  const fx = await fixture();
  const engine = await fx.open(null);
  try {
    // Today (27th) has 12 stored hours; a file of hour 12 and one of hour 13 come later, and an unwritten event.
    const h12 = await fx.lake.writeFile([fx.row('2026-11-27T12:10:00.000Z', 'page_view', 6), fx.row('2026-11-27T12:20:00.000Z', 'click', 7)]);
    const h13 = await fx.lake.writeFile([fx.row('2026-11-27T13:10:00.000Z', 'page_view', 8)]);
    fx.snapshots.snapshot = { ...fx.snapshots.snapshot, generation: 2, files: [...fx.snapshots.snapshot.files, h12, h13] };
    fx.tail.append(fx.row('2026-11-27T13:30:00.000Z', 'page_view', 9));
    const partial = new Map([['2026-11-27', 12]]);
    const before = engine.rollup!.generation();
    const live = await engine.liveRowsOfDays!('2026-11-26', '2026-11-27', partial);
    assert.notEqual(before, engine.rollupGeneration!(), 'the refresh applied a new lake generation');
    const rows = await engine.queryInternal(`SELECT hour, sum(n)::INTEGER AS n FROM (${live.rows!}) GROUP BY hour ORDER BY hour`, {});
    assert.deepEqual(rows.rows, [{ hour: 12, n: 2 }, { hour: 13, n: 1 }], 'both later-hour files, nothing else');
    const events = await engine.queryInternal(`SELECT list(event_id ORDER BY event_id) AS ids FROM ${live.source}`, {});
    // The 26th's file and the unwritten event; not today's stored hour-9 file (skipped) nor the cached files.
    assert.deepEqual(events.rows[0]!.ids, ['e-2026-11-26T08:00:00.000Z-1', 'e-2026-11-26T08:01:00.000Z-2', 'e-2026-11-26T08:02:00.000Z-3', 'e-2026-11-27T13:30:00.000Z-9']);
    // Asked again: the files' rows are reused.
    const again = await engine.liveRowsOfDays!('2026-11-27', '2026-11-27', partial);
    assert.equal(again.rows, live.rows);
    // A commit (the writer wrote the unwritten event) moves the generation a statement is checked against.
    const g = engine.rollupGeneration!();
    const h13b = await fx.lake.writeFile([fx.row('2026-11-27T13:30:00.000Z', 'page_view', 9)]);
    fx.snapshots.snapshot = { generation: 3, checkpoint: { seq: fx.tail.last }, files: [...fx.snapshots.snapshot.files, h13b] };
    fx.tail.trim(fx.tail.last);
    await engine.refresh();
    assert.notEqual(engine.rollupGeneration!(), g);
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});

test("after a round, the rows of today's later-hour files are already computed (no request waits for them)", async () => {
  const fx = await fixture();
  const h12 = await fx.lake.writeFile([fx.row('2026-11-27T12:10:00.000Z', 'page_view', 6)]);
  fx.snapshots.snapshot = { ...fx.snapshots.snapshot, generation: 2, files: [...fx.snapshots.snapshot.files, h12] };
  const engine = await fx.open(null);
  try {
    const files = async () => (await engine.queryInternal(`SELECT coalesce(list(DISTINCT file), []) AS f FROM file_rollup_rows`, {})).rows[0]!.f;
    assert.deepEqual(await files(), []);
    await engine.rollup!.catchUp();
    assert.deepEqual(await covered(engine, '2026-11-27', '2026-11-27'), { '2026-11-27': 12 });
    assert.deepEqual(await files(), [h12.path], "today's hour-12 file, not the stored hours' files");
  } finally {
    await engine.close();
    await fx.lake.cleanup();
  }
});
