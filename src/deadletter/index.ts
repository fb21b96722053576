import type { DeadLetterSink, EventBuffer } from '../core/ports.js';
import { FAILED_COLUMNS, type FailedRow } from '../core/tables.js';

/**
 * The DeadLetterSink port backed by an EventBuffer (the server gives it a second spool, `<dataDir>/spool-failed`):
 * dead letters take the same durable path as events, spool -> writer (table failed_events) -> Parquet under
 * lake/failed/dt=YYYY-MM-DD/, and are queryable as the view `failed_events` before and after they are written.
 * `append` resolves once the records are fsynced, like an event append.
 */
export function createDeadLetterSink(buffer: Pick<EventBuffer, 'append'>): DeadLetterSink {
  return {
    append: (records) => buffer.append(records.map(encodeFailedRow)),
  };
}

/** A dead letter as the JSON text the writer reads: keys in FAILED_COLUMNS order. */
export function encodeFailedRow(row: FailedRow): string {
  const ordered: Record<string, unknown> = {};
  for (const c of FAILED_COLUMNS) ordered[c.name] = row[c.name as keyof FailedRow] ?? null;
  return JSON.stringify(ordered);
}
