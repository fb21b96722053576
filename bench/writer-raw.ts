import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { duckdbColumnsStruct } from '../src/core/schema.js';
import { sqlString, withDuck } from './duck.js';

/**
 * The writer baseline: DuckDB alone turning the NDJSON rows into one ZSTD Parquet file, with the lake schema's
 * column types. No buffer, no partitioning, no manifest: the floor the Clicklake writer is compared with.
 */
export interface RawCopyResult {
  readonly seconds: number;
  readonly eventsPerSec: number;
  readonly parquetBytes: number;
  readonly bytesPerEvent: number;
}

export async function rawCopy(opts: { ndjsonPath: string; outDir: string; events: number }): Promise<RawCopyResult> {
  const out = join(opts.outDir, 'raw.parquet');
  const seconds = await withDuck({ tempDirectory: join(opts.outDir, 'duckdb-tmp') }, async (conn) => {
    const start = performance.now();
    await conn.run(
      `COPY (SELECT * FROM read_json(${sqlString(opts.ndjsonPath)}, format = 'newline_delimited', ` +
        `columns = ${duckdbColumnsStruct()})) TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd)`,
    );
    return (performance.now() - start) / 1000;
  });
  const parquetBytes = (await stat(out)).size;
  return { seconds, eventsPerSec: opts.events / seconds, parquetBytes, bytesPerEvent: parquetBytes / opts.events };
}
