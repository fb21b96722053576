import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ManifestFile } from '../core/lake.js';
import { lakePath, type WriterContext } from './context.js';
import { parquetOptions, readLakeFiles, selectList, sqlIdent, sqlString, type WriterSql } from './duckdb.js';
import { withReplaced } from './manifest-state.js';

/**
 * Forget: rewrites every live file of the table that holds matching rows without them (right to be forgotten),
 * crash-safe by the same rules as compaction:
 *  1. the rewritten files are put under new keys (a crash now leaves orphans that recovery deletes: the old state);
 *  2. one manifest commit swaps them in and moves the old files to pendingDeletes (the commit point: from here on
 *     the new state, whatever happens);
 *  3. the old files are deleted deleteGraceMs later (queries on the older snapshot may still read them), at stop(),
 *     or by the next start's recovery.
 * A file left with no row is dropped without a replacement. Each rewrite is checked to hold exactly the file's rows
 * minus the matches. The values never enter the SQL text: they go into a temp table through bound INSERTs, and
 * column names come from the table's own column list.
 */
export interface ForgetFilter {
  /** Rows where one of these columns equals one of its values (any of them: OR). */
  readonly equals?: Readonly<Record<string, readonly string[]>>;
  /** Rows where one of these columns contains one of its substrings (OR with `equals`). */
  readonly contains?: Readonly<Record<string, readonly string[]>>;
  /** Only rows of this site_id (AND). */
  readonly siteId?: string;
  /** With siteId: rows whose site_id is NULL match too (dead letters of unreadable requests). */
  readonly includeNullSite?: boolean;
}

export interface ForgetResult {
  /** Rows removed. */
  readonly rows: number;
  /** Files rewritten (or dropped, when nothing was left in them). */
  readonly files: number;
}

const TEMP = 'clk_forget';

/** The match predicate over the temp table; throws for a column the table does not have. */
function predicate(ctx: WriterContext, filter: ForgetFilter): { sql: string; values: [string, string, string][] } {
  const known = new Set(ctx.table.columns.map((c) => c.name));
  const values: [string, string, string][] = [];
  const any: string[] = [];
  for (const [op, byColumn] of [['eq', filter.equals], ['contains', filter.contains]] as const) {
    for (const [column, list] of Object.entries(byColumn ?? {})) {
      if (!known.has(column)) throw new Error(`forget: table ${ctx.table.name} has no column ${column}`);
      if (list.length === 0) continue;
      for (const v of list) values.push([op, column, v]);
      const col = sqlIdent(column);
      const rows = `FROM ${TEMP} WHERE op = ${sqlString(op)} AND col = ${sqlString(column)}`;
      any.push(op === 'eq' ? `${col} IN (SELECT v ${rows})` : `EXISTS (SELECT 1 ${rows} AND contains(${col}, v))`);
    }
  }
  if (any.length === 0) throw new Error('forget: the filter matches nothing (no value given)');
  let sql = `(${any.join(' OR ')})`;
  if (filter.siteId !== undefined) {
    if (!known.has('site_id')) throw new Error(`forget: table ${ctx.table.name} has no column site_id`);
    values.push(['site', 'site_id', filter.siteId]);
    const site = `site_id = (SELECT v FROM ${TEMP} WHERE op = 'site')`;
    sql += filter.includeNullSite ? ` AND (${site} OR site_id IS NULL)` : ` AND ${site}`;
  }
  return { sql: `coalesce(${sql}, false)`, values };
}

interface Rewrite {
  readonly file: ManifestFile;
  readonly removed: number;
  readonly kept: number;
  readonly path: string;
}

async function plan(ctx: WriterContext, sql: WriterSql, match: string, dir: string): Promise<Rewrite[]> {
  const live = ctx.state.current.files;
  const byPath = new Map(live.map((f) => [lakePath(ctx, f.key), f]));
  const counts = await sql.all(
    `SELECT filename, count(*) AS n FROM ${readLakeFiles([...byPath.keys()], ', filename = true')} ` +
      `WHERE ${match} GROUP BY filename`,
  );
  const out: Rewrite[] = [];
  const parquet = { zstdLevel: ctx.settings.compactZstdLevel, version: ctx.settings.parquetVersion };
  for (const [i, row] of counts.entries()) {
    const path = String(row.filename);
    const file = byPath.get(path);
    if (file === undefined) throw new Error(`forget: the match named an unknown file ${path}`);
    const removed = Number(row.n);
    const target = join(dir, `f${i}.parquet`);
    const order = file.compacted === true ? ` ORDER BY ${ctx.table.sortOrder}` : '';
    const [copied] = await sql.all(
      `COPY (SELECT ${selectList(ctx.table)} FROM ${readLakeFiles([path])} WHERE NOT ${match}${order}) ` +
        `TO ${sqlString(target)} ${parquetOptions(parquet)}`,
    );
    const kept = Number(copied?.Count ?? -1);
    if (kept !== file.rows - removed) {
      throw new Error(`forget: rewrite of ${file.key} kept ${kept} rows, expected ${file.rows} - ${removed}`);
    }
    out.push({ file, removed, kept, path: target });
  }
  return out;
}

export async function forgetRows(ctx: WriterContext, filter: ForgetFilter): Promise<ForgetResult> {
  const { sql: match, values } = predicate(ctx, filter);
  if (ctx.state.current.files.length === 0) return { rows: 0, files: 0 };
  const dir = join(ctx.tmpDir, `forget-${ctx.random()}`);
  await mkdir(dir, { recursive: true });
  try {
    const db = await ctx.db();
    const rewrites = await db.session(async (sql) => {
      await sql.run(`CREATE OR REPLACE TEMP TABLE ${TEMP} (op VARCHAR, col VARCHAR, v VARCHAR)`);
      try {
        for (const v of values) await sql.run(`INSERT INTO ${TEMP} VALUES ($1, $2, $3)`, v);
        return await plan(ctx, sql, match, dir);
      } finally {
        await sql.run(`DROP TABLE IF EXISTS ${TEMP}`);
      }
    });
    if (rewrites.length === 0) return { rows: 0, files: 0 };
    // 1. New files first, under new keys.
    const generation = ctx.state.current.generation + 1;
    const added: ManifestFile[] = [];
    for (const r of rewrites) {
      if (r.kept === 0) continue;
      const key = `${ctx.table.prefix}${r.file.partition}/part-g${generation}-forget-${ctx.random()}.parquet`;
      const bytes = (await stat(r.path)).size;
      await ctx.store.putFile(key, r.path);
      added.push({
        key,
        partition: r.file.partition,
        rows: r.kept,
        bytes,
        schema: ctx.table.schemaVersion,
        ...(r.file.compacted === true ? { compacted: true } : {}),
      });
    }
    // 2. The commit point: the rewritten files replace the old ones.
    const replaced = rewrites.map((r) => r.file.key);
    await ctx.state.commit(withReplaced(ctx.state.current, replaced, added, ctx.clock));
    // 3. The old files wait for their grace period (compaction.ts purgeRetired).
    const now = ctx.clock();
    for (const key of replaced) ctx.state.retiredAt.set(key, now);
    const rows = rewrites.reduce((n, r) => n + r.removed, 0);
    ctx.metrics.forgottenRows.inc(rows);
    ctx.metrics.parquetFiles.inc(added.length);
    ctx.metrics.parquetBytes.inc(added.reduce((n, f) => n + f.bytes, 0));
    ctx.logger.info(
      { table: ctx.table.name, rows, files: replaced.length, generation: ctx.state.current.generation },
      'writer: forget removed rows',
    );
    return { rows, files: replaced.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
