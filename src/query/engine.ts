import type { DuckDBConnection, DuckDBPreparedStatement, DuckDBValue } from '@duckdb/node-api';
import type { Registry } from 'prom-client';
import { ClicklakeError, isClicklakeError } from '../core/errors.js';
import type { LakeFile, LakeSnapshotSource } from '../core/lake.js';
import type { EventBuffer, Logger, SqlRunner } from '../core/ports.js';
import type { TableSpec } from '../core/tables.js';
import { DELIVERY_VIEW_SQL } from './delivery.js';
import { createFileRows } from './file-rows.js';
import { createFingerprints, dayOfPath, hourOfPath } from './fingerprints.js';
import { createFreshness, type Freshness } from './freshness.js';
import { createHotTableSql, eventsSelectSql, eventsViewSql, viewDefOf } from './lakeview.js';
import { createQueryMetrics } from './metrics.js';
import { prepareReadOnly, queryInvalidError } from './readonly.js';
import { openSandbox } from './sandbox.js';
import { createRollupKeeper, type RollupKeeper, type RollupOptions } from './rollup.js';
import { prepareRollupTables } from './rollup-tables.js';
import { toJsonValue, type JsonValue } from './values.js';

/**
 * The query engine: read-only SQL over the view `events` = committed Parquet files + acknowledged tail, the other
 * lake tables the same way (`failed_events`: `tables`), and the view `delivery` over `events` (delivery.ts).
 *
 * Design constraints:
 * - Before every query the view is brought up to date (freshness.ts), so an event acknowledged before query() was
 *   called is in its result, exactly once, across writer commits and compactions.
 * - User SQL runs on a connection of its own (created per query, closed after), so a timeout interrupts only that
 *   query. Results are streamed and at most maxRows + 1 rows are ever converted.
 * - User SQL can only be one SELECT (readonly.ts) inside a locked sandbox that reads only the lake (sandbox.ts).
 * - timeoutMs should stay below the writer's deleteGraceMs: a query may still read files compaction replaced.
 */
export interface QueryEngineOptions {
  readonly snapshots: LakeSnapshotSource;
  readonly tail: Pick<EventBuffer, 'readUncommitted'>;
  /** The only directory DuckDB may read; every snapshot file must be under it. */
  readonly lakeDir: string;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** A query (not counting the refresh) is interrupted after this long. */
  readonly timeoutMs: number;
  /** Most rows a result holds; a call may ask for fewer. */
  readonly maxRows: number;
  /** DuckDB memory_limit, e.g. '2GB'. */
  readonly memoryLimit: string;
  readonly threads?: number;
  /** Where DuckDB may spill large operators; spilling is off when unset. */
  readonly tempDirectory?: string;
  /** More lake tables (core/tables.ts), each a view kept fresh like `events`: its snapshots and its buffer's tail. */
  readonly tables?: readonly QueryTable[];
  /** Keep the dashboards' rollup of closed days (rollup.ts); unset: none (the dashboards then read `events` only). */
  readonly rollup?: RollupOptions;
  /** For the rollup's "closed day" (default Date.now). */
  readonly clock?: () => number;
}

export interface QueryTable {
  readonly table: TableSpec;
  readonly snapshots: LakeSnapshotSource;
  readonly tail: Pick<EventBuffer, 'readUncommitted'>;
}

export interface QueryColumn {
  readonly name: string;
  /** DuckDB's type name, e.g. 'BIGINT', 'TIMESTAMP WITH TIME ZONE'. */
  readonly type: string;
}

export interface QueryResult {
  readonly columns: QueryColumn[];
  readonly rows: Record<string, JsonValue>[];
  /** True when the query had more rows than were returned. */
  readonly truncated: boolean;
  readonly elapsedMs: number;
}

export interface QueryOptions {
  /** Lowers the engine's maxRows for this call (never raises it). */
  readonly maxRows?: number;
}

/** A bound parameter of queryInternal; use ISO strings and cast in SQL for timestamps ($from::TIMESTAMPTZ). */
export type QueryParam = string | number | boolean | bigint | null;
export type QueryParams = readonly QueryParam[] | Readonly<Record<string, QueryParam>>;

