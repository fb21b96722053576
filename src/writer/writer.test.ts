import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { LAKE_COLUMNS } from '../core/schema.js';
import { readManifest } from '../core/lake.js';
import type { LakeSnapshot } from '../core/lake.js';
import { writerFixture } from './testing/fixture.js';
import { expectedRow, readRows, sqlList } from './testing/lake.js';
import { lakeRow, payloadsOf } from './testing/rows.js';

const DUCKDB_TYPES: Record<string, string> = {
  VARCHAR: 'VARCHAR',
  TIMESTAMPTZ: 'TIMESTAMP WITH TIME ZONE',
  BIGINT: 'BIGINT',
  INTEGER: 'INTEGER',
  BOOLEAN: 'BOOLEAN',
};

const byId = (rows: Record<string, unknown>[]) =>
  [...rows].sort((a, b) => String(a.event_id).localeCompare(String(b.event_id)));

test('flush writes each event into its UTC hour partition with the lake schema, values and ZSTD', async () => {
  const fx = await writerFixture();
  try {
    const rows = [
      lakeRow({ ts: '2026-11-26T23:59:59.999Z' }),
      lakeRow({ ts: '2026-11-27T00:00:00.000Z', event_type: 'page_view', element_tag: null, x: null, y: null }),
      lakeRow({
        ts: '2026-11-27T09:15:00.000Z',
        event_name: 'signup',
        user_id: null,
        seq: 1_099_511_627_776,
        element_text: 'Line "one"\nline \'two\' \\ 🎉 ünïcødé',
        properties: '{"nested":{"a":[1,2]},"quote":"\\""}',
        client_ts: null,
      }),
      lakeRow({ ts: '2026-11-27T09:59:59.999Z', x: -5, scroll_depth: 0 }),
    ];
    await fx.buffer.append(payloadsOf(rows));
    const result = await fx.writer.flush();
    assert.deepEqual(result, { events: 4, duplicates: 0, files: 3, rejected: 0, batches: 1 });

    const manifest = await readManifest(fx.store);
    assert.deepEqual(manifest, fx.writer.manifest());
    assert.equal(manifest.generation, 1);
    assert.deepEqual(manifest.checkpoint, { seq: 4 });
    assert.deepEqual(
      manifest.files.map((f) => [f.partition, f.rows]),
      [
        ['dt=2026-11-26/hour=23', 1],
        ['dt=2026-11-27/hour=00', 1],
        ['dt=2026-11-27/hour=09', 2],
      ],
    );
    for (const f of manifest.files) {
      assert.match(f.key, /^events\/dt=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/part-seq4-[0-9a-f]+\.parquet$/);
      assert.ok(f.key.startsWith(`events/${f.partition}/`));
      assert.equal(f.bytes, (await fx.store.list(f.key))[0]?.size);
    }

    // Values, read back by DuckDB.
    assert.deepEqual(byId(await readRows(fx)), byId(rows.map(expectedRow)));

    // Types and column order; dt/hour live in the path only.
    const files = fx.writer.snapshot().files.map((f) => f.path);
    for (const file of files) {
      const described = await fx.query(`DESCRIBE SELECT * FROM read_parquet('${file}', hive_partitioning = false)`);
      assert.deepEqual(
        described.map((d) => [d.column_name, d.column_type]),
        LAKE_COLUMNS.map((c) => [c.name, DUCKDB_TYPES[c.type]]),
      );
    }
    // A hive-partitioned reader derives dt/hour from the path, and they match ts in UTC.
    const hive = await fx.query(
      `SELECT strftime(ts, '%Y-%m-%d') AS day, strftime(ts, '%H') AS h, dt::VARCHAR AS dt, hour::VARCHAR AS hour ` +
        `FROM read_parquet(${sqlList(files)}, hive_partitioning = true, hive_types = {'dt': VARCHAR, 'hour': VARCHAR})`,
    );
    assert.equal(hive.length, 4);
    for (const r of hive) assert.deepEqual([r.dt, r.hour], [r.day, r.h]);

    const codecs = await fx.query(`SELECT DISTINCT compression FROM parquet_metadata(${sqlList(files)})`);
    assert.deepEqual(codecs, [{ compression: 'ZSTD' }]);

    assert.equal(fx.buffer.stats().pendingRecords, 0);
    assert.deepEqual(fx.buffer.calls.at(-1), { op: 'commit', checkpoint: { seq: 4 } });
    assert.deepEqual((await readdir(fx.tmpDir)).filter((n) => n.startsWith('batch-')), [], 'scratch files removed');
  } finally {
    await fx.cleanup();
  }
});

