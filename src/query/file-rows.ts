import type { DuckDBInstance } from '@duckdb/node-api';
import type { LakeFile } from '../core/lake.js';
import { DERIVED_TABLES, type DerivedTable, rollupSelectSql } from '../core/rollup.js';
import { eventsSelectSql } from './lakeview.js';
import { sqlString } from './sandbox.js';

/**
 * The rollup rows (core/rollup.ts rollupSelectSql) of single lake files, computed once per file and kept in memory,
 * for the hours of today the rollup does not hold yet (SqlRunner.liveRowsOfDays): a tile reads them instead of
 * reading and grouping those files' events again (measured: the pages tile of a range ending today, 82 -> 67 ms).
 *
 * Design constraints:
 * - Never stale: lake files are immutable (a new name per write), so a file's rows never change. Rows of several
 *   files, and of the hot table, are not merged with each other: a (session, page, hour) may have a row per file.
 *   Every reader of rollup rows re-aggregates them (sums, min, max, distinct), as it does across hours.
 * - Bounded by use: a file unused for `idleMs` is dropped (a compaction replaced it, or the rollup took its hour
 *   over); never one used more recently, since a statement naming it may still be about to run. The callers ask only
 *   for the files of today's hours the rollup does not hold yet (an hour or two of data).
 * - Single flight: a file is computed once even when several tiles ask for it at once.
 */
export interface FileRowsOptions {
  readonly instance: DuckDBInstance;
  /** Default 5 minutes. */
  readonly idleMs?: number;
  readonly clock?: () => number;
  /** Called with the number of files kept whenever it changes (the engine's gauge). */
  readonly onFiles?: (files: number) => void;
}

export interface FileRows {
  /**
   * A SELECT of the rows of `files` (computed first where missing), with the columns of rollupSelectSql; and per
   * table of CACHED_DERIVED (by its name) a SELECT of the rows that derived table's SELECT gives over each file's rows
   * (not merged across files either).
   */
  select(files: readonly LakeFile[]): Promise<{ rows: string; derived: ReadonlyMap<string, string> }>;
  /** Files kept, and how many were computed so far (tests, diagnostics). */
  stats(): { files: number; computed: number };
}

export const FILE_ROWS_TABLE = 'file_rollup_rows';

/**
 * The derived tables (core/rollup.ts) whose rows are kept per file too, so a tile over today's later hours reads them
 * instead of grouping the files' rows again (each such grouping costs a statement a few ms even over a few thousand
 * rows). Each re-aggregates exactly across files, as it does across days. Not the trend buckets (distinct counts per
 * hour, which do not add up across files) nor the per-day totals (read over stored days only).
 */
export const CACHED_DERIVED: readonly DerivedTable[] = [
  DERIVED_TABLES.sessions,
  DERIVED_TABLES.sourceNames,
  DERIVED_TABLES.pages,
  DERIVED_TABLES.pageVisitors,
  DERIVED_TABLES.pageScrolls,
];

/** The in-memory table of a derived table's per-file rows. */
const fileTable = (d: DerivedTable) => `file_${d.table.replace(/^rollup\./, '')}`;

export async function createFileRows(options: FileRowsOptions): Promise<FileRows> {
  const { instance } = options;
  const idleMs = options.idleMs ?? 5 * 60_000;
  const clock = options.clock ?? Date.now;
  /** path -> last use; present once the file's rows are committed. */
  const used = new Map<string, number>();
  const inflight = new Map<string, Promise<void>>();
  let computed = 0;

  const conn = await instance.connect();
  try {
    // The columns of rollupSelectSql over the events view's SELECT, plus the file.
    await conn.run(`CREATE TABLE ${FILE_ROWS_TABLE} AS SELECT ''::VARCHAR AS file, * FROM (${rollupSelectSql('FALSE', `(${eventsSelectSql([])})`)})`);
    for (const d of CACHED_DERIVED) {
      await conn.run(`CREATE TABLE ${fileTable(d)} AS SELECT ''::VARCHAR AS file, * FROM (${d.select(`SELECT * EXCLUDE (file) FROM ${FILE_ROWS_TABLE}`)}) WHERE FALSE`);
    }
  } finally {
    conn.closeSync();
  }

  async function compute(file: LakeFile): Promise<void> {
    const c = await instance.connect();
    try {
      // The file alone, with every column of the current schema (an older file lacks some: NULL), as the view reads it.
      // One transaction: a reader sees a file's rows in every table or in none (it reads a file once it is in `used`).
      await c.run('BEGIN TRANSACTION');
      await c.run(
        `INSERT INTO ${FILE_ROWS_TABLE} SELECT ${sqlString(file.path)}, * FROM (${rollupSelectSql('TRUE', `(${eventsSelectSql([file], undefined, false)})`)})`,
      );
      const rows = `SELECT * EXCLUDE (file) FROM ${FILE_ROWS_TABLE} WHERE file = ${sqlString(file.path)}`;
      for (const d of CACHED_DERIVED) await c.run(`INSERT INTO ${fileTable(d)} SELECT ${sqlString(file.path)}, * FROM (${d.select(rows)})`);
      await c.run('COMMIT');
      used.set(file.path, clock());
      computed++;
      options.onFiles?.(used.size);
    } finally {
      c.closeSync();
    }
  }

  /** Drops the files unused for idleMs (select() marks its files used first). */
  async function evict(): Promise<void> {
    const now = clock();
    const drop = [...used].filter(([, at]) => now - at >= idleMs).map(([path]) => path);
    if (drop.length === 0) return;
    for (const p of drop) used.delete(p);
    options.onFiles?.(used.size);
    const c = await instance.connect();
    try {
      for (const table of [FILE_ROWS_TABLE, ...CACHED_DERIVED.map(fileTable)]) {
        await c.run(`DELETE FROM ${table} WHERE file IN (${drop.map(sqlString).join(', ')})`);
      }
    } finally {
      c.closeSync();
    }
  }

  return {
    async select(files) {
      await Promise.all(
        files.map((f) => {
          if (used.has(f.path)) return undefined;
          let running = inflight.get(f.path);
          if (running === undefined) {
            running = compute(f).finally(() => inflight.delete(f.path));
            inflight.set(f.path, running);
          }
          return running;
        }),
      );
      const now = clock();
      for (const f of files) used.set(f.path, now);
      await evict();
      const list = files.map((f) => sqlString(f.path)).join(', ') || 'NULL';
      const of = (table: string) => `SELECT * EXCLUDE (file) FROM ${table} WHERE file IN (${list})`;
      return { rows: of(FILE_ROWS_TABLE), derived: new Map(CACHED_DERIVED.map((d) => [d.table, of(fileTable(d))])) };
    },
    stats: () => ({ files: used.size, computed }),
  };
}
