import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { LAKE_SCHEMA_VERSION, type Manifest, type ManifestFile, emptyManifest, readManifest } from '../core/lake.js';
import type { LakeRow } from '../core/schema.js';
import { compactionCandidates, type CompactionPolicy, mergeSelection } from './compaction.js';
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
  // Out of order on purpose (time, sites, sessions): compaction sorts.
  return Array.from({ length: n }, (_, i) =>
    lakeRow({
      ts: `2026-11-27T${hour}:${String(59 - ((offsetMin + i * 7) % 60)).padStart(2, '0')}:00.000Z`,
      seq: i,
      site_id: (offsetMin + i) % 2 === 0 ? 'shop' : 'blog',
      session_id: `sess-${(offsetMin + i) % 3}`,
    }),
  );
}

const partitionFiles = (m: Manifest, hour: string) => m.files.filter((f) => f.partition === `dt=2026-11-27/hour=${hour}`);

test('a closed hour is merged into one file sorted by site, session and ts, with identical rows; old files go after the grace period', async () => {
  const fx = await writerFixture();
  try {
    // Four flushes into hour 09 (closed: the clock is 12:30) and two into hour 12 (open, fewer than compactMinFiles).
    await flushEach(
      fx,
      [0, 1, 2, 3].map((k) => [...rowsAt('09', 5, k * 11), ...(k < 2 ? rowsAt('12', 2, k * 13) : [])]),
    );
    const before = fx.writer.manifest();
    const old09 = partitionFiles(before, '09');
    const old12 = partitionFiles(before, '12');
    assert.equal(old09.length, 4);
    assert.equal(old12.length, 2);
    for (const f of before.files) {
      assert.equal(f.schema, LAKE_SCHEMA_VERSION, 'every file records its schema version');
      assert.equal(f.compacted, undefined, 'flushed files are not compacted');
    }
    const rowsBefore = await readRows(fx);

    assert.equal(await fx.writer.compact(), 1);
    const after = await readManifest(fx.store);
    assert.deepEqual(after, fx.writer.manifest());
    const new09 = partitionFiles(after, '09');
    assert.equal(new09.length, 1);
    assert.equal(new09[0]!.rows, 20);
    assert.equal(new09[0]!.compacted, true);
    assert.equal(new09[0]!.schema, LAKE_SCHEMA_VERSION);
    assert.match(new09[0]!.key, /^events\/dt=2026-11-27\/hour=09\/part-g\d+-compacted-[0-9a-f]+\.parquet$/);
    assert.deepEqual(partitionFiles(after, '12'), old12, 'an open hour below compactMinFiles is left alone');
    assert.deepEqual(after.pendingDeletes, old09.map((f) => f.key));
    assert.deepEqual(await readRows(fx), rowsBefore, 'same rows, same values');

    const [merged] = fx.writer.snapshot().files.map((f) => f.path).filter((f) => f.includes('hour=09'));
    const order = await fx.query(
      `SELECT count(*) FILTER (WHERE p_site IS NOT NULL AND (site_id, session_id, ts) < (p_site, p_session, p_ts)) AS backwards FROM (` +
        `SELECT site_id, session_id, ts, lag(site_id) OVER () AS p_site, lag(session_id) OVER () AS p_session, ` +
        `lag(ts) OVER () AS p_ts FROM read_parquet(${sqlList([merged!])}))`,
    );
    assert.deepEqual(order, [{ backwards: '0' }], 'rows sorted by (site_id, session_id, ts)');
    const codecs = await fx.query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlList([merged!])})`);
    assert.deepEqual(codecs, [{ compression: 'ZSTD' }]);
    assert.equal(await fx.metric('clicklake_writer_compactions_total'), 1);

    // A single compacted file is done: the closed hour is not compacted again.
    assert.equal(await fx.writer.compact(), 0);

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

test('a closed hour with a single flushed file is rewritten sorted; the open hour is compacted at compactMinFiles', async () => {
  const fx = await writerFixture({ compactMinFiles: 3 });
  try {
    await flushEach(fx, [[...rowsAt('08', 4, 0), ...rowsAt('12', 2, 0)], rowsAt('12', 2, 5)]);
    assert.equal(await fx.writer.compact(), 1, 'hour 08 (one flushed file) only: hour 12 has 2 files < 3');
    const [single] = partitionFiles(fx.writer.manifest(), '08');
    assert.equal(single!.compacted, true);
    assert.equal(single!.rows, 4);
    assert.equal(partitionFiles(fx.writer.manifest(), '12').length, 2);

    await flushEach(fx, [rowsAt('12', 2, 9)]);
    assert.equal(await fx.writer.compact(), 1, 'the current hour reached compactMinFiles');
    const [open] = partitionFiles(fx.writer.manifest(), '12');
    assert.equal(partitionFiles(fx.writer.manifest(), '12').length, 1);
    assert.equal(open!.rows, 6);

    // New events of the open hour make new files, merged at compactMinFiles without the compacted piece; once the
    // hour is closed (and past the grace), all of it is merged into one file.
    await flushEach(fx, [rowsAt('12', 1, 20), rowsAt('12', 1, 30)]);
    assert.equal(await fx.writer.compact(), 0, 'two new files < compactMinFiles');
    await flushEach(fx, [rowsAt('12', 1, 40)]);
    assert.equal(await fx.writer.compact(), 1);
    assert.deepEqual(partitionFiles(fx.writer.manifest(), '12').map((f) => [f.rows, f.compacted]), [[6, true], [3, true]]);
    await flushEach(fx, [rowsAt('12', 1, 50)]);
    fx.clock.now = Date.parse('2026-11-27T13:09:00.000Z');
    assert.equal(await fx.writer.compact(), 0, 'within the grace period after the hour');
    fx.clock.now = Date.parse('2026-11-27T13:10:00.000Z');
    assert.equal(await fx.writer.compact(), 1);
    const closed = partitionFiles(fx.writer.manifest(), '12');
    assert.deepEqual(closed.map((f) => [f.rows, f.compacted]), [[10, true]]);
    assert.equal((await readRows(fx)).length, 14);
  } finally {
    await fx.cleanup();
  }
});

function file(partition: string, bytes: number, compacted = false, n = 0): ManifestFile {
  return {
    key: `events/${partition}/part-${n}.parquet`,
    partition,
    rows: 1,
    bytes,
    schema: 1,
    ...(compacted ? { compacted: true } : {}),
  };
}

test('compactionCandidates: closed vs open hours, the grace period and the size bound', () => {
  const policy: CompactionPolicy = { minFiles: 3, targetBytes: 1000, graceMs: 600_000 };
  const h = (hh: string) => `dt=2026-11-27/hour=${hh}`;
  const manifest = (files: ManifestFile[]): Manifest => ({ ...emptyManifest(), files });
  const due = (files: ManifestFile[], now = FIXTURE_NOW) =>
    compactionCandidates(manifest(files), now, policy).map((c) => [c.partition, c.files.map((f) => f.key)]);

  // closed hours (the clock is 12:30)
  assert.deepEqual(due([file(h('09'), 10)]), [[h('09'), ['events/dt=2026-11-27/hour=09/part-0.parquet']]], 'one flushed file');
  assert.deepEqual(due([file(h('09'), 10, true)]), [], 'one compacted file is done');
  assert.equal(due([file(h('09'), 10, true, 1), file(h('09'), 10, true, 2)]).length, 1, 'two compacted files');
  // the hour that ended at 12:00 is open until 12:10
  assert.deepEqual(due([file(h('11'), 10, false, 1), file(h('11'), 10, false, 2)], Date.parse('2026-11-27T12:09:59.999Z')), []);
  assert.equal(due([file(h('11'), 10, false, 1), file(h('11'), 10, false, 2)], Date.parse('2026-11-27T12:10:00.000Z')).length, 1);
  // open hours: compactMinFiles mergeable files
  assert.deepEqual(due([1, 2].map((n) => file(h('12'), 10, false, n))), []);
  assert.equal(due([1, 2, 3].map((n) => file(h('12'), 10, false, n))).length, 1);
  assert.equal(due([1, 2, 3].map((n) => file(h('13'), 10, false, n))).length, 1, 'a future hour counts as open');
  assert.deepEqual(due([file(h('12'), 10, true, 1), file(h('12'), 10, false, 2), file(h('12'), 10, false, 3)]), [], 'open: flushed files only');
  assert.deepEqual(
    due([file(h('12'), 10, true, 1), ...[2, 3, 4].map((n) => file(h('12'), 10, false, n))]).map(([, keys]) => keys.length),
    [3],
    'an open hour merges its new flushed files, not its compacted piece',
  );
  // oldest partition first
  assert.deepEqual(due([file(h('10'), 10, false, 1), file(h('08'), 10, false, 2)]).map(([p]) => p), [h('08'), h('10')]);

  // the size bound: files of at least the target, and compacted files of at least half of it, are left as they are;
  // a merge takes files in commit order while the total stays within the target
  const files = [file(h('09'), 1000, false, 1), file(h('09'), 600, true, 2), file(h('09'), 400, false, 3), file(h('09'), 500, false, 4), file(h('09'), 300, false, 5)];
  assert.deepEqual(mergeSelection(files, 1000).map((f) => f.key), [files[2]!.key, files[3]!.key]);
  assert.deepEqual(due([file(h('09'), 1000, false, 1), file(h('09'), 600, true, 2)]), [], 'nothing mergeable');
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

test('stop() deletes retired files at once: the stopped lake holds exactly the manifest files', async () => {
  const fx = await writerFixture();
  try {
    await flushEach(fx, [rowsAt('07', 2, 0), rowsAt('07', 2, 3)]);
    assert.equal(await fx.writer.compact(), 1);
    const retired = fx.writer.manifest().pendingDeletes;
    assert.equal(retired.length, 2);
    await fx.buffer.append(payloadsOf(rowsAt('12', 1, 0)));
    await fx.writer.stop(); // flushes the pending event first
    const m = await readManifest(fx.store);
    assert.deepEqual(m.pendingDeletes, []);
    assert.equal(m.files.length, 2);
    assert.deepEqual((await fx.store.list('events/')).map((o) => o.key), m.files.map((f) => f.key).sort());
    for (const key of retired) assert.equal(existsSync(fx.store.localPath(key)!), false);
  } finally {
    await fx.cleanup();
  }
});
