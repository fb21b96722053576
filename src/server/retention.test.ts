// Retention (src/writer/retention.ts) seen from the outside: the writer composed with the query engine, as the server
// composes them, with an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createQueryEngine } from '../query/index.js';
import { readManifest } from '../core/lake.js';
import { FAILED_TABLE, type FailedRow } from '../core/tables.js';
import { encodeFailedRow } from '../deadletter/index.js';
import { MemoryBuffer } from '../writer/testing/memory-buffer.js';
import { FIXTURE_NOW, writerFixture } from '../writer/testing/fixture.js';
import { memoryLogger } from '../writer/testing/logger.js';
import { lakeRow, payloadsOf } from '../writer/testing/rows.js';
import { expiredFiles } from '../writer/retention.js';

// Clock: 2026-11-27T12:30Z. retentionDays 2: days that ended more than 2 days ago go (dt <= 2026-11-24).
const DAYS = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27'];

test('expiredFiles: a partition goes once its UTC day ended retentionDays ago', () => {
  const files = DAYS.map((d) => ({ key: `events/dt=${d}/hour=10/p.parquet`, partition: `dt=${d}/hour=10`, rows: 1, bytes: 1 }));
  const m = { format: 'clicklake-manifest', version: 1, generation: 1, checkpoint: null, files, pendingDeletes: [], updatedAt: '' } as const;
  assert.deepEqual(expiredFiles(m, FIXTURE_NOW, 2).map((f) => f.partition), ['dt=2026-11-23/hour=10', 'dt=2026-11-24/hour=10']);
  assert.deepEqual(expiredFiles(m, FIXTURE_NOW, 1).length, 3);
  // Day partitions (failed_events) follow the same rule.
  const days = DAYS.map((d) => ({ key: `failed/dt=${d}/p.parquet`, partition: `dt=${d}`, rows: 1, bytes: 1 }));
  assert.deepEqual(expiredFiles({ ...m, files: days }, FIXTURE_NOW, 3).map((f) => f.partition), ['dt=2026-11-23']);
});

test('retention with an injected clock: old partitions leave the manifest, the disk and `events`; recent ones stay', async (t) => {
  const fx = await writerFixture({ retentionDays: 2, deleteGraceMs: 60_000 });
  t.after(() => fx.cleanup());
  const rows = DAYS.flatMap((d, i) => [lakeRow({ ts: `${d}T10:00:00.000Z`, seq: i }), lakeRow({ ts: `${d}T11:00:00.000Z`, seq: i })]);
  await fx.buffer.append(payloadsOf(rows));
  await fx.writer.flush();
  const before = fx.writer.manifest().files;
  assert.equal(before.length, 10);
  const old = before.filter((f) => f.partition.startsWith('dt=2026-11-23') || f.partition.startsWith('dt=2026-11-24'));
  assert.equal(old.length, 4);

  const engine = await createQueryEngine({
    snapshots: { current: async () => fx.writer.snapshot() },
    tail: fx.buffer,
    lakeDir: fx.lakeDir,
    logger: memoryLogger(),
    timeoutMs: 10_000,
    maxRows: 1000,
    memoryLimit: '256MB',
  });
  t.after(() => engine.close());
  const days = async () =>
    (await engine.query('SELECT CAST(dt AS VARCHAR) AS dt, count(*) AS n FROM events GROUP BY ALL ORDER BY dt')).rows.map((r) => r.dt);
  assert.deepEqual(await days(), DAYS);

  const result = await fx.writer.retain();
  assert.deepEqual(result.partitions, ['dt=2026-11-23/hour=10', 'dt=2026-11-23/hour=11', 'dt=2026-11-24/hour=10', 'dt=2026-11-24/hour=11']);
  assert.deepEqual([result.files, result.rows], [4, 4]);
  const committed = await readManifest(fx.store);
  assert.deepEqual(committed.files.map((f) => f.partition).filter((p) => p < 'dt=2026-11-25'), [], 'gone from the manifest');
  assert.equal(committed.files.length, 6);
  assert.deepEqual([...committed.pendingDeletes].sort(), old.map((f) => f.key).sort(), 'retired, waiting for the grace period');
  assert.deepEqual(await days(), DAYS.slice(2), 'gone from events at once');
  assert.ok(old.every((f) => existsSync(join(fx.lakeDir, f.key))), 'files stay for queries on the previous snapshot');
  assert.equal(await fx.metric('clicklake_writer_retention_files_removed_total'), 4);
  assert.equal(await fx.metric('clicklake_writer_retention_rows_removed_total'), 4);
  const line = fx.logs.find((l) => l.msg === 'writer: retention removed partitions');
  assert.ok(line, 'a log line names what was removed');
  assert.deepEqual((line.obj as { partitions: string[] }).partitions, result.partitions);

  // Nothing more to do at the same time; after the grace period a cycle deletes the files.
  assert.equal((await fx.writer.retain()).files, 0);
  fx.clock.now += 60_000;
  const cycle = await fx.writer.cycle();
  assert.equal(cycle.purged, 4);
  assert.ok(old.every((f) => !existsSync(join(fx.lakeDir, f.key))), 'deleted from disk');
  const pending = (await readManifest(fx.store)).pendingDeletes; // the cycle also compacted one hour
  assert.ok(old.every((f) => !pending.includes(f.key)));

  // Time passes: the next day's cycle expires dt=2026-11-25 too (checked periodically, by the injected clock).
  fx.clock.now += 24 * 3600_000;
  assert.equal((await fx.writer.cycle()).expired, 2);
  assert.deepEqual(await days(), DAYS.slice(3));
});

