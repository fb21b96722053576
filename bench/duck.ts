import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';

/** A throwaway DuckDB for the bench process itself (lake generation, raw COPY baseline); closed when fn ends. */
export async function withDuck<T>(
  options: { tempDirectory: string; threads?: number; memoryLimit?: string },
  fn: (conn: DuckDBConnection) => Promise<T>,
): Promise<T> {
  const config: Record<string, string> = { temp_directory: options.tempDirectory };
  if (options.threads !== undefined) config.threads = String(options.threads);
  if (options.memoryLimit !== undefined) config.memory_limit = options.memoryLimit;
  const instance = await DuckDBInstance.create(':memory:', config);
  const conn = await instance.connect();
  try {
    await conn.run(`SET TimeZone = 'UTC'`);
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Quotes a SQL string literal (paths and generated catalog text only; nothing user supplied). */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
