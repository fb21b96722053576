/**
 * The writer: buffer -> ZSTD Parquet files in hour partitions -> lake, exactly once; plus compaction.
 *
 * Design constraints
 *
 * 1. The commit point is the manifest (`_clicklake/manifest.json`, core/lake.ts). A batch is in the lake when, and
 *    only when, a manifest naming its files and its buffer checkpoint has been put (atomic, durable). The order is
 *    always: put the Parquet files (each put durable) -> put the manifest -> commit the buffer. Readers take
 *    snapshots from the manifest, so they see a batch entirely or not at all.
 * 2. Exactly once. The buffer is trimmed only after the manifest commit, and the manifest records how far the
 *    buffer has been written, so each crash point is harmless:
 *      - before or during the file puts, or during the manifest put: the manifest still holds the previous files and
 *        checkpoint. Files already put are orphans (under events/, not listed); recovery deletes them. The buffer
 *        was not trimmed, so the batch is polled again and written again.
 *      - after the manifest put, before the buffer commit: the lake holds the batch, the buffer still does too.
 *        Recovery commits the buffer up to the manifest's checkpoint, and polls always start after that checkpoint,
 *        so the batch is never written twice.
 *      - after the buffer commit: nothing to do.
 *    Independently, every event_id is written once: duplicates inside a batch and ids already in the lake files of
 *    the touched partitions are dropped before the commit (dedupe.ts). That covers clients resending an event.
 * 3. A failed step (I/O, DuckDB) is logged and counted (clicklake_writer_errors_total) and treated like a crash: the
 *    next cycle first re-reads the committed manifest, deletes leftovers and re-commits the buffer, then polls the
 *    same batch again (poll is stateless). A payload that is not a LakeRow is dropped and counted, never retried, so
 *    one bad record cannot stop the writer.
 * 4. Bounded memory. A batch is at most batchMaxBytes of payloads and maxEvents events (the buffer's poll limits),
 *    held as the buffer's bytes (never decoded into strings) only while it is routed and written as NDJSON, one batch
 *    at a time; NDJSON is written through a 4 MiB buffer; DuckDB runs under duckdbMemoryLimit and spills to tmpDir.
 *    A backlog is written batch after batch (at most four between poll and commit, flush.ts), never read at once.
 * 5. One thing at a time. Flushes, compactions, purges, retention, forgets and recoveries of one writer run strictly one after another
 *    (a promise queue); start()'s timer never starts a cycle while one runs. One writer per lake.
 * 6. Files are only deleted when no committed manifest lists them: leftovers at recovery, and retired files
 *    (compacted away, expired by retention, rewritten by forget) deleteGraceMs after the manifest that retired them,
 *    so a query planned on the older snapshot can finish, or at stop(), when the server no longer runs queries (a
 *    gracefully stopped lake holds exactly the manifest's files).
 * 7. One writer per table (core/tables.ts): events and failed_events each have their own buffer, manifest, key
 *    prefix and tmpDir, and the same protocol. Retention (retention.ts) and forget (forget.ts) change the lake only
 *    through a manifest commit, inside the serial queue of constraint 5.
 *
 * Module map: flush.ts (the pipelined poll/convert/commit loops), batch.ts (NDJSON -> Parquet), dedupe.ts (the
 * duplicate check), route.ts (payload bytes -> hour), ndjson.ts, compaction.ts (policy and merge), retention.ts,
 * forget.ts, recovery.ts,
 * manifest-state.ts (commits and listeners), duckdb.ts (the database and its connections), metrics.ts;
 * testing/ holds an in-memory EventBuffer and fixtures for tests.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import type { Registry } from 'prom-client';
import { Registry as PromRegistry } from 'prom-client';
import type { LakeSnapshot, Manifest } from '../core/lake.js';
import type { Clock, EventBuffer, Logger, ObjectStore } from '../core/ports.js';
import { EVENTS_TABLE, type TableSpec } from '../core/tables.js';
import { compactUpTo, purgeRetired } from './compaction.js';
import type { WriterContext, WriterSettings } from './context.js';
import { openWriterDb, type WriterDb } from './duckdb.js';
import { type FlushResult, flushPending } from './flush.js';
import { type CommitListener, lakeTotals, ManifestState } from './manifest-state.js';
import { createWriterMetrics, type WriterOp } from './metrics.js';
import { type ForgetFilter, type ForgetResult, forgetRows } from './forget.js';
import { recoverLake } from './recovery.js';
import { applyRetention, type RetentionResult } from './retention.js';

export interface WriterOptions {
  readonly buffer: EventBuffer;
  /**
   * The table written (core/tables.ts; default events): key prefix, manifest, columns, partitioning. One writer per
   * table, each with its own buffer, tmpDir and manifest.
   */
  readonly table?: TableSpec;
  /** Partitions whose day ended more than this many days ago are removed (retention.ts); unset keeps everything. */
  readonly retentionDays?: number;
  readonly store: ObjectStore;
  /** Scratch directory owned by the writer (created when missing). Best on the lake's filesystem (puts are renames). */
  readonly tmpDir: string;
  readonly logger: Logger;
  /** Where the metrics are registered; a private registry when omitted. */
  readonly registry?: Registry;
  readonly clock?: Clock;
  /** Random part of file names; tests pin it. */
  readonly random?: () => string;
  // config.writer (src/core/config.ts):
  readonly intervalMs: number;
  readonly maxEvents: number;
  readonly batchMaxBytes: number;
  readonly compactMinFiles: number;
  readonly compactTargetBytes: number;
  readonly deleteGraceMs: number;
  readonly duckdbMemoryLimit: string;
  /**
   * How long after its end an hour is still treated as open (compacted only once it has compactMinFiles files), so
   * that late events of the hour just closed land before it is compacted (default 10 minutes).
   */
  readonly compactGraceMs?: number;
  /** ZSTD level of flushed files (default 1: fast). */
  readonly zstdLevel?: number;
  /** ZSTD level of compacted files (default 3: they live long, and compaction is off the ingest path). */
  readonly compactZstdLevel?: number;
  /** Parquet format version of the files (default 'v2': DELTA encodings; every current reader supports them). */
  readonly parquetVersion?: 'v1' | 'v2';
  /**
   * DuckDB statements the writer runs at once, each on one thread (duckdb.ts): a flush converts up to this many hour
   * partitions in parallel. Each running statement holds a libuv thread-pool thread. Default: the number of cores,
   * at most 2 (the default pool has 4 threads, shared with file I/O and the query engine).
   */
  readonly duckdbThreads?: number;
  /** How often start()'s timer looks at the buffer for an early flush, ms (default 250). */
  readonly checkEveryMs?: number;
}

