import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { EVENTS_PREFIX, LAKE_SCHEMA_VERSION, MANIFEST_KEY, type Manifest, type ManifestFile, readManifest } from '../../../src/core/lake.js';
import type { Clock, Logger, ObjectStore } from '../../../src/core/ports.js';
import { checkBatch, startBatch } from '../../../src/writer/batch.js';
import { openWriterDb, type ParquetSettings, type WriterDb } from '../../../src/writer/duckdb.js';
import { withBatch } from '../../../src/writer/manifest-state.js';
import { batchWriteAll, type BatchWriteOptions } from './batch-write.js';
import { lastClosedSlice, partitionKey, type SliceSettings, sliceLabel } from './slices.js';

/**
 * The `process` Lambda's work: closed DynamoDB slices -> ZSTD Parquet in the lake (S3) with the embedded writer's own
 * code (src/writer/batch.ts: route by hour, read_json with the lake's column casts, COPY to Parquet, duplicate check),
 * then the manifest, then the items are deleted.
 *
 * Design constraints (a crash at any step neither loses nor duplicates an event):
 * - Slices are processed in order, one at a time, by one invocation at a time (the function's reserved concurrency
 *   is 1). The lake manifest (`_clicklake/manifest.json`, the same format as the embedded lake) is the checkpoint:
 *   `checkpoint.slice` is the last slice whose rows are in the lake.
 * - For slice S: read every shard (strongly consistent queries), convert, put one file per touched hour under the
 *   deterministic key `events/dt=.../hour=.../part-<label(S)>.parquet`, commit the manifest naming the files and
 *   checkpoint S, then delete S's items.
 *   - crash before the manifest commit: the items are still there and the checkpoint is before S, so the next run
 *     converts the same items into the same rows and overwrites the same keys (nothing doubles: the manifest never
 *     named the first attempt, and a reader globbing the folder sees one object per key);
 *   - crash after the commit, before or during the deletes: the next run finds S <= checkpoint and only deletes
 *     what is left of S (it never converts S again).
 * - Duplicates: a resend inside one slice lands on the same DynamoDB item (pk = slice#shard(event_id), sk =
 *   event_id); across slices the writer's duplicate check drops ids already in the manifest's files of the touched
 *   hours (copied to a local cache, excluding S's own keys so that a re-run is deterministic).
 * - Empty slices only advance the checkpoint, written once at the end of the run.
 */
export interface ProcessorOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly store: ObjectStore;
  readonly slices: SliceSettings;
  /** Scratch space (Lambda: /tmp): NDJSON, Parquet before upload, the lake file cache, DuckDB spill. */
  readonly tmpDir: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Slices examined per run at most (bounds a run's duration). */
  readonly maxSlicesPerRun: number;
  /** With no checkpoint yet (first run), start this many slices before the last closed one. */
  readonly lookbackSlices: number;
  /** Default: ZSTD level 3, Parquet v1 (read by every engine, Athena included). */
  readonly parquet?: ParquetSettings;
  readonly duckdbMemoryLimit?: string;
  /** Milliseconds the invocation has left; no new slice is started below `minRemainingMs`. */
  readonly remainingMs?: () => number;
  readonly minRemainingMs?: number;
  readonly write?: BatchWriteOptions;
  /** Crash injection for tests: called at each step, a throw there stops the run as a crash would. */
  readonly fault?: (step: 'after-put' | 'after-commit') => void;
}

export interface ProcessResult {
  /** Slices examined (converted, emptied or found empty). */
  readonly slices: number;
  /** Rows written to the lake. */
  readonly events: number;
  readonly files: number;
  readonly duplicates: number;
  /** Items deleted from DynamoDB. */
  readonly deleted: number;
  /** The checkpoint after the run (null: none yet). */
  readonly checkpoint: number | null;
}

interface Item {
  readonly pk: string;
  readonly sk: string;
  readonly row: string;
}

const DEFAULT_PARQUET: ParquetSettings = { zstdLevel: 3, version: 'v1' };

