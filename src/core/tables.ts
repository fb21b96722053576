import { EVENTS_PREFIX, LAKE_SCHEMA_VERSION, MANIFEST_KEY } from './lake.js';
import { LAKE_COLUMNS, type LakeColumn } from './schema.js';

/**
 * The lake's tables. Each one is written by its own writer from its own buffer and committed by its own manifest,
 * with the same exactly-once protocol (src/writer/writer.ts); the query layer exposes each as a view.
 *
 *   events          events/dt=YYYY-MM-DD/hour=HH/part-*.parquet   _clicklake/manifest.json          (core/schema.ts)
 *   failed_events   failed/dt=YYYY-MM-DD/part-*.parquet           _clicklake/failed-manifest.json   (FAILED_COLUMNS)
 *
 * A table per manifest keeps the two commit streams independent: a manifest records one buffer checkpoint, and a
 * flood of dead letters never delays or invalidates a commit of good events (or the other way round).
 */
export interface TableSpec {
  /** The view name readers query. */
  readonly name: 'events' | 'failed_events';
  /** Key prefix of the table's Parquet files, ending in '/'. */
  readonly prefix: string;
  /** The table's manifest (its commit point). */
  readonly manifestKey: string;
  /** Columns in file order. */
  readonly columns: readonly LakeColumn[];
  /** Schema version recorded in the manifest for files written now. */
  readonly schemaVersion: number;
  /** A row without it is not a row of this table. */
  readonly idColumn: string;
  /** TIMESTAMPTZ column whose UTC time decides the partition. */
  readonly timeColumn: string;
  /** `dt=YYYY-MM-DD/hour=HH` or `dt=YYYY-MM-DD`. */
  readonly partitioning: 'hour' | 'day';
  /** Drop ids already in the batch or the lake before a commit (client resends). */
  readonly dedupe: boolean;
  /** ORDER BY of compacted files. */
  readonly sortOrder: string;
  /** Inserted after `clicklake_` in the writer's metric names: '' for events, 'failed_' for failed_events. */
  readonly metricsPrefix: string;
}

export const EVENTS_TABLE: TableSpec = {
  name: 'events',
  prefix: EVENTS_PREFIX,
  manifestKey: MANIFEST_KEY,
  columns: LAKE_COLUMNS,
  schemaVersion: LAKE_SCHEMA_VERSION,
  idColumn: 'event_id',
  timeColumn: 'ts',
  partitioning: 'hour',
  dedupe: true,
  sortOrder: 'site_id, session_id, ts',
  metricsPrefix: '',
};

/**
 * Dead letters: events that failed validation and requests refused before any event could be read
 * (docs/data-quality.md). Never holds the client IP.
 */
export const FAILED_COLUMNS: readonly LakeColumn[] = [
  { name: 'failure_id', type: 'VARCHAR', doc: 'UUID of the dead letter (made by the collector).' },
  { name: 'received_at', type: 'TIMESTAMPTZ', doc: 'Server time at which the collector received the request. Partitions the table (dt).' },
  { name: 'site_id', type: 'VARCHAR', doc: 'site_id of the event when it could be read (a string), else NULL.' },
  { name: 'error_code', type: 'VARCHAR', doc: 'The CLK_ERR_* code the client got for the event or the request.' },
  { name: 'reason', type: 'VARCHAR', doc: 'The error message the client got.' },
  { name: 'scope', type: 'VARCHAR', doc: '`event` (one event of a batch was rejected) or `request` (the whole request was refused).' },
  { name: 'event_index', type: 'INTEGER', doc: 'Index of the event in its batch (scope `event`), else NULL.' },
  { name: 'payload', type: 'VARCHAR', doc: 'The event as JSON text, or the body prefix (UTF-8, invalid bytes replaced), cut to deadLetter.maxPayloadBytes bytes.' },
  { name: 'payload_bytes', type: 'BIGINT', doc: 'Size of the whole event JSON or body before the cut (bytes).' },
  { name: 'payload_truncated', type: 'BOOLEAN', doc: 'True when `payload` was cut.' },
  { name: 'origin', type: 'VARCHAR', doc: 'Origin header of the request (bounded).' },
  { name: 'user_agent', type: 'VARCHAR', doc: 'User-Agent header of the request (bounded).' },
  { name: 'content_type', type: 'VARCHAR', doc: 'Content-Type header of the request (bounded).' },
];

export const FAILED_PREFIX = 'failed/';
export const FAILED_MANIFEST_KEY = '_clicklake/failed-manifest.json';
export const FAILED_SCHEMA_VERSION = 1;

export const FAILED_TABLE: TableSpec = {
  name: 'failed_events',
  prefix: FAILED_PREFIX,
  manifestKey: FAILED_MANIFEST_KEY,
  columns: FAILED_COLUMNS,
  schemaVersion: FAILED_SCHEMA_VERSION,
  idColumn: 'failure_id',
  timeColumn: 'received_at',
  partitioning: 'day',
  dedupe: false, // ids are made by the collector; buffer replays are covered by the manifest checkpoint
  sortOrder: 'received_at',
  metricsPrefix: 'failed_',
};

/** One dead letter as the collector hands it to the DeadLetterSink port (keys are FAILED_COLUMNS' names). */
export interface FailedRow {
  failure_id: string;
  received_at: string;
  site_id: string | null;
  error_code: string;
  reason: string;
  scope: 'event' | 'request';
  event_index: number | null;
  payload: string;
  payload_bytes: number | null;
  payload_truncated: boolean;
  origin: string | null;
  user_agent: string | null;
  content_type: string | null;
}
