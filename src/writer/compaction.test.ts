import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { readManifest } from '../core/lake.js';
import type { LakeRow } from '../core/schema.js';
import { compactionCandidates } from './compaction.js';
import { FIXTURE_NOW, type WriterFixture, writerFixture } from './testing/fixture.js';
import { readRows, sqlList } from './testing/lake.js';
import { lakeRow, payloadsOf } from './testing/rows.js';

/** One flush per group: each makes one file per hour it touches. */
async function flushEach(fx: WriterFixture, groups: LakeRow[][]): Promise<void> {
  for (const g of groups) {
    await fx.buffer.append(payloadsOf(g));
    await fx.writer.flush();
  }
}

function rowsAt(hour: string, n: number, offsetMin: number): LakeRow[] {
  // Out of time order on purpose: compaction sorts.
  return Array.from({ length: n }, (_, i) =>
    lakeRow({ ts: `2026-11-27T${hour}:${String(59 - ((offsetMin + i * 7) % 60)).padStart(2, '0')}:00.000Z`, seq: i }),
  );
}

test('compact merges a finished hour into one ts-sorted file with identical rows; old files go after the grace period', async () => {
  const fx = await writerFixture();
  try {
    // Four flushes into hour 09 (finished) and into hour 12 (the current hour: 12:30).
    await flushEach(
      fx,
      [0, 1, 2, 3].map((k) => [...rowsAt('09', 5, k * 11), ...rowsAt('12', 2, k * 13)]),
    );
    const before = fx.writer.manifest();
    const old09 = before.files.filter((f) => f.partition === 'dt=2026-11-27/hour=09');
    const old12 = before.files.filter((f) => f.partition === 'dt=2026-11-27/hour=12');
    assert.equal(old09.length, 4);
    assert.equal(old12.length, 4);
    const rowsBefore = await readRows(fx);

    assert.equal(await fx.writer.compact(), 1);
    const after = await readManifest(fx.store);
    assert.deepEqual(after, fx.writer.manifest());
    const new09 = after.files.filter((f) => f.partition === 'dt=2026-11-27/hour=09');
    assert.equal(new09.length, 1);
    assert.equal(new09[0]!.rows, 20);
    assert.match(new09[0]!.key, /^events\/dt=2026-11-27\/hour=09\/part-g\d+-compacted-[0-9a-f]+\.parquet$/);
    assert.deepEqual(
      after.files.filter((f) => f.partition === 'dt=2026-11-27/hour=12'),
      old12,
      'the current hour is left alone',
    );
    assert.deepEqual(after.pendingDeletes, old09.map((f) => f.key));
    assert.deepEqual(await readRows(fx), rowsBefore, 'same rows, same values');

    const [merged] = fx.writer.snapshot().files.filter((f) => f.includes('hour=09'));
    const order = await fx.query(
      `SELECT count(*) FILTER (WHERE ts < prev) AS backwards FROM (SELECT ts, lag(ts) OVER () AS prev ` +
        `FROM read_parquet(${sqlList([merged!])}))`,
    );
    assert.deepEqual(order, [{ backwards: '0' }], 'rows sorted by ts');
    const codecs = await fx.query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlList([merged!])})`);
    assert.deepEqual(codecs, [{ compression: 'ZSTD' }]);
    assert.equal(await fx.metric('clicklake_writer_compactions_total'), 1);

    // Within the grace period the old files stay (a query may still read them); after it, a cycle deletes them.
    for (const f of old09) assert.ok(await fx.store.getBytes(f.key));
    fx.clock.now += 30_000;
    assert.equal((await fx.writer.cycle()).purged, 0);
    fx.clock.now += 30_000;
    const cycle = await fx.writer.cycle();
    assert.equal(cycle.purged, 4);
    for (const f of old09) assert.equal(await fx.store.getBytes(f.key), null);
    assert.deepEqual(fx.writer.manifest().pendingDeletes, []);
    assert.deepEqual(await readRows(fx), rowsBefore);
    assert.deepEqual(
      (await fx.store.list('events/')).map((o) => o.key),
      fx.writer.manifest().files.map((f) => f.key).sort(),
    );
  } finally {
    await fx.cleanup();
  }
});

test('partitions with too few files, or too many bytes, or in the current hour, are not compacted', async () => {
  const fx = await writerFixture({ compactMinFiles: 3 });
  try {
    await flushEach(fx, [rowsAt('07', 3, 0), rowsAt('07', 3, 5)]); // 2 files < 3
    assert.equal(await fx.writer.compact(), 0);
    await flushEach(fx, [rowsAt('07', 3, 9)]);
    const m = fx.writer.manifest();
    const bytes07 = m.files.reduce((n, f) => n + f.bytes, 0);
    assert.deepEqual(compactionCandidates(m, FIXTURE_NOW, 3, bytes07).map((c) => c.partition), [], 'not below the target');
    assert.deepEqual(compactionCandidates(m, FIXTURE_NOW, 3, bytes07 + 1).map((c) => c.partition), ['dt=2026-11-27/hour=07']);
    assert.deepEqual(
      compactionCandidates(m, Date.parse('2026-11-27T07:10:00.000Z'), 3, bytes07 + 1),
      [],
      'not the current hour',
    );
    assert.equal(await fx.writer.compact(), 1);
  } finally {
    await fx.cleanup();
  }
});

test('a cycle compacts at most one partition; the next cycle takes the next one', async () => {
  const fx = await writerFixture();
  try {
    await flushEach(
      fx,
      [0, 1, 2].map((k) => [...rowsAt('05', 2, k), ...rowsAt('06', 2, k)]),
    );
    const first = await fx.writer.cycle();
    assert.equal(first.compacted, 1);
    const partitions = () => fx.writer.manifest().files.map((f) => f.partition);
    assert.deepEqual(partitions().filter((p) => p.endsWith('hour=05')).length, 1, 'oldest first');
    assert.deepEqual(partitions().filter((p) => p.endsWith('hour=06')).length, 3);
    assert.equal((await fx.writer.cycle()).compacted, 1);
    assert.deepEqual(partitions().filter((p) => p.endsWith('hour=06')).length, 1);
    assert.equal((await fx.writer.cycle()).compacted, 0);
  } finally {
    await fx.cleanup();
  }
});

test('duplicates are still caught against a compacted partition, and recovery removes retired files at once', async () => {
  const fx = await writerFixture();
  try {
    const rows = rowsAt('08', 3, 0);
    await flushEach(fx, [[rows[0]!], [rows[1]!], [rows[2]!]]);
    assert.equal(await fx.writer.compact(), 1);
    const retired = fx.writer.manifest().pendingDeletes;
    assert.equal(retired.length, 3);

    await fx.buffer.append(payloadsOf([rows[1]!, lakeRow({ ts: '2026-11-27T08:30:00.000Z' })]));
    assert.deepEqual(await fx.writer.flush(), { events: 1, duplicates: 1, files: 1, rejected: 0, batches: 1 });
    assert.equal((await readRows(fx)).length, 4);

    const restarted = fx.newWriter();
    await restarted.recover();
    for (const key of retired) assert.equal(existsSync(fx.store.localPath(key)!), false);
    assert.deepEqual(restarted.manifest().pendingDeletes, []);
    assert.equal((await readRows(fx, restarted.snapshot().files)).length, 4);
  } finally {
    await fx.cleanup();
  }
});
