import { rename, rm } from 'node:fs/promises';
import type { BatchFile } from './batch.js';
import { LAKE_SELECT_LIST, type ParquetSettings, parquetOptions, readLakeFiles, sqlList, sqlString, type WriterDb } from './duckdb.js';

/**
 * Exactly once for client resends: a batch's new files must not hold an event_id twice, nor one that the lake files
 * of the partitions they touch already hold. `countDuplicates` is the check every batch pays (it reads the event_id
 * column only); `removeDuplicates` is the rare repair. For an id repeated inside the batch it keeps the row received
 * first (earliest received_at); an id already in the lake is dropped from the batch. Both run on the database's
 * priority connection: they are on the commit path, and must not wait behind the COPYs of later batches.
 */
export interface DuplicateCounts {
  readonly inBatch: number;
  readonly inLake: number;
}

/**
 * Duplicates of the new files (`batch`): ids repeated among them (unless `inBatch` is false: proven distinct already)
 * and ids the `lake` files hold. No query at all when there is nothing to check.
 */
export async function countDuplicates(
  db: WriterDb,
  batch: readonly string[],
  lake: readonly string[],
  check: { readonly inBatch: boolean } = { inBatch: true },
): Promise<DuplicateCounts> {
  if (!check.inBatch && lake.length === 0) return { inBatch: 0, inLake: 0 };
  const b = `read_parquet(${sqlList(batch)}, hive_partitioning = false)`;
  const inBatch = check.inBatch ? `(SELECT count(*) - count(DISTINCT event_id) FROM ${b})` : '0';
  const inLake =
    lake.length === 0
      ? '0'
      : `(SELECT count(*) FROM ${b} AS b SEMI JOIN ${readLakeFiles(lake)} AS l ON b.event_id = l.event_id)`;
  const [row] = await db.all(`SELECT ${inBatch} AS in_batch, ${inLake} AS in_lake`, { priority: true });
  return { inBatch: Number(row?.in_batch ?? 0), inLake: Number(row?.in_lake ?? 0) };
}

/** Rewrites the files that hold duplicates; returns the files left (some may have become empty and are dropped). */
export function removeDuplicates(
  db: WriterDb,
  parquet: ParquetSettings,
  files: readonly BatchFile[],
  lake: readonly string[],
  counts: DuplicateCounts,
): Promise<BatchFile[]> {
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
  // The temp table lives in one connection: the whole repair runs in one session.
  return db.session(async (sql) => {
    await sql.run(`CREATE OR REPLACE TEMP TABLE clk_drop AS ${parts.join(' UNION ')}`);
    try {
      const affected = new Map<string, number>();
      for (const row of await sql.all(`SELECT filename, count(*) AS n FROM clk_drop GROUP BY filename`)) {
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
        const [row] = await sql.all(
          `COPY (SELECT ${LAKE_SELECT_LIST} FROM read_parquet(${sqlString(file.path)}, hive_partitioning = false, ` +
            `file_row_number = true) WHERE file_row_number NOT IN (SELECT file_row_number FROM clk_drop ` +
            `WHERE filename = ${sqlString(file.path)})) TO ${sqlString(rewritten)} ${parquetOptions(parquet)}`,
        );
        const rows = Number(row?.Count ?? 0);
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
      await sql.run('DROP TABLE IF EXISTS clk_drop');
    }
  }, { priority: true });
}
