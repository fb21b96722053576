import { rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../core/ports.js';
import { duckdbColumnsStruct } from '../core/schema.js';
import { LAKE_SELECT_LIST, readLakeFiles, sqlList, sqlString, type WriterDb } from './duckdb.js';
import { writeNdjson } from './ndjson.js';
import { type PartitionGroup, routePayloads } from './route.js';

/**
 * One batch of payloads -> one ZSTD Parquet file per touched hour partition, in a scratch directory, without
 * duplicate event ids. Nothing here touches the store, the buffer or the manifest (flush.ts does).
 *
 * Two halves, so that flush.ts can prepare the next batch (JavaScript: poll, route, write NDJSON) while DuckDB
 * converts the current one:
 *  - prepareBatch: route payloads to hours (route.ts) and write one NDJSON file per hour. The payload strings are
 *    not needed after this.
 *  - convertBatch, in DuckDB:
 *    1. per hour: COPY (SELECT <LAKE_COLUMNS> FROM read_json(file, columns = <schema>) WHERE the row parsed and its
 *       ts lies in that hour) TO part.parquet. Rows that do not parse as a LakeRow are rejected, not retried forever.
 *    2. check the new files: event ids repeated inside the batch, and ids already in the lake files of the touched
 *       partitions (one query over the event_id column only);
 *    3. only when step 2 found some: rewrite the affected files without them, keeping for an id repeated inside the
 *       batch the row received first (earliest received_at); then check again.
 * The common case thus costs one streaming DuckDB pass per partition plus a read of the new event_id columns. There
 * is no staging table and no sort: materialising a batch in DuckDB and sorting it cost more than the Parquet encoding
 * itself (docs/writer.md, "Performance"). Batches arrive in time order already; compaction sorts by ts.
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

/** A batch routed to hours, as NDJSON files in its scratch directory. */
export interface PreparedBatch {
  readonly parts: readonly { readonly group: PartitionGroup; readonly ndjson: string }[];
  /** Payloads in the NDJSON files. */
  readonly routed: number;
  /** Payloads without a usable ts. */
  readonly rejected: number;
}

export interface BatchContext {
  readonly db: WriterDb;
  /** ZSTD level and Parquet format version of the files. */
  readonly parquet: ParquetSettings;
  /** Local paths of the lake's live files of a partition (for the duplicate check). */
  lakeFiles(partition: string): readonly string[];
  readonly logger: Logger;
}

const COLUMNS = duckdbColumnsStruct();

export interface ParquetSettings {
  readonly zstdLevel: number;
  readonly version: 'v1' | 'v2';
}

export function parquetOptions(p: ParquetSettings): string {
  return `(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${p.zstdLevel}, PARQUET_VERSION ${p.version})`;
}

async function copyCount(db: WriterDb, sql: string): Promise<number> {
  const rows = await db.all(sql);
  return Number(rows[0]?.Count ?? 0);
}

async function convertPartition(ctx: BatchContext, group: PartitionGroup, ndjson: string, parquet: string): Promise<number> {
  const rows = await copyCount(
    ctx.db,
    `COPY (SELECT ${LAKE_SELECT_LIST} FROM read_json(${sqlString(ndjson)}, format = 'newline_delimited', ` +
      `ignore_errors = true, columns = ${COLUMNS}) WHERE event_id IS NOT NULL ` +
      `AND ts >= TIMESTAMPTZ ${sqlString(group.hourStart)} AND ts < TIMESTAMPTZ ${sqlString(group.hourEnd)}) ` +
      `TO ${sqlString(parquet)} ${parquetOptions(ctx.parquet)}`,
  );
  await rm(ndjson, { force: true });
  if (rows === 0) await rm(parquet, { force: true });
  return rows;
}

/** Routes the payloads to hours and writes one NDJSON file per hour into `dir` (which must exist). */
export async function prepareBatch(payloads: readonly string[], dir: string): Promise<PreparedBatch> {
  const routing = await routePayloads(payloads);
  const single = routing.groups.length === 1 && routing.rejected === 0;
  const parts: { group: PartitionGroup; ndjson: string }[] = [];
  for (const [i, group] of routing.groups.entries()) {
    const ndjson = join(dir, `p${i}.ndjson`);
    await writeNdjson(ndjson, payloads, single ? null : routing.slots, group.slot);
    parts.push({ group, ndjson });
  }
  return { parts, routed: payloads.length - routing.rejected, rejected: routing.rejected };
}

interface DuplicateCounts {
  readonly inBatch: number;
  readonly inLake: number;
}

async function countDuplicates(db: WriterDb, batch: readonly string[], lake: readonly string[]): Promise<DuplicateCounts> {
  const b = `read_parquet(${sqlList(batch)}, hive_partitioning = false)`;
  const inLake =
    lake.length === 0
      ? '0'
      : `(SELECT count(*) FROM ${b} AS b SEMI JOIN ${readLakeFiles(lake)} AS l ON b.event_id = l.event_id)`;
  const [row] = await db.all(
    `SELECT (SELECT count(*) - count(DISTINCT event_id) FROM ${b}) AS in_batch, ${inLake} AS in_lake`,
  );
  return { inBatch: Number(row?.in_batch ?? 0), inLake: Number(row?.in_lake ?? 0) };
}

/** Rewrites the files that hold duplicates; returns the files left (some may have become empty and are dropped). */
async function removeDuplicates(
  ctx: BatchContext,
  files: readonly BatchFile[],
  lake: readonly string[],
  counts: DuplicateCounts,
): Promise<BatchFile[]> {
  const { db } = ctx;
  const paths = files.map((f) => f.path);
  const b = `(SELECT event_id, received_at, filename, file_row_number FROM read_parquet(${sqlList(paths)}, ` +
    `hive_partitioning = false, filename = true, file_row_number = true))`;
  const parts: string[] = [];
  if (counts.inBatch > 0) {
    parts.push(
      `SELECT filename, file_row_number FROM (SELECT filename, file_row_number, row_number() OVER ` +
        `(PARTITION BY event_id ORDER BY received_at ASC NULLS LAST, filename, file_row_number) AS rn FROM ${b}) ` +
        `WHERE rn > 1`,
    );
  }
  if (counts.inLake > 0) {
    parts.push(
      `SELECT filename, file_row_number FROM ${b} WHERE event_id IN (SELECT event_id FROM ${readLakeFiles(lake)})`,
    );
  }
  await db.run(`CREATE OR REPLACE TEMP TABLE clk_drop AS ${parts.join(' UNION ')}`);
  try {
    const affected = new Map<string, number>();
    for (const row of await db.all(`SELECT filename, count(*) AS n FROM clk_drop GROUP BY filename`)) {
      affected.set(String(row.filename), Number(row.n));
    }
    const kept: BatchFile[] = [];
    for (const file of files) {
      if (!affected.has(file.path)) {
        kept.push(file);
        continue;
      }
      affected.delete(file.path);
      const rewritten = `${file.path}.dedup.parquet`;
      const rows = await copyCount(
        db,
        `COPY (SELECT ${LAKE_SELECT_LIST} FROM read_parquet(${sqlString(file.path)}, hive_partitioning = false, ` +
          `file_row_number = true) WHERE file_row_number NOT IN (SELECT file_row_number FROM clk_drop ` +
          `WHERE filename = ${sqlString(file.path)})) TO ${sqlString(rewritten)} ${parquetOptions(ctx.parquet)}`,
      );
      if (rows === 0) {
        await rm(rewritten, { force: true });
        await rm(file.path, { force: true });
        continue;
      }
      await rename(rewritten, file.path);
      kept.push({ ...file, rows });
    }
    if (affected.size > 0) throw new Error(`duplicate check named unknown files: ${[...affected.keys()].join(', ')}`);
    return kept;
  } finally {
    await db.run('DROP TABLE IF EXISTS clk_drop');
  }
}

/** Converts a prepared batch; the files hold no event_id twice and none that the lake already holds. */
export async function convertBatch(ctx: BatchContext, prepared: PreparedBatch): Promise<BatchOutput> {
  let files: BatchFile[] = [];
  for (const { group, ndjson } of prepared.parts) {
    const parquet = ndjson.replace(/\.ndjson$/, '.parquet');
    const rows = await convertPartition(ctx, group, ndjson, parquet);
    if (rows > 0) files.push({ partition: group.partition, path: parquet, rows });
  }
  const copied = files.reduce((n, f) => n + f.rows, 0);
  if (files.length > 0) {
    const lake = [...new Set(files.flatMap((f) => ctx.lakeFiles(f.partition)))];
    const paths = files.map((f) => f.path);
    const counts = await countDuplicates(ctx.db, paths, lake);
    if (counts.inBatch > 0 || counts.inLake > 0) {
      files = await removeDuplicates(ctx, files, lake, counts);
      const after = files.length === 0 ? { inBatch: 0, inLake: 0 } : await countDuplicates(ctx.db, files.map((f) => f.path), lake);
      if (after.inBatch > 0 || after.inLake > 0) {
        throw new Error(`duplicates left after removal (in batch ${after.inBatch}, in lake ${after.inLake})`);
      }
    }
  }
  const events = files.reduce((n, f) => n + f.rows, 0);
  const rejected = prepared.rejected + (prepared.routed - copied);
  if (rejected > 0) {
    ctx.logger.warn(
      { rejected, payloads: prepared.routed + prepared.rejected },
      'writer: payloads that are not valid LakeRows were dropped',
    );
  }
  return { files, events, duplicates: copied - events, rejected };
}
