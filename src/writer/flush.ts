import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestFile } from '../core/lake.js';
import type { BufferCheckpoint } from '../core/ports.js';
import { type BatchFile, checkBatch, type CopiedBatch, startBatch } from './batch.js';
import { lakePath, type WriterContext } from './context.js';
import { withBatch } from './manifest-state.js';

/**
 * Buffer -> lake, batch by batch. For each batch: poll after the manifest's checkpoint, convert (batch.ts), put the
 * files (durable), commit the manifest naming them and the batch's checkpoint (the commit point), then trim the
 * buffer. See the design constraints in writer.ts for what a failure at each step leaves.
 */
export interface FlushResult {
  /** Events committed to the lake. */
  readonly events: number;
  /** Events dropped as duplicates (event_id already in the batch or in the lake). */
  readonly duplicates: number;
  /** Parquet files committed. */
  readonly files: number;
  /** Payloads dropped because they were not a LakeRow. */
  readonly rejected: number;
  /** Batches committed (each one manifest generation). */
  readonly batches: number;
}

const PUT_CONCURRENCY = 4;

/** A file-name-safe id derived from a checkpoint: `segment12` for `{ segment: 12 }`, a hash when long. */
export function checkpointId(checkpoint: BufferCheckpoint): string {
  const keys = Object.keys(checkpoint).sort();
  const text = keys.map((k) => `${k}${checkpoint[k]}`).join('_').replace(/[^A-Za-z0-9_-]/g, '');
  if (text.length > 0 && text.length <= 48) return text;
  return createHash('sha256').update(JSON.stringify(keys.map((k) => [k, checkpoint[k]]))).digest('hex').slice(0, 16);
}

async function putFiles(ctx: WriterContext, files: readonly BatchFile[], id: string): Promise<ManifestFile[]> {
  const out: ManifestFile[] = new Array(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) {
      const f = files[i]!;
      const bytes = (await stat(f.path)).size;
      const key = `${ctx.table.prefix}${f.partition}/part-${id}-${ctx.random()}.parquet`;
      await ctx.store.putFile(key, f.path);
      out[i] = { key, partition: f.partition, rows: f.rows, bytes, schema: ctx.table.schemaVersion };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, files.length) }, worker));
  return out;
}

/**
 * A polled batch, routed and written as NDJSON in its scratch directory, its COPYs started (they run in the
 * background; `copied` settles when all of them did).
 */
interface Pending {
  readonly checkpoint: BufferCheckpoint;
  readonly records: number;
  readonly dir: string;
  readonly copied: Promise<CopiedBatch>;
  readonly started: number;
}

/** Runs buffer calls one at a time (a poll of the producer never overlaps a commit of the committer). */
type Exclusive = <T>(fn: () => Promise<T>) => Promise<T>;

function exclusive(): Exclusive {
  let chain: Promise<unknown> = Promise.resolve();
  return (fn) => {
    const result = chain.then(fn);
    chain = result.catch(() => undefined);
    return result;
  };
}

