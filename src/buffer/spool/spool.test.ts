import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { isClicklakeError } from '../../core/errors.js';
import { bufferContract, drainBuffer } from '../contract.js';
import { decodeHeader, HEADER_BYTES, SEGMENT_MAGIC } from './format.js';
import { createSpool } from './spool.js';
import { faultyIo, memoryLogger, metricValue, openSpoolHarness, removeDir, spoolOptions, tempDir } from './testkit.js';

bufferContract('spool', () => openSpoolHarness());
// Small segments: every contract test also crosses segment rotations.
bufferContract('spool (4 KiB segments)', () => openSpoolHarness({ segmentBytes: 4096 }));

const ALL = { maxRecords: 1_000_000, maxBytes: 1 << 30 };
const row = (i: number, pad = 0) => JSON.stringify({ event_id: `e-${i}`, pad: 'x'.repeat(pad) });
const segmentFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();

test('segment files: 20-digit increasing ids, header with magic and creation time', async () => {
  const dir = tempDir();
  const spool = await createSpool(spoolOptions(dir, { clock: () => 1_700_000_000_123 }));
  try {
    await spool.append([row(1)]);
    await spool.poll(null, ALL); // seals segment 1
    await spool.append([row(2)]);
    const names = segmentFiles(dir);
    assert.deepEqual(names, ['00000000000000000001.seg', '00000000000000000002.seg']);
    const bytes = readFileSync(join(dir, names[0]));
    assert.ok(bytes.subarray(0, 8).equals(SEGMENT_MAGIC));
    assert.deepEqual(decodeHeader(bytes), { createdMs: 1_700_000_000_123 });
    assert.equal(bytes.readUInt32LE(HEADER_BYTES), Buffer.byteLength(row(1)));
    assert.equal(bytes.length, HEADER_BYTES + 8 + Buffer.byteLength(row(1)));
    assert.equal(spool.stats().oldestPendingMs, 1_700_000_000_123);
  } finally {
    await spool.close();
    removeDir(dir);
  }
});

test('group commit: concurrent appends share writes and fsyncs', async () => {
  const dir = tempDir();
  const registry = new Registry();
  let syncs = 0;
  const io = faultyIo({
    sync: async (real) => {
      syncs++;
      await new Promise((r) => setTimeout(r, 2)); // a slow disk makes callers pile up
      await real();
    },
  });
  const spool = await createSpool(spoolOptions(dir, { registry, io }));
  try {
    const syncsBefore = syncs;
    await Promise.all(Array.from({ length: 500 }, (_, i) => spool.append([row(i)])));
    const commits = await metricValue(registry, 'clicklake_spool_group_commits_total');
    assert.ok(commits >= 1 && commits < 500, `expected shared commits, got ${commits}`);
    assert.equal(syncs - syncsBefore, commits, 'one fsync per group commit');
    assert.equal(await metricValue(registry, 'clicklake_spool_fsync_seconds'), commits, 'each fsync is timed');
    assert.equal(await metricValue(registry, 'clicklake_spool_appended_records_total'), 500);
    // Callers arriving during a round still get their own round after it.
    await spool.append([row(500)]);
    assert.equal(await metricValue(registry, 'clicklake_spool_group_commits_total'), commits + 1);
  } finally {
    await spool.close();
    removeDir(dir);
  }
});

