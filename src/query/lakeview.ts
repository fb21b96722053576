import { LIST, VARCHAR, listValue, type DuckDBConnection } from '@duckdb/node-api';
import { LAKE_COLUMNS, type LakeColumn } from '../core/schema.js';
import type { LakeFile } from '../core/lake.js';
import type { TableSpec } from '../core/tables.js';
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

/**
 * One view of a lake table (core/tables.ts): `events` over events/ + hot_events, `failed_events` over failed/ +
 * hot_failed_events (partition dt only). Names come from the code, never from a request.
 */
export interface ViewDef {
  readonly view: string;
  readonly hotTable: string;
  readonly columns: readonly LakeColumn[];
  /** TIMESTAMPTZ column the partition columns derive from (UTC). */
  readonly timeColumn: string;
  /** Partition columns: name -> DuckDB type. The same on both sides of the union. */
  readonly partitions: Readonly<Record<string, 'DATE' | 'INTEGER'>>;
}

export const EVENTS_VIEW_DEF: ViewDef = {
  view: EVENTS_VIEW,
  hotTable: HOT_TABLE,
  columns: LAKE_COLUMNS,
  timeColumn: 'ts',
  partitions: { dt: 'DATE', hour: 'INTEGER' },
};

/** The view of a table spec: its name, `hot_<name>`, dt (and hour for hourly tables). */
export function viewDefOf(table: TableSpec): ViewDef {
  if (table.name === 'events') return EVENTS_VIEW_DEF;
  return {
    view: table.name,
    hotTable: `hot_${table.name}`,
    columns: table.columns,
    timeColumn: table.timeColumn,
    partitions: table.partitioning === 'hour' ? { dt: 'DATE', hour: 'INTEGER' } : { dt: 'DATE' },
  };
}

/** Payloads inserted per statement (one bound VARCHAR[] each). */
const INSERT_CHUNK = 5_000;

export function createHotTableSql(def: ViewDef = EVENTS_VIEW_DEF): string {
  const cols = [
    ...def.columns.map((c) => `${c.name} ${c.type}`),
    ...Object.entries(def.partitions).map(([n, t]) => `${n} ${t}`),
  ];
  return `CREATE TABLE ${def.hotTable} (${cols.join(', ')})`;
}

/**
 * The view over `files` (local paths under the lake dir) plus the hot rows. Files are read in one read_parquet per
 * lake schema version, without union_by_name: that option opens every file's footer to reconcile schemas at each
 * query (measured: about twice the time of the whole dashboard query set on a 720-file lake), while files of one
 * version share one schema by construction. UNION ALL BY NAME across versions only matches column names.
 */
export function eventsViewSql(files: readonly LakeFile[], def: ViewDef = EVENTS_VIEW_DEF): string {
  return `CREATE OR REPLACE VIEW ${def.view} AS ${eventsSelectSql(files, def)}`;
}

/**
 * The view's SELECT over `files` and the hot table (also used for a view of some days only: engine eventsOfDays).
 * Without `hot`, the files only (with the hot table's columns, so that an older file reads as the view reads it).
 */
export function eventsSelectSql(files: readonly LakeFile[], def: ViewDef = EVENTS_VIEW_DEF, hot = true): string {
  const projection = [
    ...def.columns.map((c) => `CAST(${c.name} AS ${c.type}) AS ${c.name}`),
    ...Object.entries(def.partitions).map(([n, t]) => `CAST(${n} AS ${t}) AS ${n}`),
  ].join(', ');
  if (files.length === 0) return `SELECT ${projection} FROM ${def.hotTable}`;
  const hiveTypes = Object.entries(def.partitions).map(([n, t]) => `'${n}': ${t}`).join(', ');
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
  return `SELECT ${projection} FROM (SELECT * FROM ${def.hotTable}${hot ? '' : ' WHERE FALSE'} UNION ALL BY NAME ${reads.join(' UNION ALL BY NAME ')})`;
}

/** Partition expressions of hot rows: exactly as the writer partitions (UTC). */
const PARTITION_EXPR: Record<string, (time: string) => string> = {
  dt: (t) => `CAST(timezone('UTC', r.${t}) AS DATE)`,
  hour: (t) => `CAST(hour(timezone('UTC', r.${t})) AS INTEGER)`,
};

// Invalid JSON payloads are skipped (json_valid); a field of the wrong type becomes NULL (from_json is lenient).
function insertSqlOf(def: ViewDef): string {
  /** JSON structure for from_json: {"event_id":"VARCHAR", ...}. */
  const rowStructure = JSON.stringify(Object.fromEntries(def.columns.map((c) => [c.name, c.type])));
  const parts = Object.keys(def.partitions);
  return (
    `INSERT INTO ${def.hotTable} (${def.columns.map((c) => c.name).join(', ')}, ${parts.join(', ')}) ` +
    `SELECT ${def.columns.map((c) => `r.${c.name}`).join(', ')}, ` +
    `${parts.map((p) => PARTITION_EXPR[p]!(def.timeColumn)).join(', ')} ` +
    `FROM (SELECT from_json(p, ${sqlString(rowStructure)}) AS r FROM unnest($1::VARCHAR[]) AS t(p) WHERE json_valid(p))`
  );
}

const insertSqls = new Map<ViewDef, string>();

/** Inserts row JSON payloads (LakeRows for events) into the hot table; returns the number of rows inserted. */
export async function insertPayloads(
  conn: DuckDBConnection,
  payloads: readonly string[],
  def: ViewDef = EVENTS_VIEW_DEF,
): Promise<number> {
  let insertSql = insertSqls.get(def);
  if (insertSql === undefined) insertSqls.set(def, (insertSql = insertSqlOf(def)));
  let inserted = 0;
  for (let i = 0; i < payloads.length; i += INSERT_CHUNK) {
    const chunk = payloads.slice(i, i + INSERT_CHUNK);
    const result = await conn.run(insertSql, [listValue(chunk)], [LIST(VARCHAR)]);
    inserted += result.rowsChanged;
  }
  return inserted;
}
