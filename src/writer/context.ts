import type { Clock, EventBuffer, Logger, ObjectStore } from '../core/ports.js';
import type { TableSpec } from '../core/tables.js';
import type { WriterDb } from './duckdb.js';
import type { ManifestState } from './manifest-state.js';
import type { WriterMetrics } from './metrics.js';

/** The config.writer keys (src/core/config.ts documents them) plus the knobs tests and benchmarks turn. */
export interface WriterSettings {
  readonly intervalMs: number;
  readonly maxEvents: number;
  readonly batchMaxBytes: number;
  readonly compactMinFiles: number;
  readonly compactTargetBytes: number;
  /** An hour counts as open (compacted only at compactMinFiles) until this long after its end. */
  readonly compactGraceMs: number;
  readonly deleteGraceMs: number;
  readonly duckdbMemoryLimit: string;
  /** ZSTD level of the files a flush writes (fast); compaction rewrites at compactZstdLevel. */
  readonly zstdLevel: number;
  readonly compactZstdLevel: number;
  /** Parquet format version: v2 adds the DELTA encodings (smaller timestamps and ids, faster to write). */
  readonly parquetVersion: 'v1' | 'v2';
  /** Partitions whose day ended more than this many days ago are removed (retention.ts); null keeps everything. */
  readonly retentionDays: number | null;
}

/** What the writer's steps (flush, compaction, recovery) share; built once by createWriter. */
export interface WriterContext {
  readonly buffer: EventBuffer;
  /** The table this writer writes (core/tables.ts): its key prefix, manifest, columns and partitioning. */
  readonly table: TableSpec;
  readonly store: ObjectStore;
  /** Scratch space owned by the writer: NDJSON, Parquet before it is put, DuckDB spill files. */
  readonly tmpDir: string;
  readonly logger: Logger;
  readonly clock: Clock;
  /** Random suffix for file names. */
  readonly random: () => string;
  readonly settings: WriterSettings;
  readonly state: ManifestState;
  readonly metrics: WriterMetrics;
  db(): Promise<WriterDb>;
}

/** The local path of a lake object; the writer reads lake files with DuckDB, so it needs a local store (or cache). */
export function lakePath(ctx: WriterContext, key: string): string {
  const path = ctx.store.localPath(key);
  if (path === null) throw new Error(`writer needs a local path for ${key}; store '${ctx.store.kind}' has none`);
  return path;
}