test('rotation: a segment is sealed once it passes segmentBytes; poll hands out whole segments', async () => {
  const dir = tempDir();
  const registry = new Registry();
  const spool = await createSpool(spoolOptions(dir, { segmentBytes: 4096, registry }));
  try {
    for (let i = 0; i < 100; i++) await spool.append([row(i, 200)]);
    const names = segmentFiles(dir);
    assert.ok(names.length >= 5, `expected several segments, got ${names.length}`);
    const oneRecord = 8 + Buffer.byteLength(row(0, 200));
    for (const name of names.slice(0, -1)) {
      const size = statSync(join(dir, name)).size;
      assert.ok(size >= 4096 && size < 4096 + oneRecord, `sealed segment ${name} has ${size} bytes`);
    }
    assert.equal(await metricValue(registry, 'clicklake_spool_segments'), names.length);
    assert.equal(spool.stats().segments, names.length);
    const first = await spool.poll(null, { maxRecords: 1, maxBytes: 1 });
    assert.ok(first);
    assert.ok(first.payloads.length > 1, 'a whole segment, even past the limits');
    const second = await spool.poll(first.checkpoint, { maxRecords: 1, maxBytes: 1 });
    assert.ok(second && second.checkpoint['segment'] > first.checkpoint['segment']);
    assert.equal(Buffer.from(second.payloads[0]!).toString('utf8'), row(first.payloads.length, 200));
    const all = await drainBuffer(spool, null, { maxRecords: 40, maxBytes: 1 << 20 });
    assert.deepEqual(all.payloads, Array.from({ length: 100 }, (_, i) => row(i, 200)));
    assert.ok(all.batches > 1 && all.batches < names.length, 'limits group several segments per batch');
  } finally {
    await spool.close();
    removeDir(dir);
  }
});

test('maxBytes: appends are refused with CLK_ERR_BUFFER_FULL and retryAfter until a commit frees space', async () => {
  const dir = tempDir();
  const registry = new Registry();
  const spool = await createSpool(spoolOptions(dir, { maxBytes: 8 * 1024, segmentBytes: 4096, registry }));
  try {
    let accepted = 0;
    let refusal: unknown = null;
    for (let i = 0; i < 1000 && refusal === null; i++) {
      await spool.append([row(i, 100)]).then(
        () => accepted++,
        (err: unknown) => (refusal = err),
      );
    }
    assert.ok(isClicklakeError(refusal), 'the bound was reached');
    assert.equal(refusal.code, 'CLK_ERR_BUFFER_FULL');
    assert.equal(refusal.status, 503);
    assert.equal(refusal.retryAfter, 7);
    assert.ok(spool.stats().bytes >= 8 * 1024 && spool.stats().bytes < 8 * 1024 + 200, 'soft bound, one call over');
    assert.equal(await metricValue(registry, 'clicklake_spool_appends_rejected_total', { reason: 'full' }), 1);
    const all = await drainBuffer(spool, null);
    assert.equal(all.payloads.length, accepted, 'nothing of the refused call was stored');
    assert.ok(all.checkpoint);
    await spool.commit(all.checkpoint);
    await spool.append([row(9999)]);
    assert.deepEqual((await drainBuffer(spool, all.checkpoint)).payloads, [row(9999)]);
  } finally {
    await spool.close();
    removeDir(dir);
  }
});

test('commit deletes sealed segments but never the active one, and fsyncs the directory', async () => {
  const dir = tempDir();
  let dirSyncs = 0;
  const io = faultyIo({});
  const logger = memoryLogger();
  const spool = await createSpool(
    spoolOptions(dir, { logger, io: { ...io, syncDir: async (d) => (dirSyncs++, io.syncDir(d)) } }),
  );
  try {
    await spool.append([row(1)]);
    const batch = await spool.poll(null, ALL);
    assert.ok(batch);
    await spool.append([row(2)]); // opens segment 2, the active one
    const before = dirSyncs;
    await spool.commit({ segment: 1_000 }); // beyond everything: the active segment survives
    assert.equal(dirSyncs, before + 1);
    assert.deepEqual(segmentFiles(dir), ['00000000000000000002.seg']);
    assert.ok(logger.entries.some((e) => e.level === 'warn' && /beyond the newest/.test(e.msg ?? '')));
    assert.deepEqual((await spool.readUncommitted(null, null)).payloads, [row(2)]);
  } finally {
    await spool.close();
    removeDir(dir);
  }
});

test('invalid input: empty payload strings and malformed checkpoints are refused', async () => {
  const dir = tempDir();
  const spool = await createSpool(spoolOptions(dir));
  try {
    await assert.rejects(spool.append(['']), TypeError);
    await assert.rejects(spool.poll({ segment: -1 }, ALL), TypeError);
    await assert.rejects(spool.readUncommitted(null, { segment: 1 }), TypeError);
    assert.equal(spool.stats().pendingRecords, 0);
  } finally {
    await spool.close();
    removeDir(dir);
  }
});
