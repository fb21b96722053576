import { rm } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Logger, RollupSiteStats } from '../core/ports.js';
import {
  AUDIENCE_VALUES_TABLE,
  BASE_TABLES,
  DERIVED_TABLES,
  type DerivedTable,
  INTERACTIONS_TABLE,
  ROLLUP_TABLE,
  ROLLUP_VERSION,
  PAGE_SCROLLS_TABLE,
  PAGE_VISITORS_TABLE,
  SESSIONS_TABLE,
  SOURCE_NAMES_TABLE,
  audienceValuesSql,
  interactionsSelectSql,
  rollupSelectSql,
} from '../core/rollup.js';
import {
  BITMAP_SITES_TABLE,
  BITMAP_TABLES,
  SOURCE_BITS_DAY_BYTES,
  SOURCE_BITS_TABLE,
  VISITOR_NUMBERS_TABLE,
  bitmapCapacity,
} from '../core/visitor-bits.js';
import { sqlString } from './sandbox.js';

/**
 * The rollup database (core/rollup.ts) itself: attaching it as `rollup`, creating its tables for the current
 * ROLLUP_VERSION, and keeping the columns that link the stored rows across days in step with a day's rows. The
 * keeper (./rollup.ts) decides what to build and when. A file that cannot be opened (another DuckDB version,
 * damage) is deleted and rebuilt: it holds nothing the lake does not.
 */
/** The derived tables, and all the tables a day's build replaces. */
export const DERIVED: readonly DerivedTable[] = Object.values(DERIVED_TABLES);
export const TABLES = [ROLLUP_TABLE, INTERACTIONS_TABLE, ...DERIVED.map((d) => d.table)];

/**
 * Replaces a day's rows by `replace()` and sets the columns that link the stored rows across days (core/rollup.ts
 * LINK_COLUMNS) in step:
 * - `shared`: the sessions the day had or has are the only ones whose row count can change, so only their rows
 *   (in SESSIONS_TABLE and PAGE_SCROLLS_TABLE, of any day) are counted again;
 * - `vno`: the day's visitors without a number get the next ones of their site (VISITOR_NUMBERS_TABLE), and the day's
 *   rows get their visitors' numbers; the day's audience values not seen before join AUDIENCE_VALUES_TABLE;
 * - the per-day bitmaps, which depend on both: see keepBitmaps.
 * Runs inside the caller's transaction.
 */