test('duplicate event_ids are written once: within a batch (earliest received_at wins) and across batches', async () => {
  const fx = await writerFixture();
  try {
    const a = lakeRow({ ts: '2026-11-27T09:10:00.000Z' });
    const aLater = { ...a, received_at: '2026-11-27T09:10:09.000Z', page_title: 'resent' };
    const aEarlier = { ...a, received_at: '2026-11-27T09:10:00.100Z', page_title: 'first' };
    // The same id with a ts in another hour (a client that resent with a different clock) is still a duplicate.
    const b = lakeRow({ ts: '2026-11-27T08:59:00.000Z', received_at: '2026-11-27T09:00:05.000Z' });
    const bOtherHour = { ...b, ts: '2026-11-27T10:01:00.000Z', received_at: '2026-11-27T10:01:00.500Z' };
    const c = lakeRow({ ts: '2026-11-27T09:20:00.000Z' });
    await fx.buffer.append(payloadsOf([aLater, b, c, aEarlier, bOtherHour, c]));
    const first = await fx.writer.flush();
    assert.deepEqual(first, { events: 3, duplicates: 3, files: 2, rejected: 0, batches: 1 });
    const rows = await readRows(fx);
    assert.deepEqual(rows.map((r) => r.event_id).sort(), [a.event_id, b.event_id, c.event_id].sort());
    assert.equal(rows.find((r) => r.event_id === a.event_id)?.page_title, 'first');
    assert.equal(rows.find((r) => r.event_id === b.event_id)?.ts, b.ts);

    // A later batch resending a and c (same partition) and a new d: only d is written.
    const d = lakeRow({ ts: '2026-11-27T09:30:00.000Z' });
    await fx.buffer.append(payloadsOf([{ ...a, received_at: '2026-11-27T11:00:00.000Z' }, d, c]));
    const second = await fx.writer.flush();
    assert.deepEqual(second, { events: 1, duplicates: 2, files: 1, rejected: 0, batches: 1 });
    const after = await readRows(fx);
    assert.deepEqual(after.map((r) => r.event_id).sort(), [a.event_id, b.event_id, c.event_id, d.event_id].sort());
    assert.equal(await fx.metric('clicklake_writer_duplicates_dropped_total'), 5);
  } finally {
    await fx.cleanup();
  }
});

test('a batch made only of duplicates still commits its checkpoint (no file, next generation)', async () => {
  const fx = await writerFixture();
  try {
    const rows = [lakeRow(), lakeRow()];
    await fx.buffer.append(payloadsOf(rows));
    await fx.writer.flush();
    const before = fx.writer.manifest();
    await fx.buffer.append(payloadsOf(rows));
    assert.deepEqual(await fx.writer.flush(), { events: 0, duplicates: 2, files: 0, rejected: 0, batches: 1 });
    const after = fx.writer.manifest();
    assert.equal(after.generation, before.generation + 1);
    assert.deepEqual(after.checkpoint, { seq: 4 });
    assert.deepEqual(after.files, before.files);
    assert.equal(fx.buffer.stats().pendingRecords, 0);
    assert.equal((await readRows(fx)).length, 2);
  } finally {
    await fx.cleanup();
  }
});

test('payloads that are not LakeRows are dropped and counted; the rest of the batch is written', async () => {
  const fx = await writerFixture();
  try {
    const good = [lakeRow(), lakeRow({ ts: '2026-11-27T10:00:00.000Z' })];
    await fx.buffer.append([
      payloadsOf([good[0]!])[0]!,
      '{"event_id": "torn", "ts": ',
      JSON.stringify({ ...lakeRow(), ts: null }),
      JSON.stringify({ ...lakeRow(), ts: 'yesterday' }),
      JSON.stringify({ ...lakeRow(), event_id: null }),
      JSON.stringify({ event_id: 'only-an-id' }),
      '[1,2,3]',
      payloadsOf([good[1]!])[0]!,
    ]);
    const result = await fx.writer.flush();
    assert.deepEqual(result, { events: 2, duplicates: 0, files: 2, rejected: 6, batches: 1 });
    assert.deepEqual(byId(await readRows(fx)), byId(good.map(expectedRow)));
    assert.equal(fx.buffer.stats().pendingRecords, 0, 'a bad record does not block the buffer');
    assert.equal(await fx.metric('clicklake_writer_events_rejected_total'), 6);
    assert.ok(fx.logs.some((l) => l.level === 'warn' && /not valid LakeRows/.test(l.msg ?? '')));
  } finally {
    await fx.cleanup();
  }
});

