import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { readManifest, snapshotOf, type LakeSnapshotSource } from '../core/lake.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/ports.js';
import { createSpool } from '../buffer/spool/index.js';
import { createLocalStore } from '../store/local/index.js';
import { createQueryEngine, type QueryEngine } from '../query/index.js';
import { FAILED_TABLE } from '../core/tables.js';

/**
 * A read-only view of a data dir for `clicklake query`: the committed Parquet files (from the manifest) plus the
 * spool's records not yet written, read without locking or changing anything, so it works whether or not a server
 * is running on the same dir. The query engine re-reads the manifest around the tail read, so a commit by a running
 * server in the middle cannot make a row appear twice.
 */
export async function openLakeReader(
  dataDir: string,
  query: Config['query'],
  logger: Logger = pino({ level: 'silent' }),
): Promise<QueryEngine & { dataDir: string }> {
  const root = resolve(dataDir);
  try {
    await access(root);
  } catch {
    throw new Error(`data dir ${root} does not exist (start a server with --data-dir ${dataDir} first)`);
  }
  const store = createLocalStore(join(root, 'lake'));
  const snapshots: LakeSnapshotSource = {
    current: async () => snapshotOf(await readManifest(store), (key) => store.localPath(key)),
  };
  const tail = await createSpool({
    dir: join(root, 'spool'),
    readOnly: true,
    segmentBytes: 64 * 1024 * 1024,
    maxBytes: Number.MAX_SAFE_INTEGER,
    retryAfterSeconds: 1,
    logger,
  });
  // Dead letters (view failed_events): their own manifest and spool, read the same way.
  const failedSnapshots: LakeSnapshotSource = {
    current: async () => snapshotOf(await readManifest(store, FAILED_TABLE.manifestKey), (key) => store.localPath(key)),
  };
  const failedTail = await createSpool({
    dir: join(root, 'spool-failed'),
    readOnly: true,
    segmentBytes: 64 * 1024 * 1024,
    maxBytes: Number.MAX_SAFE_INTEGER,
    retryAfterSeconds: 1,
    logger,
  });
  const engine = await createQueryEngine({
    snapshots,
    tail,
    tables: [{ table: FAILED_TABLE, snapshots: failedSnapshots, tail: failedTail }],
    lakeDir: join(root, 'lake'),
    logger,
    timeoutMs: query.timeoutMs,
    maxRows: Number.MAX_SAFE_INTEGER,
    memoryLimit: query.duckdbMemoryLimit,
    ...(query.threads === undefined ? {} : { threads: query.threads }),
  });
  const closeEngine = engine.close.bind(engine);
  return Object.assign(engine, {
    dataDir: root,
    close: async () => {
      await closeEngine();
      await tail.close();
      await failedTail.close();
    },
  });
}
