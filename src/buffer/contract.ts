import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isClicklakeError } from '../core/errors.js';
import type { BufferBatch, BufferCheckpoint, EventBuffer } from '../core/ports.js';

/**
 * The EventBuffer contract (core/ports.ts) as a node:test suite that every buffer implementation runs from its own
 * test file, e.g. `bufferContract('spool', async () => openSpoolHarness())`.
 */
export interface BufferHarness {
  /** A freshly opened buffer over empty storage. */
  readonly buffer: EventBuffer;
  /** Opens a new instance over the same storage; tests close the previous instance first. */
  reopen(): Promise<EventBuffer>;
  /** Closes every instance still open and removes the storage. */
  cleanup(): Promise<void>;
}

/** What the suite passes to `open`; node:test's TestContext satisfies it. */
export interface ContractTestContext {
  readonly name: string;
}

export type OpenBufferHarness = (t: ContractTestContext) => Promise<BufferHarness>;

const ALL = { maxRecords: 1_000_000, maxBytes: 1 << 30 };

/** A JSON row-like payload, with multi-byte characters so byte and character counts differ. */
function payload(tag: string, i: number): string {
  return JSON.stringify({ event_id: `${tag}-${i}`, n: i, page: '/caf\u00e9/\u2713/\u{1F600}' });
}

function payloads(tag: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => payload(tag, i));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A polled batch with its payloads decoded (they are UTF-8 bytes), for comparing with what was appended. */
export function decodedBatch(batch: BufferBatch | null): { payloads: string[]; bytes: number; checkpoint: BufferCheckpoint } | null {
  if (batch === null) return null;
  for (const p of batch.payloads) assert.ok(p instanceof Uint8Array, 'poll returns payloads as bytes');
  return { payloads: batch.payloads.map((p) => utf8.decode(p)), bytes: batch.bytes, checkpoint: batch.checkpoint };
}

/**
 * Polls from `after` until null; checks that every batch moves the checkpoint and counts its bytes right.
 * Returns the payloads decoded as strings.
 */
export async function drainBuffer(
  buffer: EventBuffer,
  after: BufferCheckpoint | null,
  limits = ALL,
): Promise<{ payloads: string[]; checkpoint: BufferCheckpoint | null; batches: number }> {
  const out: string[] = [];
  let checkpoint = after;
  let batches = 0;
  for (;;) {
    const batch = decodedBatch(await buffer.poll(checkpoint, limits));
    if (batch === null) return { payloads: out, checkpoint, batches };
    assert.ok(batch.payloads.length > 0, 'a batch is never empty');
    assert.notDeepEqual(batch.checkpoint, checkpoint, 'each batch must advance the checkpoint');
    const bytes = batch.payloads.reduce((n, p) => n + Buffer.byteLength(p, 'utf8'), 0);
    assert.equal(batch.bytes, bytes, 'batch.bytes is the UTF-8 size of its payloads');
    out.push(...batch.payloads);
    checkpoint = batch.checkpoint;
    assert.ok(++batches < 100_000, 'poll never ran dry');
  }
}