export async function withSessionLinks(
  conn: DuckDBConnection,
  day: string,
  replace: () => Promise<void>,
  limits: { sourceBitsDayBytes: number } = { sourceBitsDayBytes: SOURCE_BITS_DAY_BYTES },
): Promise<void> {
  const d = `${sqlString(day)}::DATE`;
  const ofDay = `SELECT DISTINCT site_id, sid FROM ${SESSIONS_TABLE} WHERE dt = ${d} AND sid IS NOT NULL`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_touched AS ${ofDay}`);
  await replace();
  await conn.run(`INSERT INTO rollup_touched ${ofDay}`);
  const counts =
    `SELECT site_id, sid, count(*) > 1 AS shared FROM ${SESSIONS_TABLE} ` +
    `SEMI JOIN (SELECT DISTINCT site_id, sid FROM rollup_touched) USING (site_id, sid) GROUP BY ALL`;
  await conn.run(`CREATE OR REPLACE TEMP TABLE rollup_shared AS ${counts}`);
  for (const table of [SESSIONS_TABLE, PAGE_SCROLLS_TABLE]) {
    await conn.run(
      `UPDATE ${table} t SET shared = x.shared FROM rollup_shared x ` +
        `WHERE t.site_id = x.site_id AND t.sid = x.sid AND t.shared IS DISTINCT FROM x.shared`,
    );
  }
  await conn.run(
    `INSERT INTO ${VISITOR_NUMBERS_TABLE} ` +
      `SELECT site_id, vid, (coalesce(m.top, 0) + row_number() OVER (PARTITION BY site_id ORDER BY vid))::INTEGER ` +
      `FROM (SELECT DISTINCT site_id, vid FROM ${SESSIONS_TABLE} WHERE dt = ${d} AND vid IS NOT NULL) ` +
      `ANTI JOIN ${VISITOR_NUMBERS_TABLE} USING (site_id, vid) ` +
      `LEFT JOIN (SELECT site_id, max(vno) AS top FROM ${VISITOR_NUMBERS_TABLE} GROUP BY site_id) m USING (site_id)`,
  );
  for (const table of [SESSIONS_TABLE, PAGE_VISITORS_TABLE]) {
    await conn.run(
      `UPDATE ${table} t SET vno = n.vno FROM ${VISITOR_NUMBERS_TABLE} n ` +
        `WHERE t.dt = ${d} AND t.site_id = n.site_id AND t.vid = n.vid`,
    );
  }
  await conn.run(
    `INSERT INTO ${AUDIENCE_VALUES_TABLE} SELECT * FROM (${audienceValuesSql(`SELECT * FROM ${SESSIONS_TABLE} WHERE dt = ${d}`)}) ` +
      `ANTI JOIN ${AUDIENCE_VALUES_TABLE} USING (site_id, h)`,
  );
  await keepBitmaps(conn, d, limits.sourceBitsDayBytes);
  await conn.run(`DROP TABLE rollup_touched`);
  await conn.run(`DROP TABLE rollup_shared`);
}

/**
 * The per-day bitmaps (core/visitor-bits.ts BITMAP_SITES_TABLE) in step with the rows they are built from (inside
 * withSessionLinks, `d` the day's DATE literal), per site:
 * - all of the site's bitmaps when its capacity grew (a new highest visitor number past it);
 * - else those of the day (BITMAP_TABLES), and SOURCE_BITS_TABLE also of every day where a touched session has rows
 *   (their `shared` may have changed).
 * A site whose source bitmaps of a day would take more than `sourceBitsDayBytes` (SOURCE_BITS_DAY_BYTES) keeps none from then on
 * (source_bits false; the sources tile then regroups the session rows).
 */
async function keepBitmaps(conn: DuckDBConnection, d: string, sourceBitsDayBytes: number): Promise<void> {
  for (const { table } of BITMAP_TABLES) await conn.run(`DELETE FROM ${table} WHERE dt = ${d}`);
  // The sites with rows that day (only their capacity can have grown) or with touched sessions (rows gone that day,
  // `shared` changed on other days).
  const sites = (
    await conn.runAndReadAll(
      `SELECT site_id, max(vno)::BIGINT, any_value(b.capacity)::BIGINT, coalesce(bool_and(b.source_bits), TRUE) FROM ${VISITOR_NUMBERS_TABLE} ` +
        `LEFT JOIN ${BITMAP_SITES_TABLE} b USING (site_id) ` +
        `WHERE site_id IN (SELECT site_id FROM ${SESSIONS_TABLE} WHERE dt = ${d} UNION SELECT site_id FROM rollup_touched) GROUP BY site_id`,
    )
  ).getRows();
  for (const [id, top, had, withSources] of sites) {
    const site = sqlString(String(id));
    const capacity = bitmapCapacity(Number(top));
    const grown = had === null || Number(had) !== capacity;
    const touched = ` AND (dt = ${d} OR dt IN (SELECT DISTINCT dt FROM ${SESSIONS_TABLE} SEMI JOIN rollup_touched USING (site_id, sid) WHERE site_id = ${site}))`;
    let sources = withSources === true;
    for (const b of BITMAP_TABLES) {
      if (b.sources && !sources) continue;
      const days = grown ? '' : b.sources ? touched : ` AND dt = ${d}`;
      await conn.run(`DELETE FROM ${b.table} WHERE site_id = ${site}${days}`);
      await conn.run(`INSERT INTO ${b.table} ${b.select(`SELECT * FROM ${b.from} WHERE site_id = ${site}${days}`, capacity)} ORDER BY site_id, dt`);
    }
    if (sources) {
      const most = (
        await conn.runAndReadAll(`SELECT coalesce(max(n), 0)::BIGINT FROM (SELECT count(*) AS n FROM ${SOURCE_BITS_TABLE} WHERE site_id = ${site} GROUP BY dt)`)
      ).getRows()[0]![0];
      sources = (Number(most) * capacity) / 8 <= sourceBitsDayBytes;
      if (!sources) await conn.run(`DELETE FROM ${SOURCE_BITS_TABLE} WHERE site_id = ${site}`);
    }
    await conn.run(`DELETE FROM ${BITMAP_SITES_TABLE} WHERE site_id = ${site}`);
    await conn.run(`INSERT INTO ${BITMAP_SITES_TABLE} VALUES (${site}, ${capacity}, ${sources})`);
  }
}

/**
 * SqlRunner.rollupSiteStats of every site: the highest visitor number, the distinct source values (hashes), the
 * distinct values of the audience tile's dimensions the rollup holds, and the capacity of its per-day bitmaps (0: none)
 * and of its source bitmaps (0: none kept); small tables: no scan of the session rows.
 */
export async function readSiteStats(conn: DuckDBConnection): Promise<Map<string, RollupSiteStats>> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT site_id, max(n)::BIGINT, max(k)::BIGINT, max(a)::BIGINT, max(c)::BIGINT, bool_or(b) FROM (` +
        `SELECT site_id, max(vno) AS n, 0 AS k, 0 AS a, 0 AS c, FALSE AS b FROM ${VISITOR_NUMBERS_TABLE} GROUP BY site_id ` +
        `UNION ALL SELECT site_id, 0, count(DISTINCT h), 0, 0, FALSE FROM ${SOURCE_NAMES_TABLE} GROUP BY site_id ` +
        `UNION ALL SELECT site_id, 0, 0, count(*), 0, FALSE FROM ${AUDIENCE_VALUES_TABLE} GROUP BY site_id ` +
        `UNION ALL SELECT site_id, 0, 0, 0, capacity, source_bits FROM ${BITMAP_SITES_TABLE}) GROUP BY site_id`,
    )
  ).getRows();
  return new Map(
    rows.map(([site, n, k, a, c, b]) => [
      String(site),
      { visitors: Number(n), sourceValues: Number(k), audienceValues: Number(a), bitmapCapacity: Number(c), sourceBits: b === true ? Number(c) : 0 },
    ]),
  );
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
  // Version 6 and older kept the shared sessions in a table of their own (now the column `shared`).
  if (reset) await conn.run(`DROP TABLE IF EXISTS rollup.shared_sessions`);
  const create = (table: string, select: string) => conn.run(`CREATE ${reset ? 'OR REPLACE TABLE' : 'TABLE IF NOT EXISTS'} ${table} AS ${select}`);
  const none = (table: string) => `SELECT * FROM ${table} WHERE FALSE`;
  await create(ROLLUP_TABLE, rollupSelectSql('FALSE'));
  await create(INTERACTIONS_TABLE, interactionsSelectSql('FALSE'));
  for (const d of DERIVED) await create(d.table, d.select(none(BASE_TABLES[d.from].table)));
  await create(VISITOR_NUMBERS_TABLE, `SELECT site_id, vid, 0::INTEGER AS vno FROM ${SESSIONS_TABLE} WHERE FALSE`);
  await create(AUDIENCE_VALUES_TABLE, `${audienceValuesSql(`SELECT * FROM ${SESSIONS_TABLE}`)} WHERE FALSE`);
  for (const b of BITMAP_TABLES) await create(b.table, b.select(none(b.from), 1));
  await create(BITMAP_SITES_TABLE, `SELECT site_id, 0::INTEGER AS capacity, FALSE AS source_bits FROM ${VISITOR_NUMBERS_TABLE} WHERE FALSE`);
}