test('retention is checked at start (recover), and not at all without retentionDays', async (t) => {
  const fx = await writerFixture();
  t.after(() => fx.cleanup());
  await fx.buffer.append(payloadsOf([lakeRow({ ts: '2026-11-01T10:00:00.000Z' }), lakeRow({ ts: '2026-11-27T10:00:00.000Z' })]));
  await fx.writer.flush();
  assert.equal((await fx.writer.retain()).files, 0, 'no retentionDays: everything is kept');
  await fx.writer.stop();
  const restarted = fx.newWriter({ retentionDays: 7 });
  await restarted.recover();
  assert.deepEqual(restarted.manifest().files.map((f) => f.partition), ['dt=2026-11-27/hour=10']);
});

test('failed_events retention: day partitions older than failedDays go, through the failed manifest', async (t) => {
  const buffer = new MemoryBuffer(() => FIXTURE_NOW);
  const fx = await writerFixture();
  t.after(() => fx.cleanup());
  const failedWriter = fx.newWriter({ table: FAILED_TABLE, buffer, tmpDir: join(fx.root, 'tmp', 'writer-failed'), retentionDays: 3 });
  const row = (day: string): FailedRow => ({
    failure_id: crypto.randomUUID(), received_at: `${day}T08:00:00.000Z`, site_id: null, error_code: 'CLK_ERR_MALFORMED_JSON',
    reason: 'bad', scope: 'request', event_index: null, payload: '[{', payload_bytes: 2, payload_truncated: false,
    origin: null, user_agent: null, content_type: 'text/plain',
  });
  await buffer.append(DAYS.map((d) => encodeFailedRow(row(d))));
  await failedWriter.flush();
  assert.deepEqual(failedWriter.manifest().files.map((f) => f.partition), DAYS.map((d) => `dt=${d}`));
  assert.ok(failedWriter.manifest().files.every((f) => f.key.startsWith('failed/dt=')));
  const r = await failedWriter.retain();
  assert.deepEqual(r.partitions, ['dt=2026-11-23']);
  const m = await readManifest(fx.store, FAILED_TABLE.manifestKey);
  assert.equal(m.files.length, 4);
  assert.deepEqual((await readManifest(fx.store)).files, [], 'the events manifest is untouched');
});
