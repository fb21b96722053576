import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { LAKE_COLUMNS } from '../core/schema.js';
import type { TableSpec } from '../core/tables.js';

/**
 * The writer's own DuckDB: an in-memory instance used only to turn NDJSON into Parquet and to merge Parquet files.
 * Session settings: TimeZone UTC (timestamps and partitions are UTC), a memory limit with spilling to a directory
 * inside the writer's tmpDir, no insertion-order preservation (cheaper; where order matters the SQL says ORDER BY),
 * and no extension downloads (json, parquet and icu are built in).
 *
 * Parallelism is across statements, not inside one: the instance runs with `threads = 1` (each statement runs on
 * the thread that issued it, with no worker threads) and keeps `parallelism` connections, so up to that many
 * statements run at once, each on its own libuv thread-pool thread. A flush converts each hour partition with its own
 * COPY; those COPYs are small (one batch's rows of one hour), and DuckDB's intra-query parallelism spends about 50%
 * more CPU on them than one thread does (docs/writer.md, "Performance"). One more connection serves `priority`
 * calls (the commit path's duplicate checks), so they never queue behind bulk work. Statements that need one
 * session (temp tables) run inside `session`.
 *
 * SQL text here interpolates only file paths the writer made itself and LAKE_COLUMNS names; paths go through
 * sqlString, identifiers through sqlIdent.
 */
export interface WriterSql {
  /** `params` are bound ($1, ...): values from outside (forget's ids) never enter the SQL text. */
  run(sql: string, params?: readonly string[]): Promise<void>;
  /** Rows as JSON values (BIGINT as string). */
  all(sql: string): Promise<Record<string, unknown>[]>;
}

/** Options of a call: `priority` runs it on the connection kept for the commit path (duplicate checks). */
export interface SqlOptions {
  readonly priority?: boolean;
}

export interface WriterDb {
  /** How many bulk statements (COPYs, merges) can run at once. */
  readonly parallelism: number;
  run(sql: string, options?: SqlOptions): Promise<void>;
  /** Rows as JSON values (BIGINT as string). */
  all(sql: string, options?: SqlOptions): Promise<Record<string, unknown>[]>;
  /** Runs `fn` on one connection, exclusively (for statement sequences that share temp tables). */
  session<T>(fn: (sql: WriterSql) => Promise<T>, options?: SqlOptions): Promise<T>;
  close(): void;
}

/** Connections handed out one caller at a time, in call order. */
class Pool {
  private readonly idle: DuckDBConnection[];
  private readonly waiting: ((conn: DuckDBConnection) => void)[] = [];

  constructor(readonly connections: readonly DuckDBConnection[]) {
    this.idle = [...connections];
  }

  async use<T>(fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = this.idle.pop() ?? (await new Promise<DuckDBConnection>((resolve) => this.waiting.push(resolve)));
    try {
      return await fn(conn);
    } finally {
      const next = this.waiting.shift();
      if (next) next(conn);
      else this.idle.push(conn);
    }
  }
}

function sqlOf(conn: DuckDBConnection): WriterSql {
  return {
    async run(sql, params) {
      await conn.run(sql, params === undefined ? undefined : [...params]);
    },
    async all(sql) {
      return (await conn.runAndReadAll(sql)).getRowObjectsJson();
    },
  };
}

/**
 * Opens the instance with `parallelism` connections for bulk statements plus one for the commit path, so that a
 * batch's duplicate check never waits behind the COPYs of the batches after it.
 */
export async function openWriterDb(opts: { tmpDir: string; memoryLimit: string; parallelism: number }): Promise<WriterDb> {
  const spill = join(opts.tmpDir, 'duckdb-spill');
  await mkdir(spill, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', {
    memory_limit: opts.memoryLimit,
    temp_directory: spill,
    preserve_insertion_order: 'false',
    autoinstall_known_extensions: 'false',
    threads: '1',
  });
  const connections: DuckDBConnection[] = [];
  try {
    for (let i = 0; i < Math.max(1, Math.floor(opts.parallelism)) + 1; i++) {
      const conn = await instance.connect();
      await conn.run(`SET TimeZone = 'UTC'`);
      connections.push(conn);
    }
  } catch (err) {
    for (const conn of connections) conn.closeSync();
    instance.closeSync();
    throw err;
  }
  const priority = new Pool(connections.slice(0, 1));
  const bulk = new Pool(connections.slice(1));
  const session = <T>(fn: (sql: WriterSql) => Promise<T>, options?: SqlOptions): Promise<T> =>
    (options?.priority ? priority : bulk).use((conn) => fn(sqlOf(conn)));
  return {
    parallelism: bulk.connections.length,
    session,
    run: (sql, options) => session((s) => s.run(sql), options),
    all: (sql, options) => session((s) => s.all(sql), options),
    close() {
      for (const conn of connections) conn.closeSync();
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

/** ZSTD level and Parquet format version of the files the writer writes. */
export interface ParquetSettings {
  readonly zstdLevel: number;
  readonly version: 'v1' | 'v2';
}

/** The COPY options of every lake file. */
export function parquetOptions(p: ParquetSettings): string {
  return `(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL ${p.zstdLevel}, PARQUET_VERSION ${p.version})`;
}

/** `['a', 'b']`: a DuckDB list literal of paths. */
export function sqlList(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}

/** The lake columns in schema order, quoted: what every Parquet file of the lake holds, in this order. */
export const LAKE_SELECT_LIST = LAKE_COLUMNS.map((c) => sqlIdent(c.name)).join(', ');

const selectLists = new WeakMap<TableSpec, string>();

/** A table's columns in file order, quoted (LAKE_SELECT_LIST for events); made once per table. */
export function selectList(table: TableSpec): string {
  let list = selectLists.get(table);
  if (list === undefined) selectLists.set(table, (list = table.columns.map((c) => sqlIdent(c.name)).join(', ')));
  return list;
}

/** read_parquet over lake files: never derive dt/hour from the paths, tolerate files of older schema versions. */
export function readLakeFiles(paths: readonly string[], extra = ''): string {
  return `read_parquet(${sqlList(paths)}, hive_partitioning = false, union_by_name = true${extra})`;
}