test('a backlog larger than batchMaxBytes is written in several bounded batches, in order', async () => {
  const fx = await writerFixture();
  try {
    const rows = Array.from({ length: 500 }, (_, i) =>
      lakeRow({ ts: new Date(Date.parse('2026-11-27T07:00:00.000Z') + i * 20_000).toISOString(), seq: i }),
    );
    const payloads = payloadsOf(rows);
    const rowBytes = Buffer.byteLength(payloads[0]!);
    await fx.buffer.append(payloads);
    const writer = fx.newWriter({ batchMaxBytes: rowBytes * 60 });
    const result = await writer.flush();
    assert.equal(result.events, 500);
    assert.equal(result.duplicates, 0);
    assert.ok(result.batches >= 8, `${result.batches} batches`);
    const m = writer.manifest();
    assert.equal(m.generation, result.batches);
    assert.deepEqual(m.checkpoint, { seq: 500 });
    assert.equal(fx.buffer.stats().pendingRecords, 0);

    const polls = fx.buffer.calls.filter((c) => c.op === 'poll');
    const commits = fx.buffer.calls.filter((c) => c.op === 'commit').map((c) => c.checkpoint?.seq);
    assert.deepEqual(commits, [...commits].sort((x, y) => Number(x) - Number(y)), 'commits in order');
    assert.equal(commits.length, result.batches);
    assert.ok(polls.length >= result.batches);
    // Every poll continues right after the previous batch: no record is skipped or read twice.
    const read = await readRows(fx, writer.snapshot().files);
    assert.deepEqual(read.map((r) => r.seq).sort((x, y) => Number(x) - Number(y)), rows.map((r) => r.seq));
    const counts = await fx.query(
      `SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM read_parquet(${sqlList(writer.snapshot().files.map((f) => f.path))})`,
    );
    assert.deepEqual(counts, [{ n: '500', d: '500' }]);
  } finally {
    await fx.cleanup();
  }
});

test('onCommit listeners get the new snapshot after each commit; unsubscribing stops them', async () => {
  const fx = await writerFixture();
  try {
    const seen: LakeSnapshot[] = [];
    const off = fx.writer.onCommit((s) => {
      seen.push(s);
      for (const f of s.files) assert.ok(existsSync(f.path), 'files of a snapshot exist when it is announced');
    });
    await fx.buffer.append(payloadsOf([lakeRow()]));
    await fx.writer.flush();
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0], fx.writer.snapshot());
    assert.equal(seen[0]!.generation, 1);
    assert.deepEqual(seen[0]!.checkpoint, { seq: 1 });
    assert.equal(seen[0]!.files.length, 1);
    assert.ok(seen[0]!.files[0]!.path.startsWith(fx.lakeDir));
    off();
    await fx.buffer.append(payloadsOf([lakeRow()]));
    await fx.writer.flush();
    assert.equal(seen.length, 1);
    assert.equal(fx.writer.snapshot().generation, 2);
  } finally {
    await fx.cleanup();
  }
});

test('metrics count events, duplicates, files, bytes, batches, lag and the lake size', async () => {
  const fx = await writerFixture();
  try {
    await fx.buffer.append(payloadsOf([lakeRow()]));
    fx.clock.now += 4_000;
    assert.equal(await fx.metric('clicklake_writer_lag_seconds'), 4);
    const dup = lakeRow({ ts: '2026-11-27T10:00:00.000Z' });
    await fx.buffer.append(payloadsOf([dup, dup, lakeRow()]));
    await fx.writer.flush();
    assert.equal(await fx.metric('clicklake_writer_lag_seconds'), 0);
    assert.equal(await fx.metric('clicklake_writer_events_written_total'), 3);
    assert.equal(await fx.metric('clicklake_writer_duplicates_dropped_total'), 1);
    assert.equal(await fx.metric('clicklake_writer_parquet_files_total'), 2);
    const m = fx.writer.manifest();
    const bytes = m.files.reduce((n, f) => n + f.bytes, 0);
    assert.ok(bytes > 0);
    assert.equal(await fx.metric('clicklake_writer_parquet_bytes_total'), bytes);
    assert.equal(await fx.metric('clicklake_lake_files'), 2);
    assert.equal(await fx.metric('clicklake_lake_bytes'), bytes);
    assert.equal(await fx.metric('clicklake_writer_errors_total'), 0);
    assert.equal(await fx.metric('clicklake_writer_compactions_total'), 0);
    const histogram = await fx.registry.getSingleMetric('clicklake_writer_flush_seconds')!.get();
    assert.equal(histogram.values.find((v) => (v as { metricName?: string }).metricName === 'clicklake_writer_flush_seconds_count')?.value, 1);
  } finally {
    await fx.cleanup();
  }
});