export interface QueryEngine extends SqlRunner {
  /** Runs one user SELECT. Rejects with ClicklakeError CLK_ERR_QUERY_NOT_READ_ONLY / _INVALID / _TIMEOUT. */
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /** For the named queries in this folder: the same gate and limits, with bound parameters ($1 or $name). */
  queryInternal(sql: string, params: QueryParams, options?: QueryOptions): Promise<QueryResult>;
  /** SqlRunner.dayFingerprints (always present here): day -> fingerprint of that day's files and hot rows. */
  dayFingerprints(fromDay: string | null, toDay: string | null): Promise<ReadonlyMap<string, string>>;
  /** The rollup's keeper when options.rollup was given; the caller start()s it once the lake is loaded. */
  readonly rollup: RollupKeeper | null;
  /** Brings `events` up to date; query() calls it itself. */
  refresh(): Promise<void>;
  /** Interrupts running queries and releases DuckDB. Later calls reject with CLK_ERR_SHUTTING_DOWN. */
  close(): Promise<void>;
}

export async function createQueryEngine(options: QueryEngineOptions): Promise<QueryEngine> {
  const logger = options.logger.child({ stage: 'query' });
  const metrics = createQueryMetrics(options.registry);
  const sandbox = await openSandbox({ ...options, ...(options.rollup ? { rollupPath: options.rollup.path } : {}) });
  const { instance } = sandbox;
  let refreshConn: DuckDBConnection;
  // One connection per further table: each refresher runs its own transactions.
  const tableConns: DuckDBConnection[] = [];
  try {
    refreshConn = await instance.connect();
    await refreshConn.run(createHotTableSql());
    await refreshConn.run(eventsViewSql([]));
    await refreshConn.run(DELIVERY_VIEW_SQL);
    if (options.rollup) await prepareRollupTables(refreshConn);
    for (const t of options.tables ?? []) {
      const conn = await instance.connect();
      tableConns.push(conn);
      await conn.run(createHotTableSql(viewDefOf(t.table)));
      await conn.run(eventsViewSql([], viewDefOf(t.table)));
    }
  } catch (err) {
    for (const conn of tableConns) conn.closeSync();
    instance.closeSync();
    throw err;
  }
  const freshness = createFreshness({
    conn: refreshConn,
    snapshots: options.snapshots,
    tail: options.tail,
    logger,
    onHotRows: (rows) => metrics.hotRows.set(rows),
  });
  metrics.hotRows.set(0);
  const others: Freshness[] = (options.tables ?? []).map((t, i) =>
    createFreshness({ conn: tableConns[i]!, snapshots: t.snapshots, tail: t.tail, logger, view: viewDefOf(t.table) }),
  );

  let closed = false;
  /** Queries in flight: their connection (once open) and a promise settled when they are done. */
  const running = new Set<{ conn: DuckDBConnection | null; done: Promise<void> }>();

  async function refreshOrFail(): Promise<void> {
    try {
      await Promise.all([freshness.refresh(), ...others.map((f) => f.refresh())]);
    } catch (err) {
      if (isClicklakeError(err)) throw err; // a snapshot source's own answer (a lake follower not synced yet: 503)
      logger.error({ err }, 'could not bring the events view up to date');
      throw new ClicklakeError('CLK_ERR_INTERNAL', 'The lake or its buffer tail could not be read', { cause: err });
    }
  }

  /**
   * `params` without the named ones the statement does not have: the dashboards build a statement from parts that
   * share one set of parameters (src/stats/rollup.ts), and a part left out (nothing to read) leaves some unused.
   */
  function usedParams(prepared: DuckDBPreparedStatement, params: QueryParams): DuckDBValue[] | Record<string, DuckDBValue> {
    if (Array.isArray(params)) return params as DuckDBValue[];
    const names = new Set<string>();
    for (let i = 1; i <= prepared.parameterCount; i++) names.add(prepared.parameterName(i));
    return Object.fromEntries(Object.entries(params as Record<string, DuckDBValue>).filter(([name]) => names.has(name)));
  }

  async function execute(
    sql: string,
    params: QueryParams | undefined,
    limit: number,
    entry: { conn: DuckDBConnection | null },
  ): Promise<Omit<QueryResult, 'elapsedMs'>> {
    await refreshOrFail();
    if (closed) throw new ClicklakeError('CLK_ERR_SHUTTING_DOWN');
    const conn = await instance.connect();
    entry.conn = conn;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      conn.interrupt();
    }, options.timeoutMs);
    try {
      if (closed) throw new ClicklakeError('CLK_ERR_SHUTTING_DOWN'); // close() began while connecting
      // One transaction from bind to the last fetch: the view's file list and the hot rows come from one snapshot
      // even if a refresh for another query commits meanwhile. Closing the connection ends it.
      await conn.run('BEGIN TRANSACTION');
      const prepared = await prepareReadOnly(conn, sql);
      if (params !== undefined) prepared.bind(usedParams(prepared, params));
      const result = await prepared.stream();
      const names = result.deduplicatedColumnNames();
      const columns = result.columnTypes().map((t, i) => ({ name: names[i], type: t.toString() }));
      const rows: Record<string, JsonValue>[] = [];
      let truncated = false;
      for (;;) {
        if (timedOut) throw new Error('Interrupted');
        const chunk = await result.fetchChunk();
        if (chunk === null || chunk.rowCount === 0) break;
        const values = chunk.getRows();
        if (rows.length + values.length > limit) {
          for (const row of values.slice(0, limit - rows.length)) rows.push(rowObject(names, row));
          truncated = true;
          break;
        }
        for (const row of values) rows.push(rowObject(names, row));
      }
      return { columns, rows, truncated };
    } catch (err) {
      if (timedOut) {
        const message = `The query took longer than ${options.timeoutMs} ms and was cancelled`;
        throw new ClicklakeError('CLK_ERR_QUERY_TIMEOUT', message);
      }
      if (closed) throw new ClicklakeError('CLK_ERR_SHUTTING_DOWN');
      if (isClicklakeError(err)) throw err;
      throw queryInvalidError(err);
    } finally {
      clearTimeout(timer);
      conn.closeSync();
    }
  }

  async function run(
    sql: string,
    params: QueryParams | undefined,
    opts: QueryOptions | undefined,
  ): Promise<QueryResult> {
    if (closed) throw new ClicklakeError('CLK_ERR_SHUTTING_DOWN');
    const started = performance.now();
    const asked = opts?.maxRows;
    const limit = Math.max(0, Math.floor(Math.min(Number.isFinite(asked) ? Number(asked) : Infinity, options.maxRows)));
    let markDone!: () => void;
    const entry = { conn: null as DuckDBConnection | null, done: new Promise<void>((r) => (markDone = r)) };
    running.add(entry);
    try {
      const out = await execute(sql, params, limit, entry);
      return { ...out, elapsedMs: Math.round(performance.now() - started) };
    } catch (err) {
      const code = isClicklakeError(err) ? err.code : 'CLK_ERR_INTERNAL';
      metrics.errors.inc({ code });
      if (code === 'CLK_ERR_QUERY_TIMEOUT') logger.info({ timeoutMs: options.timeoutMs }, 'query timed out');
      if (!isClicklakeError(err)) {
        logger.error({ err }, 'query failed unexpectedly');
        throw new ClicklakeError('CLK_ERR_INTERNAL', undefined, { cause: err });
      }
      throw err;
    } finally {
      metrics.seconds.observe((performance.now() - started) / 1000);
      running.delete(entry);
      markDone();
    }
  }

  const { dataFingerprint, dayFingerprints, hourFingerprints } = createFingerprints({
    refresh: refreshOrFail,
    state: () => freshness.state(),
    lakeDir: sandbox.lakeDir,
  });

  // Only with a rollup: the files it does not hold yet are today's last hours, the only ones worth keeping rows of.
  const fileRows = options.rollup ? await createFileRows({ instance, onFiles: (n) => metrics.fileRowsFiles.set(n) }) : null;

  /** The applied snapshot's files of days [fromDay, toDay] (and undated ones), without the first hours of `skip`'s days. */
  function filesOfDays(fromDay: string, toDay: string, skip?: ReadonlyMap<string, number>): LakeFile[] {
    return freshness.state().files.filter((f) => {
      const day = dayOfPath(f.path);
      if (day === undefined) return true;
      if (day < fromDay || day > toDay) return false;
      const skipped = skip?.get(day);
      const hour = skipped === undefined ? undefined : hourOfPath(f.path);
      return hour === undefined || hour >= skipped!;
    });
  }

  /**
   * SqlRunner.eventsOfDays: the view's SELECT over the applied snapshot's files of those days (and undated ones),
   * without the files of the first hours of the days in `skip` (day -> hours).
   */
  async function eventsOfDays(fromDay: string, toDay: string, skip?: ReadonlyMap<string, number>): Promise<string> {
    await refreshOrFail();
    return `(${eventsSelectSql(filesOfDays(fromDay, toDay, skip))})`;
  }

  /** SqlRunner.liveRowsOfDays: eventsOfDays, with the files of the partial days' later hours as cached rows. */
  async function liveRowsOfDays(fromDay: string, toDay: string, partial: ReadonlyMap<string, number>) {
    await refreshOrFail();
    const files = filesOfDays(fromDay, toDay, partial);
    // filesOfDays left out the partial days' first hours: their files with an hour are the later ones.
    const cached = fileRows === null ? [] : files.filter((f) => partial.has(dayOfPath(f.path) ?? '') && hourOfPath(f.path) !== undefined);
    const others = files.filter((f) => !cached.includes(f));
    // No other file and no unwritten event of those days: no relation to plan (measured: ~7 ms per statement for the
    // rollup rows of the empty buffer tail).
    const hot = [...freshness.state().hotByDay].some(([day, n]) => n > 0 && (day === '?' || (day >= fromDay && day <= toDay)));
    const kept = cached.length === 0 ? null : await fileRows!.select(cached);
    return {
      rows: kept?.rows ?? null,
      derived: kept?.derived ?? null,
      source: others.length === 0 && !hot ? null : `(${eventsSelectSql(others)})`,
    };
  }

  let rollup: RollupKeeper | null = null;
  if (options.rollup) {
    rollup = await createRollupKeeper({
      ...options.rollup,
      instance,
      dayFingerprints,
      hourFingerprints,
      // After each round (which refreshed the view): the rows of the partial days' later-hour files, ahead of requests.
      afterRound: async (partial) => {
        const days = [...partial.keys()].sort();
        await liveRowsOfDays(days[0]!, days[days.length - 1]!, partial);
      },
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.registry ? { registry: options.registry } : {}),
    });
  }
  const keeper = rollup;

  return {
    dataFingerprint,
    dayFingerprints,
    eventsOfDays,
    rollup,
    ...(keeper
      ? {
          rollupDays: (fromDay: string, toDay: string) => keeper.days(fromDay, toDay),
          // Both only grow: the sum moves when either does (SqlRunner.rollupGeneration).
          rollupGeneration: () => keeper.generation() + Math.max(0, freshness.generation()),
          rollupSiteStats: (site: string) => keeper.siteStats(site),
          liveRowsOfDays,
        }
      : {}),
    query: (sql, opts) => run(sql, undefined, opts),
    queryInternal: (sql, params, opts) => run(sql, params, opts),
    refresh: refreshOrFail,
    async close() {
      if (closed) return;
      closed = true;
      await rollup?.close();
      const pending = [...running];
      for (const entry of pending) entry.conn?.interrupt();
      await Promise.all(pending.map((e) => e.done));
      await freshness.idle();
      for (const f of others) await f.idle();
      for (const conn of tableConns) conn.closeSync();
      refreshConn.closeSync();
      instance.closeSync();
    },
  };
}

function rowObject(names: readonly string[], row: readonly DuckDBValue[]): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (let i = 0; i < names.length; i++) out[names[i]] = toJsonValue(row[i]);
  return out;
}