async function readSlice(opts: ProcessorOptions, slice: number): Promise<Item[]> {
  const items: Item[] = [];
  for (let shard = 0; shard < opts.slices.shards; shard++) {
    const pk = partitionKey(slice, shard, opts.slices.sliceMs);
    let start: Record<string, unknown> | undefined;
    do {
      const page = await opts.doc.send(
        new QueryCommand({
          TableName: opts.table,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ExpressionAttributeNames: { '#r': 'row' },
          ProjectionExpression: 'pk, sk, #r',
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const it of page.Items ?? []) items.push(it as Item);
      start = page.LastEvaluatedKey;
    } while (start !== undefined);
  }
  return items;
}

async function deleteItems(opts: ProcessorOptions, items: readonly Item[]): Promise<void> {
  await batchWriteAll(
    opts.doc,
    opts.table,
    items.map((i) => ({ DeleteRequest: { Key: { pk: i.pk, sk: i.sk } } })),
    opts.write,
  );
}

/** Local copies of lake files (immutable once named by a manifest), for the duplicate check. */
async function cachedLakeFile(opts: ProcessorOptions, f: ManifestFile): Promise<string> {
  const path = join(opts.tmpDir, 'lake-cache', f.key);
  const have = await stat(path).catch(() => null);
  if (have !== null && have.size === f.bytes) return path;
  const bytes = await opts.store.getBytes(f.key);
  if (bytes === null) throw new Error(`lake file ${f.key} named by the manifest is missing`);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}

async function commitManifest(store: ObjectStore, m: Manifest): Promise<void> {
  await store.putBytes(MANIFEST_KEY, new TextEncoder().encode(`${JSON.stringify(m)}\n`));
}

/** Converts one slice's rows and puts its files; returns the manifest entries (not committed yet). */
async function convertSlice(
  opts: ProcessorOptions,
  db: WriterDb,
  manifest: Manifest,
  slice: number,
  items: readonly Item[],
): Promise<{ files: ManifestFile[]; events: number; duplicates: number }> {
  const parquet = opts.parquet ?? DEFAULT_PARQUET;
  const label = sliceLabel(slice, opts.slices.sliceMs);
  const dir = await mkdtemp(join(opts.tmpDir, `slice-${label}-`));
  try {
    const payloads = items.map((i) => Buffer.from(i.row, 'utf8'));
    const { copied } = await startBatch({ db, parquet }, payloads, dir);
    const batch = await copied;
    const ownKey = (partition: string) => `${EVENTS_PREFIX}${partition}/part-${label}.parquet`;
    const lake = new Map<string, string[]>();
    for (const f of batch.files) {
      const earlier = manifest.files.filter((m) => m.partition === f.partition && m.key !== ownKey(f.partition));
      lake.set(f.partition, await Promise.all(earlier.map((m) => cachedLakeFile(opts, m))));
    }
    const out = await checkBatch({ db, parquet, lakeFiles: (p) => lake.get(p) ?? [], logger: opts.logger }, batch);
    const files: ManifestFile[] = [];
    for (const f of out.files) {
      const key = ownKey(f.partition);
      const bytes = (await stat(f.path)).size;
      await opts.store.putFile(key, f.path);
      files.push({ key, partition: f.partition, rows: f.rows, bytes, schema: LAKE_SCHEMA_VERSION });
    }
    return { files, events: out.events, duplicates: out.duplicates };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function processClosedSlices(opts: ProcessorOptions): Promise<ProcessResult> {
  await mkdir(opts.tmpDir, { recursive: true });
  let manifest = await readManifest(opts.store);
  const committed = manifest.checkpoint?.slice;
  const last = lastClosedSlice(opts.clock(), opts.slices);
  let deleted = 0;
  // Leftovers of a run that crashed after its commit: only the checkpoint slice can hold any.
  if (committed !== undefined) {
    const left = await readSlice(opts, committed);
    if (left.length > 0) {
      await deleteItems(opts, left);
      deleted += left.length;
      opts.logger.info({ slice: sliceLabel(committed, opts.slices.sliceMs), items: left.length }, 'process: deleted leftovers of a committed slice');
    }
  }
  const first = committed !== undefined ? committed + 1 : last - opts.lookbackSlices + 1;
  const end = Math.min(last, first + opts.maxSlicesPerRun - 1);
  let checkpoint = committed ?? null;
  let dirty = false;
  let events = 0;
  let files = 0;
  let duplicates = 0;
  let examined = 0;
  let db: WriterDb | null = null;
  try {
    for (let slice = first; slice <= end; slice++) {
      if (opts.remainingMs && opts.remainingMs() < (opts.minRemainingMs ?? 60_000)) break;
      examined++;
      const items = await readSlice(opts, slice);
      if (items.length === 0) {
        checkpoint = slice;
        dirty = true;
        continue;
      }
      db ??= await openWriterDb({
        tmpDir: join(opts.tmpDir, 'duckdb'),
        memoryLimit: opts.duckdbMemoryLimit ?? '1GB',
        parallelism: 1,
      });
      const out = await convertSlice(opts, db, manifest, slice, items);
      opts.fault?.('after-put');
      manifest = withBatch(manifest, out.files, { slice }, opts.clock);
      await commitManifest(opts.store, manifest);
      checkpoint = slice;
      dirty = false;
      opts.fault?.('after-commit');
      await deleteItems(opts, items);
      deleted += items.length;
      events += out.events;
      files += out.files.length;
      duplicates += out.duplicates;
      opts.logger.info(
        { slice: sliceLabel(slice, opts.slices.sliceMs), items: items.length, events: out.events, files: out.files.length },
        'process: slice written',
      );
    }
    if (dirty && checkpoint !== null) {
      manifest = { ...manifest, checkpoint: { slice: checkpoint }, generation: manifest.generation + 1, updatedAt: new Date(opts.clock()).toISOString() };
      await commitManifest(opts.store, manifest);
    }
  } finally {
    db?.close();
  }
  return { slices: examined, events, files, duplicates, deleted, checkpoint };
}
