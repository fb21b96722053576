import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import type { BufferBatch } from '../../core/ports.js';
import { decodedBatch, drainBuffer } from '../contract.js';
import { decodeRecords, HEADER_BYTES } from './format.js';
import { createSpool } from './spool.js';
import { nodeSpoolIo } from './io.js';
import { errnoError, memoryLogger, metricValue, removeDir, spoolOptions, tempDir } from './testkit.js';

const row = (i: number) => JSON.stringify({ event_id: `e-${i}`, pad: 'y'.repeat(150) });
const segmentFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();

/** Start offset and total size of each record of a segment file. */
function records(path: string): { offset: number; size: number; payload: string }[] {
  const bytes = readFileSync(path);
  const out: { offset: number; size: number; payload: string }[] = [];
  for (let offset = HEADER_BYTES; offset < bytes.length; ) {
    const size = 8 + bytes.readUInt32LE(offset);
    out.push({ offset, size, payload: decodeRecords(bytes.subarray(offset, offset + size), offset).payloads[0] });
    offset += size;
  }
  return out;
}

async function reopen(dir: string) {
  const registry = new Registry();
  const logger = memoryLogger();
  const spool = await createSpool(spoolOptions(dir, { registry, logger, segmentBytes: 4096 }));
  const counters = async () => ({
    corrupt: await metricValue(registry, 'clicklake_spool_corrupt_records_total'),
    truncated: await metricValue(registry, 'clicklake_spool_truncated_bytes_total'),
  });
  return { spool, logger, counters };
}

test('torn tail and a flipped CRC byte: good records kept, bad ones counted, open never throws', async () => {
  const dir = tempDir();
  try {
    const first = await reopen(dir);
    for (let i = 0; i < 60; i++) await first.spool.append([row(i)]);
    await first.spool.close();
    const files = segmentFiles(dir).map((n) => join(dir, n));
    assert.ok(files.length >= 3, 'the data spans several segments');
    const perFile = files.map(records);

    // Mid-file corruption in the first segment: one byte of the 4th record's CRC.
    const bytes = readFileSync(files[0]);
    const victim = perFile[0][3];
    bytes[victim.offset + 4] ^= 0xff;
    writeFileSync(files[0], bytes);
    // Torn tail in the last segment: the last record lost its final 3 bytes.
    const last = files[files.length - 1];
    const lastRecord = perFile[perFile.length - 1].at(-1)!;
    truncateSync(last, statSync(last).size - 3);

    const second = await reopen(dir);
    try {
      const expected = perFile.flatMap((recs, i) =>
        (i === 0 ? recs.slice(0, 3) : i === perFile.length - 1 ? recs.slice(0, -1) : recs).map((r) => r.payload),
      );
      assert.deepEqual((await drainBuffer(second.spool, null)).payloads, expected);
      const dropped0 = bytes.length - victim.offset;
      assert.deepEqual(await second.counters(), { corrupt: 2, truncated: dropped0 + lastRecord.size - 3 });
      assert.equal(statSync(files[0]).size, victim.offset, 'truncated at the corrupt record');
      assert.equal(statSync(last).size, lastRecord.offset, 'truncated at the torn record');
      const warnings = second.logger.entries.filter((e) => e.level === 'warn');
      assert.deepEqual(
        warnings.map((w) => {
          const o = w.obj as Record<string, unknown>;
          return [o.file, o.offset, o.bytesDropped];
        }),
        [
          [files[0], victim.offset, dropped0],
          [last, lastRecord.offset, lastRecord.size - 3],
        ],
      );
    } finally {
      await second.spool.close();
    }
    const third = await reopen(dir);
    assert.deepEqual(await third.counters(), { corrupt: 0, truncated: 0 }, 'recovery is idempotent');
    await third.spool.close();
  } finally {
    removeDir(dir);
  }
});

