import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import { ClicklakeError } from '../../core/errors.js';
import { emptyManifest, readManifest, snapshotOf, type LakeSnapshot, type LakeSnapshotSource, type Manifest } from '../../core/lake.js';
import type { Clock, Logger, ObjectStore } from '../../core/ports.js';

/**
 * A read-only follower of a lake in a remote ObjectStore (S3): it reads the lake's manifest every `syncIntervalMs`,
 * copies the Parquet files it names into a local cache directory and offers the snapshot they make to the query
 * engine (LakeSnapshotSource), whose DuckDB can read only local files.
 *
 * Design constraints:
 * - The manifest is the only source of truth: the follower never lists the data files (it lists only the manifest's
 *   own key, to tell a lake without a manifest yet from an error). It copies exactly the files a
 *   manifest names, and a file is known to be whole when its size equals the manifest's `bytes` (a copy with another
 *   size is an error: the sync fails and the previous snapshot stays).
 * - A new snapshot is published only after every file it names is in the cache (downloaded to a temp name, fsynced,
 *   renamed into place), so a query never sees a file half-copied or missing.
 * - Cached files are immutable: objects named by a committed manifest are never rewritten by the writers (the
 *   embedded writer and compaction use new names; the AWS `process` Lambda rewrites a key only before the manifest
 *   that names it is committed), so a file already cached with the right size is reused.
 * - Files that a new snapshot no longer names (compaction, retention) are deleted from the cache only after
 *   `deleteGraceMs`, which must exceed the query timeout: a query that started on the old snapshot may read them.
 * - Until the first successful sync, `current()` rejects with CLK_ERR_LAKE_NOT_SYNCED (503): an empty answer would
 *   look like an empty lake. A later failed sync keeps serving the last snapshot; status() reports the error.
 * - At open, cache files under this table's prefix that the first manifest does not name are removed (no query
 *   can be using them yet), as are temp files of an interrupted download.
 * - One sync runs at a time (single flight); the timer never overlaps syncs.
 */
export interface LakeFollowerOptions {
  /** The remote lake (S3 store); only getBytes and list are used. */
  readonly store: Pick<ObjectStore, 'getBytes' | 'list'>;
  /** The manifest to follow (core/lake.ts MANIFEST_KEY for events, a TableSpec's manifestKey otherwise). */
  readonly manifestKey: string;
  /** Key prefix of the table's Parquet files ('events/'), for the cleanup at open. */
  readonly dataPrefix: string;
  /** Local directory the files are copied to, keys mapping to paths under it; DuckDB reads from here. */
  readonly cacheDir: string;
  readonly syncIntervalMs: number;
  /** How long a file dropped from the manifest stays in the cache (> the query timeout). */
  readonly deleteGraceMs: number;
  /** Most bytes the cached files of one snapshot may hold; a manifest naming more fails the sync. */
  readonly maxCacheBytes: number;
  /** Files downloaded in parallel. */
  readonly concurrency?: number;
  readonly logger: Logger;
  readonly registry?: Registry;
  /** Label of this table in metrics and logs ('events', 'failed_events'). */
  readonly table: string;
  readonly clock?: Clock;
}

export interface FollowerStatus {
  readonly synced: boolean;
  readonly generation: number | null;
  readonly files: number;
  readonly bytes: number;
  /** When the last sync finished successfully (ISO), null when none has. */
  readonly lastSyncAt: string | null;
  /** The manifest's updatedAt of the current snapshot (when the lake last changed). */
  readonly lakeUpdatedAt: string | null;
  /** The last sync's error message, null when it succeeded. */
  readonly lastError: string | null;
}

export interface SyncResult {
  readonly changed: boolean;
  readonly generation: number;
  readonly downloaded: number;
  readonly downloadedBytes: number;
  /** Files dropped from the snapshot by this sync (deleted from the cache after the grace period). */
  readonly dropped: number;
}

export interface LakeFollower extends LakeSnapshotSource {
  /** Reads the manifest, copies new files, publishes the new snapshot, deletes expired files. */
  sync(): Promise<SyncResult>;
  /** Starts the periodic sync (after the first one, which the caller runs). */
  start(): void;
  /** Stops the timer and waits for a running sync. */
  stop(): Promise<void>;
  status(): FollowerStatus;
}

const TEMP_PREFIX = '.clk-dl-';