test('a failed put is counted, leaves nothing behind, and the same batch is written by the next flush', async () => {
  const fx = await writerFixture();
  try {
    let failures = 1;
    const store = {
      ...fx.store,
      putFile: async (key: string, source: string) => {
        await fx.store.putFile(key, source); // lands, then the second put of the batch fails
        if (failures-- > 0) throw new Error('disk on fire');
      },
    };
    const writer = fx.newWriter({ store });
    const rows = [lakeRow({ ts: '2026-11-27T08:00:00.000Z' }), lakeRow({ ts: '2026-11-27T09:00:00.000Z' })];
    await fx.buffer.append(payloadsOf(rows));
    await assert.rejects(writer.flush(), /disk on fire/);
    assert.equal(writer.manifest().generation, 0);
    assert.equal(fx.buffer.stats().pendingRecords, 2);
    assert.ok((await fx.store.list('events/')).length > 0, 'a file was put before the failure');

    const result = await writer.flush();
    assert.equal(result.events, 2);
    const keys = (await fx.store.list('events/')).map((o) => o.key);
    assert.deepEqual(keys, writer.manifest().files.map((f) => f.key).sort(), 'the leftover was deleted');
    assert.deepEqual(byId(await readRows(fx, writer.snapshot().files)), byId(rows.map(expectedRow)));
    assert.ok(fx.logs.some((l) => l.level === 'error' && /flush failed/.test(l.msg ?? '')));
  } finally {
    await fx.cleanup();
  }
});

test('a failure in the middle of a pipelined backlog keeps the batches committed before it and leaves no scratch', async () => {
  const fx = await writerFixture();
  try {
    const rows = Array.from({ length: 300 }, (_, i) =>
      lakeRow({ ts: new Date(Date.parse('2026-11-27T05:00:00.000Z') + i * 60_000).toISOString(), seq: i }),
    );
    const payloads = payloadsOf(rows);
    await fx.buffer.append(payloads);
    let puts = 0;
    const store = {
      ...fx.store,
      putFile: async (key: string, source: string) => {
        if (++puts === 3) throw new Error('disk on fire'); // a later batch, while the next ones are prepared
        await fx.store.putFile(key, source);
      },
    };
    const writer = fx.newWriter({ store, batchMaxBytes: Buffer.byteLength(payloads[0]!) * 40 });
    await assert.rejects(writer.flush(), /disk on fire/);
    const committed = writer.manifest();
    assert.ok(committed.generation >= 1, 'the batches before the failure are committed');
    assert.deepEqual((await readdir(fx.tmpDir)).filter((n) => n.startsWith('batch-')), [], 'no scratch left');

    const result = await writer.flush();
    assert.equal(result.duplicates, 0);
    const read = await readRows(fx, writer.snapshot().files);
    assert.deepEqual(read.map((r) => r.seq).sort((x, y) => Number(x) - Number(y)), rows.map((r) => r.seq));
    assert.equal(fx.buffer.stats().pendingRecords, 0);
    assert.deepEqual((await fx.store.list('events/')).map((o) => o.key), writer.manifest().files.map((f) => f.key).sort());
  } finally {
    await fx.cleanup();
  }
});

test('start() flushes every intervalMs and early once maxEvents are pending; stop() flushes the rest', async () => {
  const fx = await writerFixture();
  try {
    const writer = fx.newWriter({ intervalMs: 150, checkEveryMs: 20, maxEvents: 5 });
    await writer.recover();
    writer.start();
    await fx.buffer.append(payloadsOf([lakeRow()]));
    await waitFor(() => fx.buffer.stats().pendingRecords === 0, 5_000);
    assert.equal(writer.manifest().files.reduce((n, f) => n + f.rows, 0), 1);
    await writer.stop();

    // A long interval: only the maxEvents threshold can trigger the flush.
    const eager = fx.newWriter({ intervalMs: 3_600_000, checkEveryMs: 20, maxEvents: 5 });
    eager.start();
    await fx.buffer.append(payloadsOf([lakeRow(), lakeRow()]));
    await sleep(200);
    assert.equal(fx.buffer.stats().pendingRecords, 2, 'below maxEvents: waits for the interval');
    await fx.buffer.append(payloadsOf([lakeRow(), lakeRow(), lakeRow()]));
    await waitFor(() => fx.buffer.stats().pendingRecords === 0, 5_000);
    await fx.buffer.append(payloadsOf([lakeRow()]));
    await eager.stop();
    await eager.stop(); // idempotent
    assert.equal(fx.buffer.stats().pendingRecords, 0, 'stop() flushed the last event');
    assert.equal(eager.manifest().files.reduce((n, f) => n + f.rows, 0), 7);
    await assert.rejects(eager.flush(), /stopped/);
  } finally {
    await fx.cleanup();
  }
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(predicate: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