test('a segment with a bad header is set aside, an empty one removed; ids stay above both', async () => {
  const dir = tempDir();
  try {
    const first = await reopen(dir);
    await first.spool.append([row(1), row(2)]);
    await first.spool.close();
    const garbage = Buffer.from('not a spool segment header at all');
    writeFileSync(join(dir, '00000000000000000099.seg'), garbage);
    writeFileSync(join(dir, '00000000000000000098.seg'), '');
    writeFileSync(join(dir, '00000000000000000097.seg'), 'CLKSPL'); // short header

    const second = await reopen(dir);
    try {
      assert.deepEqual(await second.counters(), { corrupt: 3, truncated: garbage.length + 6 });
      const names = readdirSync(dir).sort();
      assert.ok(names.includes('00000000000000000099.seg.corrupt'));
      assert.ok(names.includes('00000000000000000097.seg.corrupt'));
      assert.ok(!names.includes('00000000000000000098.seg'));
      assert.ok(names.includes('00000000000000000100.seg'), 'the new active segment comes after every used id');
      await second.spool.append([row(3)]);
      assert.deepEqual((await drainBuffer(second.spool, null)).payloads, [row(1), row(2), row(3)]);
    } finally {
      await second.spool.close();
    }
    const third = await reopen(dir);
    assert.deepEqual(await third.counters(), { corrupt: 0, truncated: 0 }, '.corrupt files are left alone');
    await third.spool.close();
  } finally {
    removeDir(dir);
  }
});

test('segment ids keep increasing across restarts, even when everything was committed', async () => {
  const dir = tempDir();
  try {
    const first = await reopen(dir);
    await first.spool.append([row(1)]);
    const batch = await first.spool.poll(null, { maxRecords: 100, maxBytes: 1 << 20 });
    assert.ok(batch);
    await first.spool.commit(batch.checkpoint); // the writer stores this checkpoint in its manifest
    await first.spool.close();
    assert.ok(segmentFiles(dir).length > 0, 'the newest segment file survives the commit');

    const second = await reopen(dir);
    let latest: BufferBatch | null = null;
    try {
      await second.spool.append([row(2)]);
      latest = await second.spool.poll(batch.checkpoint, { maxRecords: 100, maxBytes: 1 << 20 });
      assert.deepEqual(decodedBatch(latest)?.payloads, [row(2)], 'new records are not hidden behind the stored checkpoint');
    } finally {
      await second.spool.close();
    }
    assert.ok(latest);
    // Committing after close cannot open a newer segment first: the newest file is then kept, only forgotten.
    await second.spool.commit(latest.checkpoint);
    assert.equal(second.spool.stats().pendingRecords, 0);
    const third = await reopen(dir);
    try {
      await third.spool.append([row(3)]);
      const next = await third.spool.poll(latest.checkpoint, { maxRecords: 100, maxBytes: 1 << 20 });
      assert.deepEqual(decodedBatch(next)?.payloads, [row(3)]);
    } finally {
      await third.spool.close();
    }
  } finally {
    removeDir(dir);
  }
});

test('restarts do not pile up empty segments', async () => {
  const dir = tempDir();
  try {
    for (let i = 0; i < 5; i++) await (await reopen(dir)).spool.close();
    assert.equal(segmentFiles(dir).length, 2, 'the newest empty one (id high-water mark) plus the fresh active one');
    const last = await reopen(dir);
    assert.deepEqual(segmentFiles(dir), ['00000000000000000005.seg', '00000000000000000006.seg']);
    assert.equal(last.spool.stats().pendingRecords, 0);
    await last.spool.close();
  } finally {
    removeDir(dir);
  }
});

test('a repair that fails (read-only file system) is logged; the spool still opens and serves the valid prefix', async () => {
  const dir = tempDir();
  try {
    const first = await reopen(dir);
    for (let i = 0; i < 3; i++) await first.spool.append([row(i)]);
    await first.spool.close();
    const [name] = segmentFiles(dir);
    const path = join(dir, name);
    truncateSync(path, statSync(path).size - 1);
    const size = statSync(path).size;
    const logger = memoryLogger();
    const io = { ...nodeSpoolIo, truncate: () => Promise.reject(errnoError('EROFS')) };
    const spool = await createSpool(spoolOptions(dir, { io, logger }));
    try {
      assert.equal(statSync(path).size, size, 'the file could not be cut');
      assert.ok(logger.entries.some((e) => e.level === 'error' && /could not truncate/.test(e.msg ?? '')));
      assert.deepEqual((await drainBuffer(spool, null)).payloads, [row(0), row(1)]);
    } finally {
      await spool.close();
    }
  } finally {
    removeDir(dir);
  }
});
