import { resolve, sep } from 'node:path';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve as resolvePath } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { attachRollup } from './rollup-tables.js';

/**
 * The query engine's DuckDB instance, locked down before any user SQL can run.
 *
 * Design constraints:
 * - One in-memory instance per engine; nothing is persisted, the lake's Parquet files are only ever read.
 * - Extensions are never installed or loaded on demand (parquet and json are built into @duckdb/node-api).
 * - The only directory DuckDB may touch is the lake (`allowed_directories`), external access is disabled and the
 *   configuration is locked, so no statement can widen access again (`SET`, `RESET` and PRAGMAs fail).
 * - Spilling to disk is off unless a temp directory is given; that directory is then readable too, which is fine
 *   because it holds only DuckDB's own spill files.
 */
export interface SandboxOptions {
  /** The only directory DuckDB may read. */
  readonly lakeDir: string;
  /** DuckDB memory_limit, e.g. '2GB'. */
  readonly memoryLimit: string;
  /** Worker threads; DuckDB's default (all cores) when unset. */
  readonly threads?: number;
  /** Where DuckDB may spill; '' (the default) disables spilling. */
  readonly tempDirectory?: string;
  /**
   * The dashboards' rollup database (rollup.ts), attached as `rollup` before the lock: a file (its directory is
   * then readable too; keep it a directory of its own) or null for memory. Undefined: none.
   */
  readonly rollupPath?: string | null;
}

export interface Sandbox {
  readonly instance: DuckDBInstance;
  /** The directory DuckDB may read, absolute and ending in the path separator. */
  readonly lakeDir: string;
}

/** Quotes a SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Absolute form of `dir` ending in a separator, so that '/lake' does not also allow '/lake2'. */
export function directoryPrefix(dir: string): string {
  const abs = resolve(dir);
  return abs.endsWith(sep) ? abs : abs + sep;
}

export async function openSandbox(options: SandboxOptions): Promise<Sandbox> {
  const lakeDir = directoryPrefix(options.lakeDir);
  const tempDirectory = options.tempDirectory ? resolve(options.tempDirectory) : '';
  // Values passed here never go through the SQL parser.
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: options.memoryLimit,
    temp_directory: tempDirectory,
  };
  if (options.threads !== undefined) config.threads = String(options.threads);
  const instance = await DuckDBInstance.create(':memory:', config);
  let conn: DuckDBConnection | undefined;
  try {
    conn = await instance.connect();
    await conn.run(`SET GLOBAL TimeZone = 'UTC'`);
    await conn.run(`SET GLOBAL parquet_metadata_cache = true`); // lake files are immutable (new name per write)
    const rollupPath = options.rollupPath === undefined || options.rollupPath === null ? options.rollupPath : resolvePath(options.rollupPath);
    if (typeof rollupPath === 'string') await mkdir(dirname(rollupPath), { recursive: true });
    if (rollupPath !== undefined) await attachRollup(conn, rollupPath);
    const allowed = [
      lakeDir,
      ...(tempDirectory ? [directoryPrefix(tempDirectory)] : []),
      ...(typeof rollupPath === 'string' ? [directoryPrefix(dirname(rollupPath))] : []),
    ];
    await conn.run(`SET GLOBAL allowed_directories = [${allowed.map(sqlString).join(', ')}]`);
    await conn.run(`SET GLOBAL enable_external_access = false`);
    await conn.run(`SET GLOBAL lock_configuration = true`);
  } catch (err) {
    conn?.closeSync();
    instance.closeSync();
    throw err;
  }
  conn.closeSync();
  return { instance, lakeDir };
}
