import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/ports.js';
import { EVENTS_TABLE, type TableSpec } from '../core/tables.js';
import { countDuplicates, removeDuplicates } from './dedupe.js';
import { type ParquetSettings, parquetOptions, selectList, sqlIdent, sqlString, type WriterDb } from './duckdb.js';
import { distinctEventIds } from './ids.js';
import { writeNdjson } from './ndjson.js';
import { type PartitionGroup, routeByColumn } from './route.js';

/**
 * One batch of payloads -> one ZSTD Parquet file per touched hour partition, in a scratch directory, without
 * duplicate event ids. Nothing here touches the store, the buffer or the manifest (flush.ts does).
 *
 * Two calls, so that flush.ts can overlap batches (JavaScript prepares one while DuckDB converts others):
 *  - startBatch: route the payloads to hours by reading the bytes of their `ts` (route.ts) and write one NDJSON
 *    file per hour by copying the payload bytes (ndjson.ts). Nothing is decoded into strings. The payloads are not
 *    needed after this. Then, in DuckDB, needing nothing from the lake:
 *    1. per hour: COPY (SELECT <LAKE_COLUMNS> FROM read_json(file, columns = <schema>) WHERE the row parsed and its
 *       ts lies in that hour) TO part.parquet. Rows that do not parse as a LakeRow are rejected, not retried forever.
 *       Each hour's COPY starts once its NDJSON file is written, largest hour first; they run in parallel, each on
 *       one thread (duckdb.ts explains why).
 *  - checkBatch, in DuckDB, once the previous batch is committed:
 *    2. check the new files: event ids repeated inside the batch (skipped when the payload bytes prove there are none,
 *       ids.ts), and ids already in the lake files of the touched partitions (dedupe.ts; one query over the
 *       event_id column only, none when those partitions hold no file yet);
 *    3. only when step 2 found some: rewrite the affected files without them (dedupe.ts), then check again.
 * The common case thus costs one streaming DuckDB pass per partition, plus a read of the event_id columns when the
 * batch touches partitions that hold files already. There is no staging table and no sort: materialising a batch in
 * DuckDB and sorting it cost more than the Parquet encoding itself (docs/writer.md, "Performance"); compaction sorts.
 */
export interface BatchFile {
  /** dt=YYYY-MM-DD/hour=HH */
  readonly partition: string;
  /** Local path of the Parquet file (inside the scratch directory). */
  readonly path: string;
  readonly rows: number;
}

export interface BatchOutput {
  readonly files: BatchFile[];
  /** Rows in the files. */
  readonly events: number;
  /** Rows dropped because their event_id was already in this batch or in the lake. */
  readonly duplicates: number;
  /** Payloads that were not a LakeRow with an event_id and a ts. */
  readonly rejected: number;
}

export interface BatchContext {
  readonly db: WriterDb;
  /** ZSTD level and Parquet format version of the files. */
  readonly parquet: ParquetSettings;
  /** Local paths of the lake's live files of a partition (for the duplicate check). */
  lakeFiles(partition: string): readonly string[];
  readonly logger: Logger;
  /** The table written (default: events). */
  readonly table?: TableSpec;
}

const structs = new WeakMap<TableSpec, string>();

/** `columns` argument of read_json for a table: {'event_id': 'VARCHAR', ...} (made once per table). */
function columnsStruct(table: TableSpec): string {
  let struct = structs.get(table);
  if (struct === undefined) {
    struct = '{' + table.columns.map((c) => `${sqlString(c.name)}: ${sqlString(c.type)}`).join(', ') + '}';
    structs.set(table, struct);
  }
  return struct;
}

async function convertPartition(ctx: CopyContext, group: PartitionGroup, ndjson: string): Promise<BatchFile | null> {
  const parquet = ndjson.replace(/\.ndjson$/, '.parquet');
  const table = ctx.table ?? EVENTS_TABLE;
  const time = sqlIdent(table.timeColumn);
  const [row] = await ctx.db.all(
    `COPY (SELECT ${selectList(table)} FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', ` +
      `ignore_errors = true, columns = ${columnsStruct(table)}) WHERE ${sqlIdent(table.idColumn)} IS NOT NULL ` +
      `AND ${time} >= TIMESTAMPTZ ${sqlString(group.hourStart)} AND ${time} < TIMESTAMPTZ ${sqlString(group.hourEnd)}) ` +
      `TO ${sqlString(parquet)} ${parquetOptions(ctx.parquet)}`,
  );
  const rows = Number(row?.Count ?? 0);
  await rm(ndjson, { force: true });
  if (rows > 0) return { partition: group.partition, path: parquet, rows };
  await rm(parquet, { force: true });
  return null;
}

