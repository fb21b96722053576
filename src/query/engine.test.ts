import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { LAKE_COLUMNS } from '../core/schema.js';
import { createQueryEngine } from './engine.js';
import { FakeSnapshots, FakeTail, TestLake, commitToLake, lakeRow, silentLogger } from './testkit.js';

async function setup(overrides: { timeoutMs?: number; maxRows?: number } = {}) {
  const lake = await TestLake.create();
  const tail = new FakeTail();
  const snapshots = new FakeSnapshots();
  const registry = new Registry();
  const engine = await createQueryEngine({
    snapshots,
    tail,
    lakeDir: lake.lakeDir,
    logger: silentLogger,
    registry,
    timeoutMs: overrides.timeoutMs ?? 10_000,
    maxRows: overrides.maxRows ?? 1_000,
    memoryLimit: '512MB',
    threads: 2,
  });
  const ids = async (): Promise<string[]> =>
    (await engine.query('SELECT event_id FROM events ORDER BY event_id')).rows.map((r) => String(r.event_id));
  return { lake, tail, snapshots, registry, engine, ids };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function teardown(s: Setup): Promise<void> {
  await s.engine.close();
  await s.lake.cleanup();
}

describe('query engine: the events view', () => {
  let s: Setup;
  before(async () => {
    s = await setup();
  });
  after(() => teardown(s));

  it('returns lake and hot rows with the schema types, dt and hour on both sides', async () => {
    s.tail.append(lakeRow({ event_id: 'lake-1', seq: 7, x: 10 }));
    await commitToLake(s.lake, s.tail, s.snapshots, s.tail.last);
    s.tail.append(lakeRow({ event_id: 'hot-1', ts: '2026-11-27T23:59:59.999Z', seq: 8, x: 11 }));

    const r = await s.engine.query('SELECT * FROM events ORDER BY event_id');
    assert.deepEqual(
      r.columns.map((c) => c.name),
      [...LAKE_COLUMNS.map((c) => c.name), 'dt', 'hour'],
    );
    const types = Object.fromEntries(r.columns.map((c) => [c.name, c.type]));
    assert.equal(types.ts, 'TIMESTAMP WITH TIME ZONE');
    assert.equal(types.seq, 'BIGINT');
    assert.equal(types.x, 'INTEGER');
    assert.equal(types.dt, 'DATE');
    assert.equal(types.hour, 'INTEGER');
    assert.equal(r.rows.length, 2);
    const [hot, lakeSide] = r.rows;
    const pick = (row: (typeof r.rows)[number]) => ({
      id: row.event_id, ts: row.ts, dt: row.dt, hour: row.hour, seq: row.seq, x: row.x,
    });
    const day = '2026-11-27';
    assert.deepEqual(pick(hot), { id: 'hot-1', ts: `${day}T23:59:59.999Z`, dt: day, hour: 23, seq: 8, x: 11 });
    assert.deepEqual(pick(lakeSide), { id: 'lake-1', ts: `${day}T09:15:00.000Z`, dt: day, hour: 9, seq: 7, x: 10 });
    assert.equal(lakeSide.user_id, null);
    assert.equal(hot.properties, '{}');
  });

  it('reads files of an older lake schema (a column missing) next to current ones, NULL for the missing column', async () => {
    const older = await s.lake.writeFile([lakeRow({ event_id: 'old-1', page_title: 'Old' })], 0, ['page_title', 'properties']);
    const prev = s.snapshots.snapshot;
    s.snapshots.snapshot = { ...prev, generation: prev.generation + 1, files: [...prev.files, older] };
    const r = await s.engine.query("SELECT event_id, page_title, properties FROM events WHERE event_id IN ('old-1', 'lake-1') ORDER BY 1");
    assert.deepEqual(r.rows, [
      { event_id: 'lake-1', page_title: lakeRow().page_title, properties: '{}' },
      { event_id: 'old-1', page_title: null, properties: null },
    ]);
    s.snapshots.snapshot = { ...s.snapshots.snapshot, generation: s.snapshots.snapshot.generation + 1, files: prev.files };
  });

  it('prunes lake files by partition', async () => {
    const r = await s.engine.query("SELECT count(*) AS n FROM events WHERE dt = DATE '2026-11-27' AND hour = 9");
    assert.deepEqual(r.rows, [{ n: 1 }]);
  });
});

describe('query engine: freshness across writer commits', () => {
  let s: Setup;
  before(async () => {
    s = await setup();
  });
  after(() => teardown(s));

  it('shows an acknowledged event to the next query', async () => {
    assert.deepEqual(await s.ids(), []);
    s.tail.append(lakeRow({ event_id: 'a' }));
    assert.deepEqual(await s.ids(), ['a']);
    s.tail.append(lakeRow({ event_id: 'b' }), lakeRow({ event_id: 'c' }));
    assert.deepEqual(await s.ids(), ['a', 'b', 'c']);
    const hot = await s.registry.getSingleMetricAsString('clicklake_query_hot_rows');
    assert.match(hot, /clicklake_query_hot_rows 3/);
  });

  it('keeps every event exactly once when a commit moves rows from the tail to Parquet', async () => {
    await commitToLake(s.lake, s.tail, s.snapshots, 2); // a, b to the lake; c stays in the tail
    assert.deepEqual(await s.ids(), ['a', 'b', 'c']);
    s.tail.append(lakeRow({ event_id: 'd', ts: '2026-11-28T00:00:01.000Z' }));
    await commitToLake(s.lake, s.tail, s.snapshots, s.tail.last);
    assert.deepEqual(await s.ids(), ['a', 'b', 'c', 'd']);
    assert.match(await s.registry.getSingleMetricAsString('clicklake_query_hot_rows'), /clicklake_query_hot_rows 0/);
    const parts = await s.engine.query('SELECT dt, count(*) AS n FROM events GROUP BY dt ORDER BY dt');
    assert.deepEqual(parts.rows, [
      { dt: '2026-11-27', n: 3 },
      { dt: '2026-11-28', n: 1 },
    ]);
  });

  it('retries when a commit lands while the tail is being read', async () => {
    s.tail.append(lakeRow({ event_id: 'e' }), lakeRow({ event_id: 'f' }));
    assert.deepEqual(await s.ids(), ['a', 'b', 'c', 'd', 'e', 'f']); // e, f are hot now
    s.tail.append(lakeRow({ event_id: 'g' }));
    // The commit of e, f, g happens after the engine read the snapshot, before it reads the tail: the tail read
    // then misses e, f, g (trimmed) while the old snapshot does not list them. Applying it would lose them.
    s.tail.beforeRead = () => commitToLake(s.lake, s.tail, s.snapshots, s.tail.last);
    const callsBefore = s.snapshots.calls;
    assert.deepEqual(await s.ids(), ['a', 'b', 'c', 'd', 'e', 'f', 'g']);
    assert.ok(s.snapshots.calls - callsBefore >= 4, 'the refresh was redone');
  });

  it('serves concurrent queries from a shared refresh and still sees every acknowledged event', async () => {
    const readsBefore = s.tail.reads;
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => {
        s.tail.append(lakeRow({ event_id: `z${i}` }));
        return s.engine.query("SELECT count(*) AS n FROM events WHERE event_id LIKE 'z%'");
      }),
    );
    results.forEach((r, i) => assert.ok(Number(r.rows[0].n) >= i + 1, `query ${i} sees its event`));
    assert.ok(s.tail.reads - readsBefore <= 3, `single flight (${s.tail.reads - readsBefore} reads)`);
  });

  it('makes a query that arrives during a refresh wait for the next one', async () => {
    const count = "SELECT count(*) AS n FROM events WHERE event_id = 'late'";
    let late: Promise<{ rows: unknown[] }> | undefined;
    const base = s.snapshots.calls;
    s.snapshots.onCall = (n) => {
      // Second snapshot read of the first query's refresh: its tail read is already done.
      if (n !== base + 2) return;
      s.tail.append(lakeRow({ event_id: 'late' }));
      late = s.engine.query(count);
    };
    await s.engine.query(count);
    s.snapshots.onCall = null;
    assert.ok(late);
    assert.deepEqual((await late).rows, [{ n: 1 }]);
  });

  it('skips a payload that is not JSON instead of failing every query', async () => {
    s.tail.appendRaw('{not json');
    s.tail.append(lakeRow({ event_id: 'h' }));
    const r = await s.engine.query("SELECT count(*) AS n FROM events WHERE event_id = 'h'");
    assert.deepEqual(r.rows, [{ n: 1 }]);
  });
});

