import { createHash } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENTS_PREFIX, type ManifestFile } from '../core/lake.js';
import type { BufferCheckpoint } from '../core/ports.js';
import { type BatchFile, convertBatch, type PreparedBatch, prepareBatch } from './batch.js';
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
      const key = `${EVENTS_PREFIX}${f.partition}/part-${id}-${ctx.random()}.parquet`;
      await ctx.store.putFile(key, f.path);
      out[i] = { key, partition: f.partition, rows: f.rows, bytes };
    }
  };
  await Promise.all(Array.from({ length: Math.min(PUT_CONCURRENCY, files.length) }, worker));
  return out;
}

/** A polled batch, routed and written as NDJSON in its scratch directory; not converted yet. */
interface Pending {
  readonly checkpoint: BufferCheckpoint;
  readonly records: number;
  readonly dir: string;
  readonly prepared: PreparedBatch;
  readonly started: number;
}

/** Polls the batch after `after` and prepares it; `polled` resolves once the buffer call is over. */
function prepareNext(ctx: WriterContext, after: BufferCheckpoint | null): { polled: Promise<unknown>; pending: Promise<Pending | null> } {
  const started = performance.now();
  const polled = ctx.buffer.poll(after, { maxRecords: ctx.settings.maxEvents, maxBytes: ctx.settings.batchMaxBytes });
  const pending = polled.then(async (batch) => {
    if (batch === null) return null;
    const dir = join(ctx.tmpDir, `batch-${ctx.random()}`);
    await mkdir(dir, { recursive: true });
    try {
      const prepared = await prepareBatch(batch.payloads, dir);
      return { checkpoint: batch.checkpoint, records: batch.payloads.length, dir, prepared, started };
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  });
  return { polled: polled.catch(() => undefined), pending };
}

async function discard(p: Pending | null): Promise<void> {
  if (p !== null) await rm(p.dir, { recursive: true, force: true });
}

/** Converts and commits one prepared batch. `beforeBufferCommit` keeps calls into the buffer one at a time. */
async function commitOne(ctx: WriterContext, p: Pending, beforeBufferCommit: Promise<unknown>): Promise<FlushResult> {
  const live = ctx.state.current.files;
  const out = await convertBatch(
    {
      db: await ctx.db(),
      parquet: { zstdLevel: ctx.settings.zstdLevel, version: ctx.settings.parquetVersion },
      lakeFiles: (partition) => live.filter((f) => f.partition === partition).map((f) => lakePath(ctx, f.key)),
      logger: ctx.logger,
    },
    p.prepared,
  );
  const added = await putFiles(ctx, out.files, checkpointId(p.checkpoint));
  await ctx.state.commit(withBatch(ctx.state.current, added, p.checkpoint, ctx.clock));
  const { metrics } = ctx;
  metrics.eventsWritten.inc(out.events);
  metrics.duplicatesDropped.inc(out.duplicates);
  metrics.eventsRejected.inc(out.rejected);
  metrics.parquetFiles.inc(added.length);
  metrics.parquetBytes.inc(added.reduce((n, f) => n + f.bytes, 0));
  await beforeBufferCommit;
  await ctx.buffer.commit(p.checkpoint);
  metrics.flushSeconds.observe((performance.now() - p.started) / 1000);
  ctx.logger.debug(
    { events: out.events, duplicates: out.duplicates, files: added.length, generation: ctx.state.current.generation },
    'writer: batch committed',
  );
  return { events: out.events, duplicates: out.duplicates, files: added.length, rejected: out.rejected, batches: 1 };
}

/**
 * Writes what the buffer holds now, one bounded batch at a time, and stops once as many records as were pending at
 * the start have been written (a steady stream of appends cannot keep one flush going forever).
 *
 * Pipelined by one batch: while DuckDB converts batch N, the next batch is polled, routed and written as NDJSON, so
 * the JavaScript work and DuckDB's overlap. Batch N+1 is converted only after batch N is committed (its duplicate
 * check must see N's files), and calls into the buffer stay sequential. At most one batch of payloads is in memory.
 */
export async function flushPending(ctx: WriterContext): Promise<FlushResult> {
  const budget = ctx.buffer.stats().pendingRecords;
  let total: FlushResult = { events: 0, duplicates: 0, files: 0, rejected: 0, batches: 0 };
  let consumed = 0;
  let current: Pending | null = await prepareNext(ctx, ctx.state.current.checkpoint).pending;
  try {
    while (current !== null) {
      consumed += current.records;
      const next = consumed < budget ? prepareNext(ctx, current.checkpoint) : null;
      const settled = next?.pending.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      let r: FlushResult;
      try {
        r = await commitOne(ctx, current, next?.polled ?? Promise.resolve());
      } catch (err) {
        const n = await settled;
        if (n !== undefined && 'value' in n) await discard(n.value);
        throw err;
      } finally {
        await discard(current);
        current = null;
      }
      total = {
        events: total.events + r.events,
        duplicates: total.duplicates + r.duplicates,
        files: total.files + r.files,
        rejected: total.rejected + r.rejected,
        batches: total.batches + 1,
      };
      const n = await settled;
      if (n === undefined) break;
      if ('error' in n) throw n.error;
      current = n.value;
    }
  } finally {
    await discard(current);
  }
  return total;
}
