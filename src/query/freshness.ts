import type { DuckDBConnection } from '@duckdb/node-api';
import type { LakeFile, LakeSnapshotSource } from '../core/lake.js';
import type { EventBuffer, Logger, TailCursor } from '../core/ports.js';
import { EVENTS_VIEW_DEF, eventsViewSql, insertPayloads, type ViewDef } from './lakeview.js';

/**
 * Keeps the `events` view equal to "lake snapshot + every acknowledged event after its checkpoint".
 *
 * Design constraints:
 * - The view's file list and the hot rows always belong to ONE snapshot generation: when the generation changes,
 *   the new file list, the deletion of all hot rows and the re-read tail are committed in one DuckDB transaction,
 *   so a concurrent query sees either the old state or the new one, never an event twice or not at all.
 * - A tail read is applied only if the snapshot's generation was unchanged after the read finished. The writer
 *   replaces the manifest before it trims the buffer, so "unchanged after the read" proves the read saw every
 *   record after the checkpoint (none was trimmed away under it). Otherwise the read is discarded and redone
 *   against the new snapshot (at most MAX_ATTEMPTS times; then the last consistent state is kept and logged).
 * - Single flight: one refresh runs at a time. A caller arriving during a refresh waits for the NEXT one (shared
 *   by every such caller), because the running one may have read the tail before the caller's event was
 *   acknowledged. So an event acknowledged before `refresh()` is called is visible once it resolves.
 * - The state lives in an in-memory table, so the hot rows survive the buffer trimming them until the next
 *   generation's transaction replaces them with the files that now hold them.
 */
const MAX_ATTEMPTS = 5;

export interface FreshnessOptions {
  /** A connection used only by the refresher. */
  readonly conn: DuckDBConnection;
  readonly snapshots: LakeSnapshotSource;
  readonly tail: Pick<EventBuffer, 'readUncommitted'>;
  readonly logger: Logger;
  /** Called with the hot table's row count after each applied change. */
  readonly onHotRows?: (rows: number) => void;
  /** The view kept fresh (default `events`). */
  readonly view?: ViewDef;
}

export interface Freshness {
  refresh(): Promise<void>;
  /** Generation the view currently reflects (-1: none applied yet). */
  generation(): number;
  hotRows(): number;
  /**
   * The files of the applied snapshot and the hot payloads per UTC day of their `ts` ('?' when it could not be
   * read), and per UTC hour ('YYYY-MM-DDTHH'; '?' likewise). Updated right after each commit of the view (single
   * flight), so it never runs ahead of the data.
   */
  state(): { readonly files: readonly LakeFile[]; readonly hotByDay: ReadonlyMap<string, number>; readonly hotByHour: ReadonlyMap<string, number> };
  /** Resolves once no refresh is running or queued (never rejects). */
  idle(): Promise<void>;
}

export function createFreshness(options: FreshnessOptions): Freshness {
  const { conn, snapshots, tail, logger } = options;
  const def = options.view ?? EVENTS_VIEW_DEF;
  let generation = -1;
  let cursor: TailCursor | null = null;
  let hotRows = 0;
  let files: readonly LakeFile[] = [];
  let hotByDay = new Map<string, number>();
  let hotByHour = new Map<string, number>();
  let running: Promise<void> | null = null;
  let next: Promise<void> | null = null;

  async function inTransaction(work: () => Promise<void>): Promise<void> {
    await conn.run('BEGIN TRANSACTION');
    try {
      await work();
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
  }

  async function attempt(): Promise<boolean> {
    const snap = await snapshots.current();
    const reset = snap.generation !== generation;
    const read = await tail.readUncommitted(snap.checkpoint, reset ? null : cursor);
    const after = await snapshots.current();
    if (after.generation !== snap.generation) return false;
    let inserted = 0;
    if (reset) {
      await inTransaction(async () => {
        await conn.run(eventsViewSql(snap.files, def));
        await conn.run(`DELETE FROM ${def.hotTable}`);
        inserted = await insertPayloads(conn, read.payloads, def);
      });
      hotRows = inserted;
      generation = snap.generation;
      files = snap.files;
      [hotByDay, hotByHour] = tally(new Map(), new Map(), read.payloads);
      logger.debug({ generation, files: snap.files.length, hotRows }, 'query view moved to a new lake generation');
    } else if (read.payloads.length > 0) {
      await inTransaction(async () => {
        inserted = await insertPayloads(conn, read.payloads, def);
      });
      hotRows += inserted;
      [hotByDay, hotByHour] = tally(new Map(hotByDay), new Map(hotByHour), read.payloads);
    }
    cursor = read.cursor;
    if (inserted !== read.payloads.length) {
      logger.warn({ skipped: read.payloads.length - inserted }, 'skipped tail payloads that are not valid JSON');
    }
    if (reset || inserted > 0) options.onHotRows?.(hotRows);
    return true;
  }

  async function run(): Promise<void> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      if (await attempt()) return;
    }
    const msg = 'lake generation kept moving; serving the last consistent view';
    logger.warn({ attempts: MAX_ATTEMPTS, generation }, msg);
  }

  function refresh(): Promise<void> {
    if (running === null) {
      running = run().finally(() => {
        running = null;
      });
      return running;
    }
    if (next === null) {
      next = running
        .catch(() => undefined)
        .then(() => {
          next = null;
          return refresh();
        });
    }
    return next;
  }

  async function idle(): Promise<void> {
    while (running !== null || next !== null) await (next ?? running)?.catch(() => undefined);
  }

  return { refresh, generation: () => generation, hotRows: () => hotRows, idle, state: () => ({ files, hotByDay, hotByHour }) };
}

/**
 * Adds each payload's UTC day and hour (from its `"ts":"YYYY-MM-DDTHH...` text, without parsing the JSON: the
 * collector writes ts in UTC, ISO 8601) to `days` and `hours`.
 */
function tally(days: Map<string, number>, hours: Map<string, number>, payloads: readonly string[]): [Map<string, number>, Map<string, number>] {
  for (const p of payloads) {
    const i = p.indexOf('"ts":"');
    const hour = i >= 0 ? p.slice(i + 6, i + 19) : '';
    const dayOk = /^\d{4}-\d{2}-\d{2}/.test(hour);
    const day = dayOk ? hour.slice(0, 10) : '?';
    const key = dayOk && /^T\d{2}$/.test(hour.slice(10)) ? hour : '?';
    days.set(day, (days.get(day) ?? 0) + 1);
    hours.set(key, (hours.get(key) ?? 0) + 1);
  }
  return [days, hours];
}