export interface CycleResult extends FlushResult {
  /** Files removed from the manifest by retention this cycle. */
  readonly expired: number;
  /** Partitions compacted this cycle (0 or 1). */
  readonly compacted: number;
  /** Compacted-away files deleted this cycle. */
  readonly purged: number;
}

export interface Writer {
  /** Startup recovery (recovery.ts); run once before start(). flush/compact/cycle run it first if it was not. */
  recover(): Promise<void>;
  /** Writes what the buffer holds now, batch by batch. Rejects when a batch fails (logged, counted, retried later). */
  flush(): Promise<FlushResult>;
  /** Compacts every qualifying partition; returns how many. */
  compact(): Promise<number>;
  /**
   * What start()'s timer runs: flush, apply retention, delete retired files past their grace period, compact one
   * partition.
   */
  cycle(): Promise<CycleResult>;
  /** Applies retention now (recover() and cycle() do it too); a no-op without retentionDays. */
  retain(): Promise<RetentionResult>;
  /**
   * Removes the rows matching `filter` from every live file (forget.ts): flushes the buffer first, so every event
   * acknowledged before the call is covered, then rewrites the affected files in one manifest commit.
   */
  forget(filter: ForgetFilter): Promise<ForgetResult>;
  /** The committed lake: files as local paths, for queries. */
  snapshot(): LakeSnapshot;
  /** The committed manifest as this writer knows it. */
  manifest(): Manifest;
  /** Called after every manifest commit with the new snapshot; returns an unsubscribe function. */
  onCommit(listener: CommitListener): () => void;
  /** Runs a cycle every intervalMs, or sooner once maxEvents are pending. */
  start(): void;
  /**
   * Stops the timer, waits for a running cycle, flushes once more (unless `flush: false`), deletes the retired files
   * (pendingDeletes) and any leftover at once (the server stopped serving queries first), closes DuckDB.
   */
  stop(options?: { flush?: boolean }): Promise<void>;
}

function defaultDuckdbThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), 2));
}

