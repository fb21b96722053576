import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LAKE_COLUMNS } from '../core/schema.js';

/**
 * The writer's own DuckDB: an in-memory instance used only to turn NDJSON into Parquet and to merge Parquet files.
 * Session settings: TimeZone UTC (timestamps and partitions are UTC), a memory limit with spilling to a directory
 * inside the writer's tmpDir, no insertion-order preservation (cheaper; where order matters the SQL says ORDER BY),
 * and no extension downloads (json, parquet and icu are built in).
 *
 * SQL text here interpolates only file paths the writer made itself and LAKE_COLUMNS names; paths go through
 * sqlString, identifiers through sqlIdent.
 */
export interface WriterDb {
  run(sql: string): Promise<void>;
  /** Rows as JSON values (BIGINT as string). */
  all(sql: string): Promise<Record<string, unknown>[]>;
  close(): void;
}

export async function openWriterDb(opts: { tmpDir: string; memoryLimit: string; threads?: number }): Promise<WriterDb> {
  const spill = join(opts.tmpDir, 'duckdb-spill');
  await mkdir(spill, { recursive: true });
  const config: Record<string, string> = {
    memory_limit: opts.memoryLimit,
    temp_directory: spill,
    preserve_insertion_order: 'false',
    autoinstall_known_extensions: 'false',
  };
  if (opts.threads !== undefined) config.threads = String(opts.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  let conn: DuckDBConnection;
  try {
    conn = await instance.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
  } catch (err) {
    instance.closeSync();
    throw err;
  }
  return {
    async run(sql) {
      await conn.run(sql);
    },
    async all(sql) {
      return (await conn.runAndReadAll(sql)).getRowObjectsJson();
    },
    close() {
      conn.closeSync();
      instance.closeSync();
    },
  };
}

export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export function sqlIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `['a', 'b']`: a DuckDB list literal of paths. */
export function sqlList(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}

/** The lake columns in schema order, quoted: what every Parquet file of the lake holds, in this order. */
export const LAKE_SELECT_LIST = LAKE_COLUMNS.map((c) => sqlIdent(c.name)).join(', ');

/** read_parquet over lake files: never derive dt/hour from the paths, tolerate files of older schema versions. */
export function readLakeFiles(paths: readonly string[], extra = ''): string {
  return `read_parquet(${sqlList(paths)}, hive_partitioning = false, union_by_name = true${extra})`;
}
