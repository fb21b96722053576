import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger } from '../core/ports.js';
import {
  BASE_TABLES,
  DERIVED_TABLES,
  type DerivedTable,
  INTERACTIONS_TABLE,
  ROLLUP_TABLE,
  ROLLUP_VERSION,
  SESSIONS_TABLE,
  SHARED_SESSIONS_TABLE,
  interactionsSelectSql,
  rollupSelectSql,
} from '../core/rollup.js';
import { sqlString } from './sandbox.js';

/**
 * The rollup database (core/rollup.ts) itself: attaching it as `rollup`, creating its tables for the current
 * ROLLUP_VERSION, and keeping SHARED_SESSIONS_TABLE in step with a day's rows. The keeper (./rollup.ts) decides what
 * to build and when. A file that cannot be opened (another DuckDB version, damage) is deleted and rebuilt: it holds
 * nothing the lake does not.
 */
/** The derived tables, and all the tables a day's build replaces. */
export const DERIVED: readonly DerivedTable[] = Object.values(DERIVED_TABLES);
export const TABLES = [ROLLUP_TABLE, INTERACTIONS_TABLE, ...DERIVED.map((d) => d.table)];

const SHARED_SELECT = `SELECT site_id, sid FROM ${SESSIONS_TABLE}`;

/**
 * Replaces a day's rows in SESSIONS_TABLE by `replace()` and keeps SHARED_SESSIONS_TABLE in step: the sessions the
 * day had or has are the only ones whose row count can change, so only they are counted again (over all days).
 * Runs inside the caller's transaction.
 */
export async function withSharedSessions(conn: DuckDBConnection, day: string, replace: () => Promise<void>): Promise<void> {
  const d = `${sqlString(day)}::DATE`;
  const ofDay = `SELECT DISTINCT site_id, sid FROM ${SESSIONS_TABLE} WHERE dt = ${d} AND sid IS NOT NULL`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_touched AS ${ofDay}`);
  await replace();
  await conn.run(`INSERT INTO rollup_touched ${ofDay}`);
  await conn.run(`DELETE FROM ${SHARED_SESSIONS_TABLE} t USING rollup_touched x WHERE t.site_id = x.site_id AND t.sid = x.sid`);
  await conn.run(
    `INSERT INTO ${SHARED_SESSIONS_TABLE} SELECT site_id, sid FROM ${SESSIONS_TABLE} ` +
      `SEMI JOIN (SELECT DISTINCT site_id, sid FROM rollup_touched) USING (site_id, sid) GROUP BY ALL HAVING count(*) > 1`,
  );
  await conn.run(`DROP TABLE rollup_touched`);
}

/** Attaches the rollup database as `rollup` (sandbox.ts calls it before it locks the configuration). */
export async function attachRollup(conn: DuckDBConnection, path: string | null, logger?: Logger): Promise<void> {
  const attach = () => conn.run(`ATTACH ${sqlString(path ?? ':memory:')} AS rollup`);
  try {
    await attach();
  } catch (err) {
    if (path === null) throw err;
    logger?.warn({ err, path }, 'the rollup database could not be opened; deleting it (it is rebuilt from the lake)');
    await rm(path, { force: true });
    await rm(`${path}.wal`, { force: true });
    await attach();
  }
}

const DAYS_COLUMNS = `dt DATE PRIMARY KEY, fingerprint VARCHAR NOT NULL, version INTEGER NOT NULL, hours INTEGER NOT NULL, hour_prints VARCHAR`;

/** Creates the rollup's tables (once the `events` view exists: the rollup's columns are those of its SELECT). */
export async function prepareRollupTables(conn: DuckDBConnection): Promise<void> {
  await conn.run(`CREATE TABLE IF NOT EXISTS rollup.days (${DAYS_COLUMNS})`);
  // A file of version 5 or older lacks the hour columns: its days table is replaced (its rows are rebuilt anyway).
  const hasHours = (
    await conn.runAndReadAll(
      `SELECT count(*)::INTEGER FROM duckdb_columns() WHERE database_name = 'rollup' AND table_name = 'days' AND column_name IN ('hours', 'hour_prints')`,
    )
  ).getRows()[0]![0];
  if (Number(hasHours) !== 2) await conn.run(`CREATE OR REPLACE TABLE rollup.days (${DAYS_COLUMNS})`);
  const [stale, current] = (
    await conn.runAndReadAll(`SELECT count_if(version <> ${ROLLUP_VERSION})::INTEGER, count_if(version = ${ROLLUP_VERSION})::INTEGER FROM rollup.days`)
  ).getRows()[0]!.map(Number);
  // Another rollup version, or nothing stored yet: start over (CREATE OR REPLACE, the columns may differ).
  const reset = stale! > 0 || current === 0;
  if (reset) await conn.run(`DELETE FROM rollup.days`);
  const create = (table: string, select: string) => conn.run(`CREATE ${reset ? 'OR REPLACE TABLE' : 'TABLE IF NOT EXISTS'} ${table} AS ${select}`);
  const none = (table: string) => `SELECT * FROM ${table} WHERE FALSE`;
  await create(ROLLUP_TABLE, rollupSelectSql('FALSE'));
  await create(INTERACTIONS_TABLE, interactionsSelectSql('FALSE'));
  for (const d of DERIVED) await create(d.table, d.select(none(BASE_TABLES[d.from].table)));
  await create(SHARED_SESSIONS_TABLE, `${SHARED_SELECT} WHERE FALSE`);
}

