import type { LakeFile } from '../../core/lake.js';
import { LAKE_COLUMNS, type LakeRow } from '../../core/schema.js';
import type { WriterFixture } from './fixture.js';

const sqlString = (s: string) => `'${s.replaceAll("'", "''")}'`;

/** SELECT list that reads every lake column back as JSON-comparable values (timestamps as epoch ms). */
const READ_BACK = LAKE_COLUMNS.map((c) =>
  c.type === 'TIMESTAMPTZ' ? `epoch_ms("${c.name}") AS "${c.name}"` : `"${c.name}"`,
).join(', ');

/** A lake row read back, in the LakeRow shape (timestamps as canonical ISO strings, seq as a number). */
export type ReadRow = Record<string, unknown>;

function normalise(raw: Record<string, unknown>): ReadRow {
  const out: ReadRow = {};
  for (const c of LAKE_COLUMNS) {
    const v = raw[c.name];
    if (v === null || v === undefined) out[c.name] = null;
    else if (c.type === 'TIMESTAMPTZ') out[c.name] = new Date(Number(v)).toISOString();
    else if (c.type === 'BIGINT' || c.type === 'INTEGER') out[c.name] = Number(v);
    else out[c.name] = v;
  }
  return out;
}

/** What a LakeRow should read back as. */
export function expectedRow(row: LakeRow): ReadRow {
  const out: ReadRow = {};
  for (const c of LAKE_COLUMNS) {
    const v = (row as unknown as Record<string, unknown>)[c.name];
    out[c.name] = v === null || v === undefined ? null : c.type === 'TIMESTAMPTZ' ? new Date(Date.parse(String(v))).toISOString() : v;
  }
  return out;
}

/** Rows of the given Parquet files (all of the committed snapshot by default), ordered by event_id then received_at. */
export async function readRows(
  fx: WriterFixture,
  snapshotFiles: readonly (LakeFile | string)[] = fx.writer.snapshot().files,
): Promise<ReadRow[]> {
  const files = snapshotFiles.map((f) => (typeof f === 'string' ? f : f.path));
  if (files.length === 0) return [];
  const rows = await fx.query(
    `SELECT ${READ_BACK} FROM read_parquet([${files.map(sqlString).join(', ')}], hive_partitioning = false) ` +
      `ORDER BY event_id, received_at`,
  );
  return rows.map(normalise);
}

export function sqlList(paths: readonly string[]): string {
  return `[${paths.map(sqlString).join(', ')}]`;
}
