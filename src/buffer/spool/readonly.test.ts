import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeSpoolIo } from './io.js';
import type { SpoolIo } from './io.js';
import { createSpool } from './spool.js';
import { removeDir, spoolOptions, tempDir } from './testkit.js';

const row = (tag: string, i: number) => JSON.stringify({ event_id: `${tag}-${i}` });
const rows = (tag: string, n: number) => Array.from({ length: n }, (_, i) => row(tag, i));

function countingIo(): SpoolIo & { reads: number; paths: string[] } {
  const io = {
    ...nodeSpoolIo,
    reads: 0,
    paths: [] as string[],
    read(path: string, start: number, end?: number) {
      io.reads++;
      io.paths.push(path);
      return nodeSpoolIo.read(path, start, end);
    },
  };
  return io;
}

test('a read-only spool tails a live writer incrementally and never writes', async () => {
  const dir = tempDir();
  const writer = await createSpool(spoolOptions(dir));
  const io = countingIo();
  const before = readdirSync(dir).sort();
  const reader = await createSpool(spoolOptions(dir, { readOnly: true, io }));
  try {
    assert.equal(reader.readOnly, true);
    assert.deepEqual(readdirSync(dir).sort(), before, 'opening read-only creates nothing');

    await writer.append(rows('a', 3));
    const r1 = await reader.readUncommitted(null, null);
    assert.deepEqual(r1.payloads, rows('a', 3));
    const readsBefore = io.reads;
    const r2 = await reader.readUncommitted(null, r1.cursor);
    assert.deepEqual(r2.payloads, []);
    assert.equal(io.reads, readsBefore, 'nothing new: no bytes re-read');

    await writer.append(rows('b', 2));
    const r3 = await reader.readUncommitted(null, r2.cursor);
    assert.deepEqual(r3.payloads, rows('b', 2));

    const batch = await writer.poll(null, { maxRecords: 100, maxBytes: 1 << 20 }); // seals; next append: new file
    assert.ok(batch);
    await writer.append(rows('c', 1));
    const r4 = await reader.readUncommitted(null, r3.cursor);
    assert.deepEqual(r4.payloads, rows('c', 1));

    await writer.commit(batch.checkpoint); // deletes the segment the reader was on
    assert.deepEqual((await reader.readUncommitted(batch.checkpoint, r4.cursor)).payloads, []);
    assert.deepEqual((await reader.readUncommitted(batch.checkpoint, null)).payloads, rows('c', 1));
    assert.deepEqual((await reader.readUncommitted(null, null)).payloads, rows('c', 1), 'vanished files are skipped');
    const stats = reader.stats();
    assert.equal(stats.pendingRecords, 1);
    assert.equal(stats.segments, readdirSync(dir).filter((n) => n.endsWith('.seg')).length);
    assert.equal(typeof stats.oldestPendingMs, 'number');

    await assert.rejects(reader.append(rows('x', 1)), /read-only/);
    await assert.rejects(reader.poll(null, { maxRecords: 1, maxBytes: 1 }), /read-only/);
    await assert.rejects(reader.commit({ segment: 1 }), /read-only/);
  } finally {
    await reader.close();
    await writer.close();
    removeDir(dir);
  }
});

test('read-only mode neither recovers nor truncates: it stops at a torn record and skips half-made files', async () => {
  const dir = tempDir();
  try {
    const writer = await createSpool(spoolOptions(dir));
    for (let i = 0; i < 4; i++) await writer.append([row('a', i)]);
    await writer.close();
    const [segment] = readdirSync(dir).filter((n) => n.endsWith('.seg'));
    const path = join(dir, segment);
    truncateSync(path, statSync(path).size - 2);
    const tornSize = statSync(path).size;
    writeFileSync(join(dir, '00000000000000000009.seg'), 'CLK'); // a segment being created right now
    const garbage = join(dir, '00000000000000000010.seg');
    writeFileSync(garbage, 'this is no segment header, and bytes follow it');

    const io = countingIo();
    const reader = await createSpool(spoolOptions(dir, { readOnly: true, io }));
    const r1 = await reader.readUncommitted(null, null);
    assert.deepEqual(r1.payloads, rows('a', 3));
    assert.deepEqual((await reader.readUncommitted(null, r1.cursor)).payloads, []);
    assert.equal(io.paths.filter((p) => p === garbage).length, 1, 'a bad file is looked at once');
    assert.equal(statSync(path).size, tornSize, 'not truncated');
    assert.equal(readdirSync(dir).filter((n) => n.endsWith('.corrupt')).length, 0, 'nothing set aside');
    assert.equal(reader.stats().pendingRecords, 3);
    await reader.close();
  } finally {
    removeDir(dir);
  }
});

test('read-only mode on a directory that does not exist yet reads nothing and creates nothing', async () => {
  const dir = join(tempDir(), 'missing');
  try {
    const reader = await createSpool(spoolOptions(dir, { readOnly: true }));
    assert.deepEqual((await reader.readUncommitted(null, null)).payloads, []);
    assert.deepEqual(reader.stats(), { bytes: 0, segments: 0, pendingRecords: 0, oldestPendingMs: null });
    assert.equal(existsSync(dir), false);
    await reader.close();
  } finally {
    removeDir(join(dir, '..'));
  }
});