/** Polls the batch after `after`, prepares it and starts its COPYs; resolves once the NDJSON is written. */
async function prepareNext(ctx: WriterContext, after: BufferCheckpoint | null, buffer: Exclusive): Promise<Pending | null> {
  const started = performance.now();
  const limits = { maxRecords: ctx.settings.maxEvents, maxBytes: ctx.settings.batchMaxBytes };
  const batch = await buffer(() => ctx.buffer.poll(after, limits));
  if (batch === null) return null;
  const dir = join(ctx.tmpDir, `batch-${ctx.random()}`);
  await mkdir(dir, { recursive: true });
  try {
    const copy = { db: await ctx.db(), parquet: parquetSettings(ctx), table: ctx.table };
    const { copied } = await startBatch(copy, batch.payloads, dir);
    copied.catch(() => undefined); // awaited by commitOne, or by discard after a failure
    return { checkpoint: batch.checkpoint, records: batch.payloads.length, dir, copied, started };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

function parquetSettings(ctx: WriterContext) {
  return { zstdLevel: ctx.settings.zstdLevel, version: ctx.settings.parquetVersion };
}

/** Removes a batch's scratch directory once no COPY can still be writing into it. */
async function discard(p: Pending | null): Promise<void> {
  if (p === null) return;
  await p.copied.catch(() => undefined);
  await rm(p.dir, { recursive: true, force: true });
}

/**
 * Checks and commits one batch once its COPYs are done. Runs only after the previous batch is committed, so the
 * duplicate check sees that batch's files.
 */
async function commitOne(ctx: WriterContext, p: Pending, buffer: Exclusive): Promise<FlushResult> {
  const copied = await p.copied;
  const live = ctx.state.current.files;
  const out = await checkBatch(
    {
      db: await ctx.db(),
      parquet: parquetSettings(ctx),
      lakeFiles: (partition) => live.filter((f) => f.partition === partition).map((f) => lakePath(ctx, f.key)),
      logger: ctx.logger,
      table: ctx.table,
    },
    copied,
  );
  const added = await putFiles(ctx, out.files, checkpointId(p.checkpoint));
  await ctx.state.commit(withBatch(ctx.state.current, added, p.checkpoint, ctx.clock));
  const { metrics } = ctx;
  metrics.eventsWritten.inc(out.events);
  metrics.duplicatesDropped.inc(out.duplicates);
  metrics.eventsRejected.inc(out.rejected);
  metrics.parquetFiles.inc(added.length);
  metrics.parquetBytes.inc(added.reduce((n, f) => n + f.bytes, 0));
  await buffer(() => ctx.buffer.commit(p.checkpoint));
  metrics.flushSeconds.observe((performance.now() - p.started) / 1000);
  ctx.logger.debug(
    { events: out.events, duplicates: out.duplicates, files: added.length, generation: ctx.state.current.generation },
    'writer: batch committed',
  );
  return { events: out.events, duplicates: out.duplicates, files: added.length, rejected: out.rejected, batches: 1 };
}

/**
 * Batches between "polled" and "committed" at once: one being prepared, up to two whose COPYs are queued or running
 * (so DuckDB has work while JavaScript prepares the next), one being checked and committed.
 */
const IN_FLIGHT = 4;

/**
 * Writes what the buffer holds now, one bounded batch at a time, and stops once as many records as were pending at
 * the start have been written (a steady stream of appends cannot keep one flush going forever).
 *
 * A pipeline of two loops. The producer polls batch after batch, routes each and writes its NDJSON (JavaScript),
 * then starts its COPYs (DuckDB runs them as connections free up) and goes on with the next batch. The committer
 * takes the batches in order and, once a batch's COPYs are done, checks it for duplicates and commits it. So
 * JavaScript work, Parquet encoding of the next batches and the commit's fsyncs overlap, while a batch's duplicate
 * check still runs after the previous batch is committed (it must see that batch's files), and calls into the buffer
 * stay one at a time. At most IN_FLIGHT batches are between poll and commit; only the one being prepared holds
 * payloads in memory, and scratch space holds the NDJSON and Parquet files of at most IN_FLIGHT batches.
 */
export async function flushPending(ctx: WriterContext): Promise<FlushResult> {
  const budget = ctx.buffer.stats().pendingRecords;
  const buffer = exclusive();
  const ready: Pending[] = [];
  // Each loop waits for `changed()` and the other one calls `signal()` when the state it waits on may have moved.
  let waiters: (() => void)[] = [];
  const signal = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };
  const changed = () => new Promise<void>((resolve) => waiters.push(resolve));
  const produced: { done: boolean; failure: { error: unknown } | null } = { done: false, failure: null };
  let stop = false;
  let inFlight = 0; // batches being prepared, ready or being committed

  const producer = (async () => {
    let after = ctx.state.current.checkpoint;
    let consumed = 0;
    let polls = 0;
    try {
      while (!stop && (polls++ === 0 || consumed < budget)) {
        while (inFlight >= IN_FLIGHT && !stop) await changed();
        if (stop) break;
        inFlight++;
        const p = await prepareNext(ctx, after, buffer).catch((err: unknown) => {
          inFlight--;
          throw err;
        });
        if (p === null) {
          inFlight--;
          break;
        }
        ready.push(p);
        signal();
        consumed += p.records;
        after = p.checkpoint;
      }
    } catch (error) {
      produced.failure = { error };
    }
    produced.done = true;
    signal();
  })();

  let total: FlushResult = { events: 0, duplicates: 0, files: 0, rejected: 0, batches: 0 };
  try {
    for (;;) {
      while (ready.length === 0 && !produced.done) await changed();
      const p = ready.shift();
      if (p === undefined) {
        if (produced.failure !== null) throw produced.failure.error;
        break;
      }
      let r: FlushResult;
      try {
        r = await commitOne(ctx, p, buffer);
      } finally {
        await discard(p);
        inFlight--;
        signal();
      }
      total = {
        events: total.events + r.events,
        duplicates: total.duplicates + r.duplicates,
        files: total.files + r.files,
        rejected: total.rejected + r.rejected,
        batches: total.batches + 1,
      };
    }
  } finally {
    stop = true;
    signal();
    await producer;
    for (const p of ready.splice(0)) await discard(p);
  }
  return total;
}
