import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { MANIFEST_KEY, emptyManifest, readManifest } from '../core/lake.js';
import { FAILED_TABLE } from '../core/tables.js';
import type { Manifest } from '../core/lake.js';
import { writerFixture } from './testing/fixture.js';
import { readRows } from './testing/lake.js';
import { lakeRow, payloadsOf } from './testing/rows.js';

const ids = (rows: readonly object[]) => rows.map((r) => String((r as { event_id?: unknown }).event_id)).sort();

test('crash between the manifest commit and the buffer trim: a restarted writer writes nothing twice', async () => {
  const fx = await writerFixture();
  try {
    const rows = [lakeRow(), lakeRow({ ts: '2026-11-27T10:00:00.000Z' })];
    await fx.buffer.append(payloadsOf(rows));
    let failures = 1;
    fx.buffer.failCommit = () => {
      if (failures-- > 0) throw new Error('killed before the buffer trim');
    };
    const crashed = fx.writer;
    await assert.rejects(crashed.flush(), /killed before the buffer trim/);

    // The crash point: the lake holds the batch, the buffer still does too.
    const committed = await readManifest(fx.store);
    assert.equal(committed.generation, 1);
    assert.deepEqual(committed.checkpoint, { seq: 2 });
    assert.equal(fx.buffer.stats().pendingRecords, 2);

    const restarted = fx.newWriter();
    await restarted.recover();
    assert.equal(fx.buffer.stats().pendingRecords, 0, 'recovery trimmed the buffer up to the manifest checkpoint');
    assert.deepEqual(await restarted.flush(), { events: 0, duplicates: 0, files: 0, rejected: 0, batches: 0 });
    assert.deepEqual(ids(await readRows(fx, restarted.snapshot().files)), ids(rows));
    assert.equal(restarted.manifest().generation, 1);
  } finally {
    await fx.cleanup();
  }
});

test('the same crash inside a running writer: its next flush re-synchronises and trims the buffer', async () => {
  const fx = await writerFixture();
  try {
    const rows = [lakeRow(), lakeRow()];
    await fx.buffer.append(payloadsOf(rows));
    let failures = 1;
    fx.buffer.failCommit = () => {
      if (failures-- > 0) throw new Error('buffer commit failed');
    };
    await assert.rejects(fx.writer.flush(), /buffer commit failed/);
    assert.equal(await fx.metric('clicklake_writer_errors_total'), 1);
    const more = [lakeRow()];
    await fx.buffer.append(payloadsOf(more));
    const result = await fx.writer.flush();
    assert.equal(result.events, 1);
    assert.deepEqual(ids(await readRows(fx)), ids([...rows, ...more]));
    assert.equal(fx.buffer.stats().pendingRecords, 0);
  } finally {
    await fx.cleanup();
  }
});

test('crash during the manifest put: the files put are orphans, deleted on recovery, and the batch is rewritten', async () => {
  const fx = await writerFixture();
  try {
    const store = {
      ...fx.store,
      putBytes: async (key: string, data: Uint8Array) => {
        // The first commit (generation 1) crashes; the empty manifest a new lake gets first (generation 0) lands.
        if (key === MANIFEST_KEY && (JSON.parse(new TextDecoder().decode(data)) as Manifest).generation > 0) throw new Error('crash while committing');
        return fx.store.putBytes(key, data);
      },
    };
    const crashed = fx.newWriter({ store });
    const rows = [lakeRow({ ts: '2026-11-27T08:00:00.000Z' }), lakeRow({ ts: '2026-11-27T09:00:00.000Z' })];
    await fx.buffer.append(payloadsOf(rows));
    await assert.rejects(crashed.flush(), /crash while committing/);
    const leftovers = (await fx.store.list('events/')).map((o) => o.key);
    assert.equal(leftovers.length, 2, 'both files were put before the commit failed');
    assert.equal((await readManifest(fx.store)).generation, 0, 'only the empty manifest is committed');

    const restarted = fx.newWriter();
    await restarted.recover();
    assert.deepEqual(await fx.store.list('events/'), [], 'orphans deleted');
    assert.equal((await restarted.flush()).events, 2);
    const keys = (await fx.store.list('events/')).map((o) => o.key);
    assert.deepEqual(keys, restarted.manifest().files.map((f) => f.key).sort());
    for (const k of leftovers) assert.ok(!keys.includes(k));
    assert.deepEqual(ids(await readRows(fx, restarted.snapshot().files)), ids(rows));
  } finally {
    await fx.cleanup();
  }
});

