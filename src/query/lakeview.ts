import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { LAKE_COLUMNS } from '../core/schema.js';
import type { LakeFile } from '../core/lake.js';
import { sqlString } from './sandbox.js';

/**
 * The SQL behind the `events` view: committed Parquet files UNION ALL BY NAME the hot rows (acknowledged events
 * the writer has not committed yet), which live in the in-memory table `hot_events`.
 *
 * Both sides expose LAKE_COLUMNS in schema order, then the hive partition columns dt (DATE) and hour (INTEGER).
 * Lake files carry dt/hour only in their path (events/dt=YYYY-MM-DD/hour=HH/); hot rows compute them from ts in UTC
 * exactly as the writer partitions. Every column is cast to its schema type, so a file written with another
 * physical type (or one predating a column: NULL) still reads the same; DuckDB drops the no-op casts, keeping
 * filter pushdown and hive partition pruning (`WHERE dt = '2026-11-27'` reads only that day's files).
 */
export const HOT_TABLE = 'hot_events';
export const EVENTS_VIEW = 'events';

/** Partition columns: name -> DuckDB type. The same on both sides of the union. */
const PARTITION_TYPES = { dt: 'DATE', hour: 'INTEGER' } as const;

/** Payloads inserted per statement (one bound VARCHAR[] each). */
const INSERT_CHUNK = 5_000;

const columnList = LAKE_COLUMNS.map((c) => c.name).join(', ');

export function createHotTableSql(): string {
  const cols = [
    ...LAKE_COLUMNS.map((c) => `${c.name} ${c.type}`),
    ...Object.entries(PARTITION_TYPES).map(([n, t]) => `${n} ${t}`),
  ];
  return `CREATE TABLE ${HOT_TABLE} (${cols.join(', ')})`;
}

/**
 * The view over `files` (local paths under the lake dir) plus the hot rows. Files are read in one read_parquet per
 * lake schema version, without union_by_name: that option opens every file's footer to reconcile schemas at each
 * query (measured: about twice the time of the whole dashboard query set on a 720-file lake), while files of one
 * version share one schema by construction. UNION ALL BY NAME across versions only matches column names.
 */
export function eventsViewSql(files: readonly LakeFile[]): string {
  const projection = [
    ...LAKE_COLUMNS.map((c) => `CAST(${c.name} AS ${c.type}) AS ${c.name}`),
    ...Object.entries(PARTITION_TYPES).map(([n, t]) => `CAST(${n} AS ${t}) AS ${n}`),
  ].join(', ');
  if (files.length === 0) return `CREATE OR REPLACE VIEW ${EVENTS_VIEW} AS SELECT ${projection} FROM ${HOT_TABLE}`;
  const hiveTypes = Object.entries(PARTITION_TYPES).map(([n, t]) => `'${n}': ${t}`).join(', ');
  const bySchema = new Map<number, string[]>();
  for (const f of files) bySchema.set(f.schema, [...(bySchema.get(f.schema) ?? []), f.path]);
  const reads = [...bySchema.keys()]
    .sort((a, b) => a - b)
    .map(
      (v) =>
        `SELECT * FROM read_parquet([${bySchema.get(v)!.map(sqlString).join(', ')}], hive_partitioning = true, ` +
        `hive_types = {${hiveTypes}})`,
    );
  // Hot side first: it has every column, so UNION BY NAME keeps schema order and fills NULL for older files.
  return (
    `CREATE OR REPLACE VIEW ${EVENTS_VIEW} AS SELECT ${projection} ` +
    `FROM (SELECT * FROM ${HOT_TABLE} UNION ALL BY NAME ${reads.join(' UNION ALL BY NAME ')})`
  );
}

/** JSON structure for from_json: {"event_id":"VARCHAR", ...}. */
const rowStructure = JSON.stringify(Object.fromEntries(LAKE_COLUMNS.map((c) => [c.name, c.type])));

// Invalid JSON payloads are skipped (json_valid); a field of the wrong type becomes NULL (from_json is lenient).
const insertSql =
  `INSERT INTO ${HOT_TABLE} (${columnList}, dt, hour) ` +
  `SELECT ${LAKE_COLUMNS.map((c) => `r.${c.name}`).join(', ')}, ` +
  `CAST(timezone('UTC', r.ts) AS DATE), CAST(hour(timezone('UTC', r.ts)) AS INTEGER) ` +
  `FROM (SELECT from_json(p, ${sqlString(rowStructure)}) AS r FROM unnest($1::VARCHAR[]) AS t(p) WHERE json_valid(p))`;

/** Inserts LakeRow JSON payloads into the hot table; returns the number of rows inserted. */
export async function insertPayloads(conn: DuckDBConnection, payloads: readonly string[]): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < payloads.length; i += INSERT_CHUNK) {
    const chunk = payloads.slice(i, i + INSERT_CHUNK);
    const result = await conn.run(insertSql, [listValue(chunk)], [LIST(VARCHAR)]);
    inserted += result.rowsChanged;
  }
  return inserted;
}