function metricsOf(registry: Registry | undefined) {
  const registers = registry ? [registry] : [];
  const get = <T>(name: string, make: () => T): T => (registry?.getSingleMetric(name) as T | undefined) ?? make();
  return {
    syncs: get('clicklake_lake_follower_syncs_total', () =>
      new Counter({ name: 'clicklake_lake_follower_syncs_total', help: 'Lake follower syncs by table and result', labelNames: ['table', 'result'], registers })),
    downloaded: get('clicklake_lake_follower_downloaded_bytes_total', () =>
      new Counter({ name: 'clicklake_lake_follower_downloaded_bytes_total', help: 'Bytes copied from the remote lake into the cache', labelNames: ['table'], registers })),
    cached: get('clicklake_lake_follower_cached_bytes', () =>
      new Gauge({ name: 'clicklake_lake_follower_cached_bytes', help: 'Bytes of the files of the current snapshot', labelNames: ['table'], registers })),
    generation: get('clicklake_lake_follower_generation', () =>
      new Gauge({ name: 'clicklake_lake_follower_generation', help: 'Manifest generation the snapshot reflects', labelNames: ['table'], registers })),
  };
}

export async function openLakeFollower(options: LakeFollowerOptions): Promise<LakeFollower> {
  const root = resolve(options.cacheDir);
  const clock = options.clock ?? Date.now;
  const logger = options.logger.child({ stage: 'lake-follower', table: options.table });
  const metrics = metricsOf(options.registry);
  const concurrency = Math.max(1, options.concurrency ?? 4);
  await mkdir(root, { recursive: true });

  /** Local path of a key, refusing keys that would leave the cache (manifest content comes from the bucket). */
  const pathOf = (key: string): string => {
    const parts = key.split('/');
    if (key === '' || key.startsWith('/') || key.includes('\\') || key.includes('\0') ||
        parts.some((p) => p === '' || p === '.' || p === '..' || p.startsWith('.'))) {
      throw new Error(`lake manifest names an invalid key ${JSON.stringify(key)}`);
    }
    return join(root, ...parts);
  };

  let snapshot: LakeSnapshot | null = null;
  let manifest: Manifest | null = null;
  let lastSyncAt: number | null = null;
  let lastError: string | null = null;
  /** Keys no longer named, with the time after which their cached file may go. */
  const doomed = new Map<string, number>();
  /** Keys copied by syncs whose snapshot was not published (a later file failed): dropped if no manifest names them. */
  const unpublished = new Set<string>();
  let running: Promise<SyncResult> | null = null;
  let timer: NodeJS.Timeout | null = null;
  let stopped = false;

  /**
   * The manifest, or an empty one when there is none yet (a lake before its first commit). Existence is asked with a
   * LIST of exactly the manifest's key, so a read-only role whose s3:ListBucket is limited to the lake's prefixes
   * tells "missing" from "forbidden" (a GET of a missing key answers 403 without a bucket-wide ListBucket).
   */
  async function readLakeManifest(): Promise<Manifest> {
    const listed = await options.store.list(options.manifestKey);
    if (!listed.some((o) => o.key === options.manifestKey)) return emptyManifest();
    return readManifest(options.store, options.manifestKey);
  }

  async function download(key: string, bytes: number): Promise<boolean> {
    const path = pathOf(key);
    const have = await stat(path).catch(() => null);
    if (have !== null && have.isFile() && have.size === bytes) return false;
    const data = await options.store.getBytes(key);
    if (data === null) throw new Error(`lake file ${key} named by the manifest is missing`);
    if (data.byteLength !== bytes) {
      throw new Error(`lake file ${key} has ${data.byteLength} bytes, the manifest says ${bytes}`);
    }
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(6).toString('hex')}`);
    try {
      const fh = await open(temp, 'w');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    metrics.downloaded.inc({ table: options.table }, bytes);
    return true;
  }

  async function removeCached(key: string): Promise<void> {
    await unlink(pathOf(key)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async function expire(now: number, keep: ReadonlySet<string>): Promise<void> {
    for (const [key, at] of [...doomed]) {
      if (keep.has(key)) doomed.delete(key); // named again by a later manifest
      else if (at <= now) {
        await removeCached(key);
        doomed.delete(key);
      }
    }
  }

  async function runSync(): Promise<SyncResult> {
    const next = await readLakeManifest();
    const now = clock();
    const keep = new Set(next.files.map((f) => f.key));
    if (manifest !== null && next.generation === manifest.generation && next.updatedAt === manifest.updatedAt) {
      await expire(now, keep);
      return { changed: false, generation: next.generation, downloaded: 0, downloadedBytes: 0, dropped: 0 };
    }
    const total = next.files.reduce((s, f) => s + f.bytes, 0);
    if (total > options.maxCacheBytes) {
      throw new Error(`the lake's files hold ${total} bytes, more than lake.cacheMaxBytes (${options.maxCacheBytes})`);
    }
    let downloaded = 0;
    let downloadedBytes = 0;
    const queue = [...next.files];
    // Settle every worker before failing, so that no copy outlives its sync (single flight holds).
    const workers = await Promise.allSettled(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
          try {
            if (await download(f.key, f.bytes)) {
              unpublished.add(f.key);
              downloaded++;
              downloadedBytes += f.bytes;
            }
          } catch (err) {
            queue.length = 0; // the other workers stop after their current file
            throw err;
          }
        }
      }),
    );
    const failed = workers.find((w): w is PromiseRejectedResult => w.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // Every file is local: switch. Files the old snapshot named and the new one does not go after the grace.
    const fresh = snapshotOf(next, pathOf);
    let dropped = 0;
    for (const f of manifest?.files ?? []) {
      if (!keep.has(f.key) && !doomed.has(f.key)) {
        doomed.set(f.key, now + options.deleteGraceMs);
        dropped++;
      }
    }
    for (const key of unpublished) if (!keep.has(key) && !doomed.has(key)) doomed.set(key, now + options.deleteGraceMs);
    unpublished.clear();
    if (manifest === null) await sweep(keep);
    manifest = next;
    snapshot = fresh;
    metrics.cached.set({ table: options.table }, total);
    metrics.generation.set({ table: options.table }, next.generation);
    await expire(now, keep);
    if (downloaded > 0 || dropped > 0) {
      logger.info({ generation: next.generation, files: next.files.length, downloaded, downloadedBytes, dropped }, 'lake follower: new snapshot');
    }
    return { changed: true, generation: next.generation, downloaded, downloadedBytes, dropped };
  }

  /** At the first sync: removes cached files under the table's prefix that the manifest does not name, and temp files. */
  async function sweep(keep: ReadonlySet<string>): Promise<void> {
    const base = join(root, ...options.dataPrefix.split('/').filter(Boolean));
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const e of entries) {
        const p = join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.name.startsWith(TEMP_PREFIX) || !keep.has(relative(root, p).split(sep).join('/'))) await rm(p, { force: true });
      }
    };
    await walk(base);
  }

  function sync(): Promise<SyncResult> {
    running ??= runSync()
      .then((r) => {
        lastSyncAt = clock();
        lastError = null;
        metrics.syncs.inc({ table: options.table, result: 'ok' });
        return r;
      })
      .catch((err: unknown) => {
        lastError = (err as Error).message ?? String(err);
        metrics.syncs.inc({ table: options.table, result: 'error' });
        logger.error({ err }, 'lake follower: sync failed; serving the previous snapshot');
        throw err;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  function schedule(): void {
    if (stopped) return;
    timer = setTimeout(() => {
      void sync()
        .catch(() => undefined)
        .finally(schedule);
    }, options.syncIntervalMs);
    timer.unref();
  }

  return {
    async current() {
      if (snapshot === null) {
        const why = lastError === null ? 'the first sync has not finished' : `the last sync failed: ${lastError}`;
        throw new ClicklakeError('CLK_ERR_LAKE_NOT_SYNCED', `The lake has not been read yet (${why}); retry later`, {
          retryAfter: Math.max(1, Math.ceil(options.syncIntervalMs / 1000)),
        });
      }
      return snapshot;
    },
    sync,
    start() {
      if (timer === null && !stopped) schedule();
    },
    async stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      await running?.catch(() => undefined);
    },
    status() {
      return {
        synced: snapshot !== null,
        generation: manifest?.generation ?? null,
        files: manifest?.files.length ?? 0,
        bytes: manifest?.files.reduce((s, f) => s + f.bytes, 0) ?? 0,
        lastSyncAt: lastSyncAt === null ? null : new Date(lastSyncAt).toISOString(),
        lakeUpdatedAt: manifest?.updatedAt ?? null,
        lastError,
      };
    },
  };
}

/** The buffer tail of a follower: there is none (every event it serves is in the lake). */
export const NO_TAIL = {
  async readUncommitted(_after: unknown, cursor: { readonly [key: string]: number } | null) {
    return { payloads: [] as string[], cursor: cursor ?? {} };
  },
};