test('recover deletes orphan files, pendingDeletes and scratch leftovers, and keeps every listed file', async () => {
  const fx = await writerFixture();
  try {
    await fx.buffer.append(payloadsOf([lakeRow(), lakeRow({ ts: '2026-11-27T10:00:00.000Z' })]));
    await fx.writer.flush();
    const live = fx.writer.manifest();

    const orphan = 'events/dt=2026-11-27/hour=09/part-seq99-deadbeef.parquet';
    const retired = 'events/dt=2026-11-27/hour=08/part-seq1-cafe.parquet';
    await fx.store.putBytes(orphan, new TextEncoder().encode('PAR1 leftover'));
    await fx.store.putBytes(retired, new TextEncoder().encode('PAR1 compacted away'));
    const withPending: Manifest = { ...live, generation: live.generation + 1, pendingDeletes: [retired] };
    await fx.store.putBytes(MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(withPending)));
    const scratch = join(fx.tmpDir, 'batch-left-by-a-crash');
    await mkdir(scratch, { recursive: true });
    await writeFile(join(scratch, 'p0.ndjson'), '{}');

    const restarted = fx.newWriter();
    await restarted.recover();
    const keys = (await fx.store.list('events/')).map((o) => o.key);
    assert.deepEqual(keys, live.files.map((f) => f.key).sort());
    const after = await readManifest(fx.store);
    assert.deepEqual(after.pendingDeletes, []);
    assert.equal(after.generation, withPending.generation + 1);
    assert.deepEqual(after.files, live.files);
    assert.equal(existsSync(scratch), false);
    assert.equal((await readRows(fx, restarted.snapshot().files)).length, 2);
    assert.ok(fx.logs.some((l) => l.level === 'warn' && (l.obj as { key?: string }).key === orphan));
    assert.ok(!fx.logs.some((l) => l.level === 'warn' && (l.obj as { key?: string }).key === retired), 'retired: no crash warning');
  } finally {
    await fx.cleanup();
  }
});

test('flush before recover runs the start-up recovery first', async () => {
  const fx = await writerFixture();
  try {
    const orphan = 'events/dt=2026-11-27/hour=09/part-x-1.parquet';
    await fx.store.putBytes(MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(emptyManifest())));
    await fx.store.putBytes(orphan, new Uint8Array([1]));
    await fx.buffer.append(payloadsOf([lakeRow()]));
    assert.equal((await fx.writer.flush()).events, 1);
    assert.equal(await fx.store.getBytes(orphan), null);
  } finally {
    await fx.cleanup();
  }
});

test('a new lake gets an empty manifest before anything is written', async () => {
  const fx = await writerFixture();
  try {
    assert.equal(await fx.store.getBytes(MANIFEST_KEY), null);
    await fx.writer.recover();
    const first = await readManifest(fx.store);
    assert.equal(first.generation, 0);
    assert.deepEqual(first.files, []);
    await fx.buffer.append(payloadsOf([lakeRow()]));
    await fx.writer.flush();
    assert.equal((await readManifest(fx.store)).generation, 1, 'the first commit follows it');
  } finally {
    await fx.cleanup();
  }
});

test('files without a manifest are never deleted: recovery fails with CLK_ERR_LAKE_NO_MANIFEST until it is back', async () => {
  const fx = await writerFixture();
  try {
    await fx.buffer.append(payloadsOf([lakeRow(), lakeRow({ ts: '2026-11-27T10:00:00.000Z' })]));
    await fx.writer.flush();
    const files = await fx.store.list('events/');
    assert.equal(files.length, 2);
    const manifest = (await fx.store.getBytes(MANIFEST_KEY))!;
    await fx.store.delete(MANIFEST_KEY); // lost: deleted by hand, or the files copied without _clicklake/

    for (const op of ['recover', 'flush'] as const) {
      const restarted = fx.newWriter();
      await assert.rejects(restarted[op](), (err: Error & { code?: string }) => {
        assert.equal(err.code, 'CLK_ERR_LAKE_NO_MANIFEST');
        assert.match(err.message, /2 object\(s\) .* under events\/ but no manifest _clicklake\/manifest\.json; nothing was deleted/);
        return true;
      });
      assert.deepEqual(await fx.store.list('events/'), files, `${op}: every file is still there`);
      assert.equal(await fx.store.getBytes(MANIFEST_KEY), null, `${op}: no manifest was made up`);
    }

    await fx.store.putBytes(MANIFEST_KEY, manifest); // restored
    const restored = fx.newWriter();
    await restored.recover();
    assert.equal((await readRows(fx, restored.snapshot().files)).length, 2);
  } finally {
    await fx.cleanup();
  }
});

test('the dead letters table is guarded the same way', async () => {
  const fx = await writerFixture({ table: FAILED_TABLE });
  try {
    const key = `${FAILED_TABLE.prefix}dt=2026-11-27/hour=09/part-1.parquet`;
    await fx.store.putBytes(key, new TextEncoder().encode('PAR1 data'));
    await assert.rejects(fx.writer.recover(), (err: Error & { code?: string }) =>
      err.code === 'CLK_ERR_LAKE_NO_MANIFEST' && /under failed\/ but no manifest _clicklake\/failed-manifest\.json/.test(err.message));
    assert.notEqual(await fx.store.getBytes(key), null);
  } finally {
    await fx.cleanup();
  }
});