/** What the COPYs need: the database and the Parquet settings. */
export type CopyContext = Pick<BatchContext, 'db' | 'parquet' | 'table'>;

/** A batch whose COPYs are done: its Parquet files, before the duplicate check. */
export interface CopiedBatch {
  readonly files: readonly BatchFile[];
  /** Payloads of the batch that are not in the files (not a LakeRow with an event_id and a ts). */
  readonly rejected: number;
  readonly payloads: number;
  /** The payload bytes prove that no event_id repeats in the batch (ids.ts): the check skips its in-batch part. */
  readonly idsDistinct: boolean;
}

/**
 * Routes the payloads (UTF-8 JSON bytes) to hours and writes one NDJSON file per
 * hour into `dir` (which must exist), copying the bytes as they are, largest partition first; each partition's COPY
 * starts as soon as its file is written (the database runs as many at once as it has connections). Resolves once
 * every file is written, with `copied`, which settles once every COPY did (also when one failed: no COPY may still
 * be writing into `dir` when the caller removes it). Needs nothing from the lake, so it may run before the previous
 * batch is committed. The payloads are not used after it resolves.
 */
export async function startBatch(
  ctx: CopyContext,
  payloads: readonly Uint8Array[],
  dir: string,
): Promise<{ readonly copied: Promise<CopiedBatch> }> {
  const table = ctx.table ?? EVENTS_TABLE;
  const routing = await routeByColumn(payloads, table.timeColumn, table.partitioning);
  const idsDistinct = table.dedupe ? distinctEventIds(payloads, routing.order) : true;
  const single = routing.groups.length === 1 && routing.rejected === 0;
  const groups = [...routing.groups].sort((a, b) => b.count - a.count);
  const copies: Promise<BatchFile | null>[] = [];
  const settle = () => Promise.allSettled(copies);
  try {
    for (const [i, group] of groups.entries()) {
      const ndjson = join(dir, `p${i}.ndjson`);
      if (single) await writeNdjson(ndjson, payloads);
      else await writeNdjson(ndjson, payloads, routing.order, group.start, group.start + group.count);
      const copy = convertPartition(ctx, group, ndjson);
      copy.catch(() => undefined); // collected below
      copies.push(copy);
    }
  } catch (err) {
    await settle();
    throw err;
  }
  const copied = settle().then((settled): CopiedBatch => {
    const files: BatchFile[] = [];
    for (const s of settled) {
      if (s.status === 'rejected') throw s.reason;
      if (s.value !== null) files.push(s.value);
    }
    files.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
    const rows = files.reduce((n, f) => n + f.rows, 0);
    return { files, rejected: payloads.length - rows, payloads: payloads.length, idsDistinct };
  });
  return { copied };
}

/**
 * Steps 2-3: the duplicate check against the batch itself and the lake files of the partitions it touches (read from
 * `ctx.lakeFiles` now, so run it once the previous batch is committed). The files left hold no event_id twice and none
 * that the lake already holds.
 */
export async function checkBatch(ctx: BatchContext, copied: CopiedBatch): Promise<BatchOutput> {
  let files = [...copied.files];
  const rows = files.reduce((n, f) => n + f.rows, 0);
  if (files.length > 0 && (ctx.table ?? EVENTS_TABLE).dedupe) {
    const lake = [...new Set(files.flatMap((f) => ctx.lakeFiles(f.partition)))];
    const counts = await countDuplicates(ctx.db, files.map((f) => f.path), lake, { inBatch: !copied.idsDistinct });
    if (counts.inBatch > 0 || counts.inLake > 0) {
      files = await removeDuplicates(ctx.db, ctx.parquet, files, lake, counts);
      const after = files.length === 0 ? { inBatch: 0, inLake: 0 } : await countDuplicates(ctx.db, files.map((f) => f.path), lake);
      if (after.inBatch > 0 || after.inLake > 0) {
        throw new Error(`duplicates left after removal (in batch ${after.inBatch}, in lake ${after.inLake})`);
      }
    }
  }
  const events = files.reduce((n, f) => n + f.rows, 0);
  if (copied.rejected > 0) {
    ctx.logger.warn(
      { rejected: copied.rejected, payloads: copied.payloads },
      'writer: payloads that are not valid LakeRows were dropped',
    );
  }
  return { files, events, duplicates: rows - events, rejected: copied.rejected };
}