export function createWriter(options: WriterOptions): Writer {
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const { buffer } = options;
  const settings: WriterSettings = {
    intervalMs: options.intervalMs,
    maxEvents: options.maxEvents,
    batchMaxBytes: options.batchMaxBytes,
    compactMinFiles: options.compactMinFiles,
    compactTargetBytes: options.compactTargetBytes,
    compactGraceMs: options.compactGraceMs ?? 10 * 60_000,
    deleteGraceMs: options.deleteGraceMs,
    duckdbMemoryLimit: options.duckdbMemoryLimit,
    zstdLevel: options.zstdLevel ?? 1,
    compactZstdLevel: options.compactZstdLevel ?? 3,
    parquetVersion: options.parquetVersion ?? 'v2',
    retentionDays: options.retentionDays ?? null,
  };
  const table = options.table ?? EVENTS_TABLE;
  const metrics = createWriterMetrics(options.registry ?? new PromRegistry(), () => {
    const oldest = buffer.stats().oldestPendingMs;
    return oldest === null ? 0 : Math.max(0, (clock() - oldest) / 1000);
  }, table.metricsPrefix);
  const state = new ManifestState(options.store, logger, (m) => {
    const totals = lakeTotals(m);
    metrics.lakeFiles.set(totals.files);
    metrics.lakeBytes.set(totals.bytes);
  }, table.manifestKey);

  let dbOpening: Promise<WriterDb> | null = null;
  const ctx: WriterContext = {
    buffer,
    table,
    store: options.store,
    tmpDir: options.tmpDir,
    logger,
    clock,
    random: options.random ?? (() => randomBytes(6).toString('hex')),
    settings,
    state,
    metrics,
    db() {
      dbOpening ??= openWriterDb({
        tmpDir: options.tmpDir,
        memoryLimit: settings.duckdbMemoryLimit,
        parallelism: options.duckdbThreads ?? defaultDuckdbThreads(),
      }).catch((err: unknown) => {
        dbOpening = null;
        throw err;
      });
      return dbOpening;
    },
  };

  // --- one operation at a time ---
  let queue: Promise<unknown> = Promise.resolve();
  let running = 0;
  function serial<T>(fn: () => Promise<T>): Promise<T> {
    running++;
    const result = queue.then(fn).finally(() => running--);
    queue = result.catch(() => undefined);
    return result;
  }

  // --- consistency after start-up and after failures (design constraint 3) ---
  let recovered = false;
  let resync = false;
  async function guarded<T>(op: WriterOp, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      metrics.errors.inc({ op });
      resync = true;
      logger.error({ err, op }, `writer: ${op} failed; the next cycle retries it`);
      throw err;
    }
  }
  async function consistent(): Promise<void> {
    if (!recovered) {
      await guarded('recover', () => recoverLake(ctx, { mode: 'startup' }));
      recovered = true;
      resync = false;
    } else if (resync) {
      await guarded('recover', () => recoverLake(ctx, { mode: 'resync' }));
      resync = false;
    }
  }

  let stopping: Promise<void> | null = null;
  /** Runs fn in the queue, or rejects when the writer is stopped. */
  function op<T>(fn: () => Promise<T>): Promise<T> {
    return stopping === null ? serial(fn) : Promise.reject(new Error('writer is stopped'));
  }
  const doFlush = async () => {
    await consistent();
    return guarded('flush', () => flushPending(ctx));
  };

  // --- the timer (start/stop) ---
  let timer: NodeJS.Timeout | null = null;
  let lastCycle = 0;
  let lastFailed = false;
  const checkEveryMs = Math.max(1, Math.min(options.checkEveryMs ?? 250, settings.intervalMs));
  const tick = () => {
    timer = null;
    if (stopping !== null) return;
    timer = setTimeout(tick, checkEveryMs).unref();
    if (running > 0) return;
    const elapsed = performance.now() - lastCycle;
    const early = !lastFailed && buffer.stats().pendingRecords >= settings.maxEvents;
    if (elapsed < settings.intervalMs && !early) return;
    lastCycle = performance.now();
    writer.cycle().then(
      () => (lastFailed = false),
      () => (lastFailed = true), // already logged and counted
    );
  };

  const writer: Writer = {
    recover() {
      return op(async () => {
        await guarded('recover', () => recoverLake(ctx, { mode: 'startup' }));
        recovered = true;
        resync = false;
        // Retention is checked at start; a failure is logged and counted, and the next cycle retries it.
        await guarded('retention', () => applyRetention(ctx)).catch(() => undefined);
        // Open DuckDB now rather than in the first flush; a failure surfaces (and is retried) at first use.
        ctx.db().catch(() => undefined);
      });
    },

    flush() {
      return op(doFlush);
    },

    compact() {
      return op(async () => {
        await consistent();
        return guarded('compact', () => compactUpTo(ctx, Number.POSITIVE_INFINITY));
      });
    },

    cycle() {
      return op(async () => {
        const flushed = await doFlush();
        const expired = (await guarded('retention', () => applyRetention(ctx))).files;
        const purged = await guarded('purge', () => purgeRetired(ctx));
        const compacted = await guarded('compact', () => compactUpTo(ctx, 1));
        return { ...flushed, expired, purged, compacted };
      });
    },

    retain() {
      return op(async () => {
        await consistent();
        return guarded('retention', () => applyRetention(ctx));
      });
    },

    forget(filter) {
      return op(async () => {
        await doFlush();
        return guarded('forget', () => forgetRows(ctx, filter));
      });
    },

    snapshot: () => state.snapshot(),
    manifest: () => state.current,
    onCommit: (listener) => state.onCommit(listener),

    start() {
      if (stopping !== null) throw new Error('writer is stopped');
      if (timer !== null) return;
      lastCycle = performance.now();
      timer = setTimeout(tick, checkEveryMs).unref();
    },

    stop(opts = {}) {
      stopping ??= (async () => {
        if (timer !== null) clearTimeout(timer);
        timer = null;
        try {
          if (opts.flush ?? true) await serial(doFlush);
          else await queue;
        } catch {
          // Logged and counted; the events stay in the buffer for the next start.
        }
        try {
          // No query of this process runs any more: retired files go now, with any leftover of a failed step, so a
          // stopped lake holds exactly the manifest's files. Only a writer that took the lake over touches it.
          if (recovered) await serial(() => guarded('recover', () => recoverLake(ctx, { mode: 'stop' })));
        } catch {
          // Logged and counted; the next start recovers.
        } finally {
          const opening = dbOpening;
          dbOpening = null;
          if (opening !== null) (await opening.catch(() => null))?.close();
        }
      })();
      return stopping;
    },
  };
  return writer;
}
