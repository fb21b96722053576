import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseConfig } from '../src/core/config.js';
import { type Manifest, readManifest } from '../src/core/lake.js';
import type { Logger } from '../src/core/ports.js';
import { createSpool } from '../src/buffer/spool/index.js';
import { createLocalStore } from '../src/store/local/index.js';
import { createWriter } from '../src/writer/index.js';

/**
 * The Clicklake writer path, in this process, built as the composition root builds it (src/server/index.ts) with
 * the default config, except that the writer may run as many DuckDB statements at once as the machine has cores
 * (`writer.duckdbThreads`, default 1 so that a server leaves cores to its collector): the raw COPY it is compared
 * with uses every core too. The rows are appended to a real spool first (not timed), then the writer's flush() runs
 * until the spool has nothing pending (timed). Then (not timed) the writer compacts every hour, as it does once an
 * hour is closed, with a clock a day ahead so that every hour of the data counts as closed.
 * Reports the lake's files and bytes from the committed manifest: `files`/`parquetBytes`/`bytesPerEvent` describe the
 * lake after compaction (what it keeps), `flushed*` the files the timed flushes wrote.
 */
export interface WriterPathResult {
  readonly seconds: number;
  readonly eventsPerSec: number;
  readonly flushes: number;
  /** Sums of the flush results. */
  readonly batches: number;
  readonly duplicates: number;
  readonly rejected: number;
  /** The lake after compaction. */
  readonly files: number;
  readonly rows: number;
  readonly parquetBytes: number;
  readonly bytesPerEvent: number;
  /** The lake as the timed flushes left it. */
  readonly flushedFiles: number;
  readonly flushedParquetBytes: number;
  readonly flushedBytesPerEvent: number;
  /** Compaction of every hour (not timed into eventsPerSec). */
  readonly compactSeconds: number;
  readonly compactedPartitions: number;
  /** writer.duckdbThreads used. */
  readonly duckdbThreads: number;
  readonly appendSeconds: number;
}

const APPEND_CHUNK = 2_000;
const DAY_MS = 86_400_000;

function lakeSize(m: Manifest): { files: number; rows: number; bytes: number } {
  return {
    files: m.files.length,
    rows: m.files.reduce((n, f) => n + f.rows, 0),
    bytes: m.files.reduce((n, f) => n + f.bytes, 0),
  };
}
const MAX_FLUSH_SECONDS = 600;

async function appendNdjson(spool: { append(p: readonly string[]): Promise<void> }, path: string): Promise<number> {
  let chunk: string[] = [];
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) {
    if (line.length === 0) continue;
    chunk.push(line);
    if (chunk.length === APPEND_CHUNK) {
      await spool.append(chunk);
      n += chunk.length;
      chunk = [];
    }
  }
  if (chunk.length > 0) await spool.append(chunk);
  return n + chunk.length;
}

export async function clicklakeWriterPath(opts: { ndjsonPath: string; ndjsonBytes: number; events: number; workDir: string }): Promise<WriterPathResult> {
  const config = parseConfig({});
  const logger = pino({ level: 'warn', base: { app: 'clicklake-bench' } }) as unknown as Logger;
  const dirs = { spool: join(opts.workDir, 'spool'), lake: join(opts.workDir, 'lake'), tmp: join(opts.workDir, 'tmp') };
  await mkdir(dirs.tmp, { recursive: true });
  const registry = new Registry();
  const spool = await createSpool({
    dir: dirs.spool,
    segmentBytes: config.spool.segmentBytes,
    maxBytes: Math.max(config.spool.maxBytes, Math.ceil(opts.ndjsonBytes * 1.5)),
    retryAfterSeconds: config.spool.retryAfterSeconds,
    logger,
    registry,
  });
  try {
    const a0 = performance.now();
    const appended = await appendNdjson(spool, opts.ndjsonPath);
    const appendSeconds = (performance.now() - a0) / 1000;
    if (appended !== opts.events) throw new Error(`appended ${appended} rows, expected ${opts.events}`);
    const store = createLocalStore(dirs.lake);
    const duckdbThreads = Math.max(config.writer.duckdbThreads, availableParallelism());
    const writerOptions = { buffer: spool, store, tmpDir: join(dirs.tmp, 'writer'), logger, ...config.writer, duckdbThreads };
    const writer = createWriter({ ...writerOptions, registry });
    await writer.recover();
    const start = performance.now();
    let flushes = 0;
    const sums = { batches: 0, duplicates: 0, rejected: 0 };
    while (spool.stats().pendingRecords > 0) {
      if (performance.now() - start > MAX_FLUSH_SECONDS * 1000) throw new Error(`writer did not drain the spool within ${MAX_FLUSH_SECONDS} s`);
      const r = await writer.flush();
      flushes++;
      sums.batches += r.batches;
      sums.duplicates += r.duplicates;
      sums.rejected += r.rejected;
    }
    const seconds = (performance.now() - start) / 1000;
    await writer.stop();
    const flushed = lakeSize(await readManifest(store));

    const c0 = performance.now();
    const compactor = createWriter({ ...writerOptions, clock: () => Date.now() + DAY_MS });
    await compactor.recover();
    const compactedPartitions = await compactor.compact();
    await compactor.stop({ flush: false }); // deletes the compacted-away files
    const compactSeconds = (performance.now() - c0) / 1000;
    const lake = lakeSize(await readManifest(store));
    if (lake.rows !== flushed.rows) throw new Error(`compaction changed the row count: ${flushed.rows} -> ${lake.rows}`);
    return {
      seconds,
      eventsPerSec: opts.events / seconds,
      flushes,
      ...sums,
      files: lake.files,
      rows: lake.rows,
      parquetBytes: lake.bytes,
      bytesPerEvent: lake.bytes / Math.max(1, lake.rows),
      flushedFiles: flushed.files,
      flushedParquetBytes: flushed.bytes,
      flushedBytesPerEvent: flushed.bytes / Math.max(1, flushed.rows),
      compactSeconds,
      compactedPartitions,
      duckdbThreads,
      appendSeconds,
    };
  } finally {
    await spool.close();
  }
}
