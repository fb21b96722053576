import type { BufferCheckpoint } from './ports.js';

/**
 * The lake's layout, shared by the writer (which commits it) and the query layer (which reads it).
 *
 * Object keys, relative to the lake root (`<data-dir>/lake/` for the local store):
 *   events/dt=YYYY-MM-DD/hour=HH/part-<id>.parquet   event data, ZSTD Parquet (schema: core/schema.ts)
 *   _clicklake/manifest.json                          the commit point (below)
 *
 * The manifest lists the live Parquet files and the buffer checkpoint they cover. The writer replaces it atomically
 * after the files it names are durable and before it trims the buffer; it is the single source of truth for what the
 * lake holds. A Parquet file under events/ that the manifest does not list is an orphan of a crash and is deleted on
 * recovery. Engines that only glob the directory (pyarrow, Athena) see the same data outside those short windows.
 */
export const MANIFEST_KEY = '_clicklake/manifest.json';
export const EVENTS_PREFIX = 'events/';

/**
 * The lake schema version (core/schema.ts) of the files the writer writes now. Bump it when LAKE_COLUMNS changes;
 * every file records the version it was written with (ManifestFile.schema), so a reader can read the files of one
 * version together without reconciling schemas.
 */
export const LAKE_SCHEMA_VERSION = 2;

export interface ManifestFile {
  /** Object key, e.g. events/dt=2026-11-27/hour=09/part-....parquet */
  readonly key: string;
  /** dt=YYYY-MM-DD/hour=HH */
  readonly partition: string;
  readonly rows: number;
  readonly bytes: number;
  /** Lake schema version of the file (LAKE_SCHEMA_VERSION when written). Absent (manifests before it existed): 1. */
  readonly schema?: number;
  /**
   * True when compaction wrote the file (rows sorted by site_id, session_id, ts; ZSTD level 3). Absent: a flushed
   * file, in arrival order.
   */
  readonly compacted?: boolean;
}

export interface Manifest {
  readonly format: 'clicklake-manifest';
  readonly version: 1;
  /** Increases by one at every commit. */
  readonly generation: number;
  /** Buffer position covered by the files (null: nothing committed yet). */
  readonly checkpoint: BufferCheckpoint | null;
  readonly files: readonly ManifestFile[];
  /** Keys replaced by compaction, deleted once no reader can still be using them. */
  readonly pendingDeletes: readonly string[];
  readonly updatedAt: string;
}

export function emptyManifest(): Manifest {
  return {
    format: 'clicklake-manifest',
    version: 1,
    generation: 0,
    checkpoint: null,
    files: [],
    pendingDeletes: [],
    updatedAt: new Date(0).toISOString(),
  };
}

/** A manifest as stored: its JSON and a newline (the inverse of parseManifest). */
export function manifestBytes(manifest: Manifest): Uint8Array {
  return new TextEncoder().encode(`${JSON.stringify(manifest)}\n`);
}

/** Parses manifest bytes; throws a descriptive Error when they are not a manifest. */
export function parseManifest(bytes: Uint8Array): Manifest {
  const value = JSON.parse(new TextDecoder().decode(bytes)) as Partial<Manifest>;
  if (value.format !== 'clicklake-manifest' || value.version !== 1 || !Array.isArray(value.files)) {
    throw new Error('not a clicklake manifest (format/version/files missing)');
  }
  return value as Manifest;
}

/** One Parquet file of a snapshot: a local path DuckDB can read and the lake schema version it was written with. */
export interface LakeFile {
  readonly path: string;
  readonly schema: number;
}

/** What a reader of the lake needs: a consistent set of files plus the buffer position they cover. */
export interface LakeSnapshot {
  readonly generation: number;
  readonly checkpoint: BufferCheckpoint | null;
  readonly files: readonly LakeFile[];
}

export interface LakeSnapshotSource {
  current(): Promise<LakeSnapshot>;
}

/** The snapshot a manifest describes, with local paths from `store` (which must be local for DuckDB to read). */
export function snapshotOf(manifest: Manifest, localPath: (key: string) => string | null): LakeSnapshot {
  const files: LakeFile[] = [];
  for (const f of manifest.files) {
    const p = localPath(f.key);
    if (p === null) throw new Error(`lake object ${f.key} has no local path; a remote store needs a local cache`);
    // Files written before the field existed are schema 1.
    files.push({ path: p, schema: (f as { schema?: number }).schema ?? 1 });
  }
  return { generation: manifest.generation, checkpoint: manifest.checkpoint, files };
}

/** Reads the committed manifest (of events, or of the table whose manifest `key` names; core/tables.ts) from a store. */
export async function readManifest(
  store: { getBytes(key: string): Promise<Uint8Array | null> },
  key: string = MANIFEST_KEY,
): Promise<Manifest> {
  const bytes = await store.getBytes(key);
  return bytes === null ? emptyManifest() : parseManifest(bytes);
}
