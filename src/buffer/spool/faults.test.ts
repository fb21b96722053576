import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { isClicklakeError } from '../../core/errors.js';
import { drainBuffer } from '../contract.js';
import { HEADER_BYTES } from './format.js';
import type { SpoolIo } from './io.js';
import { createSpool } from './spool.js';
import { errnoError, faultyIo, metricValue, removeDir, spoolOptions, tempDir } from './testkit.js';
import type { FaultHooks } from './testkit.js';

const row = (i: number) => JSON.stringify({ event_id: `e-${i}`, page: '/pricing' });
const recordBytes = (...rows: string[]) => rows.reduce((n, r) => n + 8 + Buffer.byteLength(r), 0);
const segmentFiles = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.seg')).sort();

function refusedWith(code: string) {
  return (err: unknown) => {
    assert.ok(isClicklakeError(err), `expected a ClicklakeError, got ${String(err)}`);
    assert.equal(err.code, code);
    assert.equal(err.status, 503);
    assert.equal(err.retryAfter, 7);
    return true;
  };
}

/** Opens a spool over `hooks`, runs `body`, then checks that a reopen recovers exactly `expected` with no damage. */
async function withFaultySpool(
  hooks: FaultHooks,
  body: (ctx: { spool: Awaited<ReturnType<typeof createSpool>>; registry: Registry; dir: string }) => Promise<string[]>,
  io?: SpoolIo,
): Promise<void> {
  const dir = tempDir();
  const registry = new Registry();
  const spool = await createSpool(spoolOptions(dir, { registry, io: io ?? faultyIo(hooks) }));
  try {
    const expected = await body({ spool, registry, dir });
    await spool.close();
    const reopenedRegistry = new Registry();
    const reopened = await createSpool(spoolOptions(dir, { registry: reopenedRegistry }));
    try {
      assert.deepEqual((await drainBuffer(reopened, null)).payloads, expected, 'after reopen: exactly the acked rows');
      assert.equal(await metricValue(reopenedRegistry, 'clicklake_spool_corrupt_records_total'), 0, 'nothing torn left');
    } finally {
      await reopened.close();
    }
  } finally {
    await spool.close();
    removeDir(dir);
  }
}

test('ENOSPC during write: CLK_ERR_BUFFER_FULL, the partial write is cut off, later appends work', async () => {
  let armed = false;
  const hooks: FaultHooks = {
    async write(real, data, position) {
      if (!armed || position < HEADER_BYTES) return real(data, position);
      armed = false;
      await real(data.subarray(0, Math.ceil(data.length / 2)), position); // half of it reached the file
      throw errnoError('ENOSPC');
    },
  };
  await withFaultySpool(hooks, async ({ spool, registry, dir }) => {
    await spool.append([row(1)]);
    armed = true;
    await assert.rejects(spool.append([row(2), row(3)]), refusedWith('CLK_ERR_BUFFER_FULL'));
    assert.equal(await metricValue(registry, 'clicklake_spool_appends_rejected_total', { reason: 'full' }), 1);
    const [active] = segmentFiles(dir);
    assert.equal(statSync(join(dir, active)).size, HEADER_BYTES + recordBytes(row(1)), 'cut back to durable end');
    assert.deepEqual((await spool.readUncommitted(null, null)).payloads, [row(1)]);
    await spool.append([row(4)]);
    assert.deepEqual(segmentFiles(dir), [active], 'after ENOSPC the same segment is reused');
    assert.deepEqual((await spool.readUncommitted(null, null)).payloads, [row(1), row(4)]);
    assert.equal(spool.stats().pendingRecords, 2);
    return [row(1), row(4)];
  });
});

test('EIO on fsync: every caller of that round gets CLK_ERR_BUFFER_UNAVAILABLE; a fresh segment takes over', async () => {
  let armed = false;
  const hooks: FaultHooks = {
    async sync(real) {
      if (!armed) return real();
      armed = false;
      throw errnoError('EIO');
    },
  };
  await withFaultySpool(hooks, async ({ spool, registry, dir }) => {
    await spool.append([row(1)]);
    armed = true;
    const round = await Promise.allSettled([spool.append([row(2)]), spool.append([row(3)]), spool.append([row(4)])]);
    for (const r of round) {
      assert.equal(r.status, 'rejected');
      refusedWith('CLK_ERR_BUFFER_UNAVAILABLE')(r.reason);
    }
    assert.equal(await metricValue(registry, 'clicklake_spool_appends_rejected_total', { reason: 'io' }), 3);
    assert.deepEqual((await spool.readUncommitted(null, null)).payloads, [row(1)], 'nothing unsynced is readable');
    await spool.append([row(5)]);
    const files = segmentFiles(dir);
    assert.equal(files.length, 2, 'the segment whose fsync failed is not reused');
    assert.equal(statSync(join(dir, files[0])).size, HEADER_BYTES + recordBytes(row(1)));
    assert.deepEqual((await drainBuffer(spool, null)).payloads, [row(1), row(5)]);
    return [row(1), row(5)];
  });
});

test('EIO during write: CLK_ERR_BUFFER_UNAVAILABLE, nothing partial readable, later appends work', async () => {
  let armed = false;
  const hooks: FaultHooks = {
    async write(real, data, position) {
      if (!armed || position < HEADER_BYTES) return real(data, position);
      armed = false;
      await real(data.subarray(0, 5), position);
      throw errnoError('EIO');
    },
  };
  await withFaultySpool(hooks, async ({ spool }) => {
    await spool.append([row(1)]);
    armed = true;
    await assert.rejects(spool.append([row(2)]), refusedWith('CLK_ERR_BUFFER_UNAVAILABLE'));
    await spool.append([row(3)]);
    assert.deepEqual((await spool.readUncommitted(null, null)).payloads, [row(1), row(3)]);
    return [row(1), row(3)];
  });
});

test('disk full when creating a segment (even at startup): appends are refused, then recover', async () => {
  let full = true;
  const base = faultyIo({});
  const io: SpoolIo = {
    ...base,
    create: (path) => (full ? Promise.reject(errnoError('ENOSPC')) : base.create(path)),
  };
  await withFaultySpool(
    {},
    async ({ spool, registry }) => {
      await assert.rejects(spool.append([row(1)]), refusedWith('CLK_ERR_BUFFER_FULL'));
      assert.equal(await metricValue(registry, 'clicklake_spool_appends_rejected_total', { reason: 'full' }), 1);
      full = false;
      await spool.append([row(2)]);
      assert.deepEqual((await spool.readUncommitted(null, null)).payloads, [row(2)]);
      return [row(2)];
    },
    io,
  );
});

test('appends after close are counted as rejected{reason="closed"}', async () => {
  const dir = tempDir();
  const registry = new Registry();
  const spool = await createSpool(spoolOptions(dir, { registry }));
  try {
    await spool.close();
    await assert.rejects(spool.append([row(1)]), (err: unknown) => isClicklakeError(err) && err.code === 'CLK_ERR_SHUTTING_DOWN');
    assert.equal(await metricValue(registry, 'clicklake_spool_appends_rejected_total', { reason: 'closed' }), 1);
    await spool.close(); // idempotent
  } finally {
    removeDir(dir);
  }
});