async function rejectsWithCode(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(isClicklakeError(err), `expected a ClicklakeError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  });
}

export function bufferContract(name: string, open: OpenBufferHarness): void {
  /** Runs `body` with a fresh harness and always cleans up. */
  const run = (title: string, body: (h: BufferHarness) => Promise<void>) =>
    test(title, { timeout: 60_000 }, async (t) => {
      const h = await open(t);
      try {
        await body(h);
      } finally {
        await h.cleanup();
      }
    });

  describe(`${name}: EventBuffer contract`, () => {
    run('append then poll returns every payload exactly once, in append order', async ({ buffer }) => {
      const a = payloads('a', 1);
      const b = payloads('b', 5);
      const c = payloads('c', 3);
      for (const call of [a, b, c]) await buffer.append(call);
      assert.deepEqual((await drainBuffer(buffer, null)).payloads, [...a, ...b, ...c]);
      // Tiny limits still make progress (at least one record per batch) and lose nothing.
      const tiny = await drainBuffer(buffer, null, { maxRecords: 1, maxBytes: 1 });
      assert.deepEqual(tiny.payloads, [...a, ...b, ...c]);
    });

    run('poll with the same `after` returns the same records', async ({ buffer }) => {
      await buffer.append(payloads('a', 4));
      const first = decodedBatch(await buffer.poll(null, ALL));
      const second = decodedBatch(await buffer.poll(null, ALL));
      assert.ok(first);
      assert.deepEqual(second, first);
      assert.deepEqual(first.payloads, payloads('a', 4));
      await buffer.append(payloads('b', 3));
      const third = decodedBatch(await buffer.poll(null, ALL));
      assert.ok(third);
      assert.deepEqual(third.payloads.slice(0, first.payloads.length), first.payloads, 'earlier batch is a prefix');
      const afterFirst = decodedBatch(await buffer.poll(first.checkpoint, ALL));
      assert.deepEqual(decodedBatch(await buffer.poll(first.checkpoint, ALL)), afterFirst);
      assert.deepEqual(afterFirst?.payloads, payloads('b', 3));
    });

    run('polled payloads are UTF-8 bytes that stay intact after later appends, polls and commits', async ({ buffer }) => {
      await buffer.append(payloads('a', 3));
      const held = await buffer.poll(null, ALL);
      assert.ok(held);
      const copies = held.payloads.map((p) => Uint8Array.from(p));
      assert.deepEqual(copies.map((p) => Buffer.from(p).toString('utf8')), payloads('a', 3));
      await buffer.append(payloads('b', 50));
      const next = await buffer.poll(held.checkpoint, ALL);
      assert.ok(next);
      await buffer.commit(next.checkpoint);
      await buffer.append(payloads('c', 50));
      assert.deepEqual(held.payloads.map((p) => Uint8Array.from(p)), copies, 'a batch is not overwritten under its consumer');
    });

    run('commit discards up to the checkpoint and is idempotent', async ({ buffer }) => {
      await buffer.append(payloads('a', 3));
      const first = await buffer.poll(null, ALL);
      assert.ok(first);
      await buffer.append(payloads('b', 2));
      await buffer.commit(first.checkpoint);
      assert.deepEqual((await drainBuffer(buffer, first.checkpoint)).payloads, payloads('b', 2));
      assert.deepEqual((await drainBuffer(buffer, null)).payloads, payloads('b', 2), 'committed records are gone');
      await buffer.commit(first.checkpoint);
      const rest = await drainBuffer(buffer, first.checkpoint);
      assert.deepEqual(rest.payloads, payloads('b', 2), 'committing the same checkpoint again is a no-op');
      assert.ok(rest.checkpoint);
      await buffer.commit(rest.checkpoint);
      await buffer.commit(first.checkpoint); // an older checkpoint: no-op, no error
      assert.equal(await buffer.poll(rest.checkpoint, ALL), null);
      assert.equal(await buffer.poll(null, ALL), null);
    });

    run('200 concurrent appends all land exactly once, each call in order', async ({ buffer }) => {
      const calls = Array.from({ length: 200 }, (_, i) => payloads(`c${i}`, (i % 3) + 1));
      await Promise.all(calls.map((call) => buffer.append(call)));
      const got = (await drainBuffer(buffer, null)).payloads;
      const expected = calls.flat();
      assert.equal(got.length, expected.length);
      assert.deepEqual([...got].sort(), [...expected].sort());
      for (const call of calls) {
        const at = got.indexOf(call[0]);
        assert.deepEqual(got.slice(at, at + call.length), call, 'one call stays contiguous and ordered');
      }
    });

    run('acknowledged data survives close and reopen', async (h) => {
      await h.buffer.append(payloads('a', 10));
      await h.buffer.append(payloads('b', 1));
      await h.buffer.close();
      const reopened = await h.reopen();
      assert.equal(reopened.stats().pendingRecords, 11);
      assert.deepEqual((await drainBuffer(reopened, null)).payloads, [...payloads('a', 10), ...payloads('b', 1)]);
    });

    run('committed data does not come back after reopen', async (h) => {
      await h.buffer.append(payloads('a', 5));
      const first = await h.buffer.poll(null, ALL);
      assert.ok(first);
      await h.buffer.commit(first.checkpoint);
      await h.buffer.append(payloads('b', 2));
      await h.buffer.close();
      const reopened = await h.reopen();
      assert.deepEqual((await drainBuffer(reopened, null)).payloads, payloads('b', 2));
      assert.deepEqual((await drainBuffer(reopened, first.checkpoint)).payloads, payloads('b', 2));
      assert.equal(reopened.stats().pendingRecords, 2);
    });

    run('readUncommitted returns new records incrementally and skips committed ones', async ({ buffer }) => {
      await buffer.append(payloads('a', 3));
      const r1 = await buffer.readUncommitted(null, null);
      assert.deepEqual(r1.payloads, payloads('a', 3));
      const r2 = await buffer.readUncommitted(null, r1.cursor);
      assert.deepEqual(r2.payloads, [], 'nothing new, nothing returned');
      await buffer.append(payloads('b', 2));
      const r3 = await buffer.readUncommitted(null, r2.cursor);
      assert.deepEqual(r3.payloads, payloads('b', 2));
      const all = await drainBuffer(buffer, null);
      assert.ok(all.checkpoint);
      await buffer.commit(all.checkpoint);
      await buffer.append(payloads('c', 2));
      assert.deepEqual((await buffer.readUncommitted(all.checkpoint, null)).payloads, payloads('c', 2));
      assert.deepEqual((await buffer.readUncommitted(null, null)).payloads, payloads('c', 2));
      const r4 = await buffer.readUncommitted(all.checkpoint, r3.cursor);
      assert.deepEqual(r4.payloads, payloads('c', 2), 'an old cursor continues after the commit');
      assert.deepEqual((await buffer.readUncommitted(all.checkpoint, r4.cursor)).payloads, []);
    });

    run('stats().pendingRecords and oldestPendingMs track appends and commits', async ({ buffer }) => {
      assert.equal(buffer.stats().pendingRecords, 0);
      assert.equal(buffer.stats().oldestPendingMs, null);
      await buffer.append(payloads('a', 4));
      await buffer.append(payloads('b', 1));
      assert.equal(buffer.stats().pendingRecords, 5);
      assert.equal(typeof buffer.stats().oldestPendingMs, 'number');
      const batch = await buffer.poll(null, ALL);
      assert.ok(batch);
      assert.equal(buffer.stats().pendingRecords, 5, 'polling does not discard');
      await buffer.append(payloads('c', 2));
      await buffer.commit(batch.checkpoint);
      assert.equal(buffer.stats().pendingRecords, 2);
      const rest = await drainBuffer(buffer, batch.checkpoint);
      assert.ok(rest.checkpoint);
      await buffer.commit(rest.checkpoint);
      assert.equal(buffer.stats().pendingRecords, 0);
      assert.equal(buffer.stats().oldestPendingMs, null);
    });

    run('an empty append resolves and stores nothing', async ({ buffer }) => {
      await buffer.append([]);
      assert.equal(buffer.stats().pendingRecords, 0);
      assert.equal(await buffer.poll(null, ALL), null);
    });

    run('close waits for in-flight appends; appends after close reject', async (h) => {
      const inFlight = h.buffer.append(payloads('a', 3));
      await h.buffer.close();
      await inFlight; // accepted before close: must be acknowledged, not dropped
      await rejectsWithCode(h.buffer.append(payloads('late', 1)), 'CLK_ERR_SHUTTING_DOWN');
      const reopened = await h.reopen();
      assert.deepEqual((await reopened.readUncommitted(null, null)).payloads, payloads('a', 3));
    });
  });
}