describe('query engine: limits, errors, values', () => {
  let s: Setup;
  before(async () => {
    s = await setup({ timeoutMs: 400, maxRows: 50 });
  });
  after(() => teardown(s));

  it('interrupts a slow query after timeoutMs and keeps working', async () => {
    const started = Date.now();
    await assert.rejects(
      s.engine.query('SELECT count(*) FROM range(1000000000) a CROSS JOIN range(1000000000) b'),
      (err: { code?: string }) => err.code === 'CLK_ERR_QUERY_TIMEOUT',
    );
    assert.ok(Date.now() - started < 5_000, 'cancelled promptly');
    assert.deepEqual((await s.engine.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
    assert.match(
      await s.registry.getSingleMetricAsString('clicklake_query_errors_total'),
      /clicklake_query_errors_total\{code="CLK_ERR_QUERY_TIMEOUT"\} 1/,
    );
  });

  it('truncates to maxRows and says so', async () => {
    const r = await s.engine.query('SELECT * FROM range(1000000000000) t(i)');
    assert.equal(r.rows.length, 50);
    assert.equal(r.truncated, true);
    assert.deepEqual(r.rows[49], { i: 49 });
    const exact = await s.engine.query('SELECT * FROM range(50) t(i)');
    assert.equal(exact.rows.length, 50);
    assert.equal(exact.truncated, false);
    const fewer = await s.engine.query('SELECT * FROM range(50) t(i)', { maxRows: 5 });
    assert.deepEqual([fewer.rows.length, fewer.truncated], [5, true]);
    const more = await s.engine.query('SELECT * FROM range(60) t(i)', { maxRows: 500 });
    assert.deepEqual([more.rows.length, more.truncated], [50, true]);
    assert.equal(typeof r.elapsedMs, 'number');
  });

  it('reports SQL errors as CLK_ERR_QUERY_INVALID with DuckDB message', async () => {
    await assert.rejects(s.engine.query('SELECT nope FROM events'), (err: { code?: string; message: string }) => {
      assert.equal(err.code, 'CLK_ERR_QUERY_INVALID');
      assert.match(err.message, /nope/);
      return true;
    });
    await assert.rejects(s.engine.query('SELEC 1'), { code: 'CLK_ERR_QUERY_INVALID', message: /syntax error/ });
  });

  it('converts values to JSON-safe forms', async () => {
    const r = await s.engine.query(`SELECT
      42::BIGINT AS small, 9007199254740993::BIGINT AS big, (2::HUGEINT ** 70)::HUGEINT AS huge,
      12.50::DECIMAL(10,2) AS dec, 'NaN'::DOUBLE AS nan, true AS yes, NULL AS nothing,
      TIMESTAMPTZ '2026-11-27 10:00:00.123456+02' AS tstz, TIMESTAMP '2026-11-27 10:00:00' AS ts,
      DATE '2026-11-27' AS d, [1, 2, NULL] AS list, {'a': 1, 'b': 'x'} AS st, MAP {'k': 1, 'l': 2} AS m,
      MAP {1: 'one'} AS im, '\\x00\\xFFab'::BLOB AS bin, INTERVAL 90 MINUTE AS iv, 1 AS one, 2 AS one`);
    assert.deepEqual(r.rows[0], {
      small: 42,
      big: '9007199254740993',
      huge: '1180591620717411303424',
      dec: 12.5,
      nan: 'NaN',
      yes: true,
      nothing: null,
      tstz: '2026-11-27T08:00:00.123456Z',
      ts: '2026-11-27T10:00:00.000Z',
      d: '2026-11-27',
      list: [1, 2, null],
      st: { a: 1, b: 'x' },
      m: { k: 1, l: 2 },
      im: { '1': 'one' },
      bin: Buffer.from([0, 255, 97, 98]).toString('base64'),
      iv: '01:30:00',
      one: 1,
      'one:1': 2,
    });
    assert.deepEqual(
      r.columns.slice(0, 4).map((c) => c.type),
      ['BIGINT', 'BIGINT', 'HUGEINT', 'DECIMAL(10,2)'],
    );
  });

  it('binds parameters in queryInternal', async () => {
    s.tail.append(lakeRow({ event_id: 'p1', site_id: 'shop' }), lakeRow({ event_id: 'p2', site_id: 'blog' }));
    const r = await s.engine.queryInternal(
      'SELECT event_id FROM events WHERE site_id = $site AND ts >= $from::TIMESTAMPTZ',
      { site: 'shop', from: '2026-11-27T00:00:00Z' },
    );
    assert.deepEqual(r.rows, [{ event_id: 'p1' }]);
    await assert.rejects(s.engine.queryInternal('DELETE FROM hot_events', []), { code: 'CLK_ERR_QUERY_NOT_READ_ONLY' });
  });
});

describe('query engine: close', () => {
  it('interrupts a running query and refuses new ones', async () => {
    const s = await setup({ timeoutMs: 60_000 });
    const slow = s.engine.query('SELECT count(*) FROM range(1000000000) a CROSS JOIN range(1000000000) b');
    await new Promise((r) => setTimeout(r, 200));
    await s.engine.close();
    await assert.rejects(slow, { code: 'CLK_ERR_SHUTTING_DOWN' });
    await assert.rejects(s.engine.query('SELECT 1'), { code: 'CLK_ERR_SHUTTING_DOWN' });
    await s.lake.cleanup();
  });
});

describe('query engine: per-day fingerprints (dayFingerprints)', () => {
  let s: Setup;
  before(async () => {
    s = await setup();
  });
  after(() => teardown(s));

  it('has one entry per day with data; a change touches only its own day; unknown days show as *', async () => {
    s.tail.append(lakeRow({ event_id: 'a', ts: '2026-11-25T10:00:00.000Z' }), lakeRow({ event_id: 'b', ts: '2026-11-26T10:00:00.000Z' }));
    await commitToLake(s.lake, s.tail, s.snapshots, s.tail.last);
    s.tail.append(lakeRow({ event_id: 'c', ts: '2026-11-27T10:00:00.000Z' }));
    const first = await s.engine.dayFingerprints(null, null);
    assert.deepEqual([...first.keys()].sort(), ['2026-11-25', '2026-11-26', '2026-11-27']);
    assert.deepEqual([...(await s.engine.dayFingerprints('2026-11-26', '2026-11-26')).keys()], ['2026-11-26'], 'bounded by the range');

    // A late event of 2026-11-25 (hot) changes that day only.
    s.tail.append(lakeRow({ event_id: 'late', ts: '2026-11-25T23:00:00.000Z' }));
    const late = await s.engine.dayFingerprints(null, null);
    assert.notEqual(late.get('2026-11-25'), first.get('2026-11-25'));
    assert.equal(late.get('2026-11-26'), first.get('2026-11-26'));
    assert.equal(late.get('2026-11-27'), first.get('2026-11-27'));

    // A commit moves the hot rows into files: their days change, the untouched day does not.
    await commitToLake(s.lake, s.tail, s.snapshots, s.tail.last);
    const committed = await s.engine.dayFingerprints(null, null);
    assert.notEqual(committed.get('2026-11-25'), late.get('2026-11-25'));
    assert.notEqual(committed.get('2026-11-27'), late.get('2026-11-27'));
    assert.equal(committed.get('2026-11-26'), first.get('2026-11-26'));

    // A payload whose day cannot be read makes per-day reuse impossible: '*'.
    s.tail.appendRaw('{"event_id":"odd","ts":17}');
    assert.ok((await s.engine.dayFingerprints(null, null)).has('*'));
  });

  it('eventsOfDays reads the files of those days only, without the skipped first hours of a day', async () => {
    await teardown(s);
    s = await setup();
    s.tail.append(lakeRow({ event_id: 'h9', ts: '2026-11-28T09:00:00.000Z' }), lakeRow({ event_id: 'h10', ts: '2026-11-28T10:00:00.000Z' }));
    s.tail.append(lakeRow({ event_id: 'h11', ts: '2026-11-29T11:00:00.000Z' }));
    await commitToLake(s.lake, s.tail, s.snapshots, s.tail.last);
    const ids = async (relation: string) =>
      (await s.engine.queryInternal(`SELECT list(event_id ORDER BY event_id) AS ids FROM ${relation} WHERE dt >= '2026-11-28'`, {})).rows[0]!.ids;
    assert.deepEqual(await ids(await s.engine.eventsOfDays!('2026-11-28', '2026-11-28')), ['h10', 'h9']);
    assert.deepEqual(await ids(await s.engine.eventsOfDays!('2026-11-28', '2026-11-29', new Map([['2026-11-28', 10]]))), ['h10', 'h11']);
  });
});
