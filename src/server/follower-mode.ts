import { join, resolve } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import type { Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import { MANIFEST_KEY, EVENTS_PREFIX } from '../core/lake.js';
import type { Logger } from '../core/ports.js';
import { FAILED_TABLE } from '../core/tables.js';
import { createS3Store } from '../store/s3/index.js';
import { NO_TAIL, openLakeFollower, type LakeFollower } from '../store/follower/index.js';
import { createQueryEngine, type QueryEngine } from '../query/index.js';
import { queryEngineSettings } from './query-settings.js';

/**
 * The read-only lake follower (`lake.store: "s3"`, docs/aws.md): the query engine over snapshots of a lake in S3,
 * made by two followers (events and failed_events) that copy the files each manifest names into `lake.cacheDir`.
 * No collector, spool or writer: the lake is written elsewhere (the AWS `process` Lambda).
 */
export interface FollowerPipeline {
  readonly query: QueryEngine;
  readonly events: LakeFollower;
  readonly failed: LakeFollower;
  health(): Record<string, unknown>;
  /** Stops the syncs and closes the engine. */
  close(): Promise<void>;
}

/** The S3 client of `lake.s3` with the SDK's default credential chain; an endpoint means an S3-compatible server. */
export function lakeS3Client(s3: Config['lake']['s3']): S3Client {
  return new S3Client({
    ...(s3.region === undefined ? {} : { region: s3.region }),
    ...(s3.endpoint === undefined
      ? {}
      : {
          endpoint: s3.endpoint,
          forcePathStyle: true,
          // S3-compatible servers often lack the SDK's default flexible (trailing) checksums; AWS S3 has them.
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }),
  });
}

export async function openFollowerPipeline(
  config: Config,
  dataDir: string,
  logger: Logger,
  registry: Registry,
  client: S3Client,
): Promise<FollowerPipeline> {
  const s3 = config.lake.s3;
  if (s3.bucket === undefined) throw new Error('lake.s3.bucket is required when lake.store is "s3"');
  const store = createS3Store({ client, bucket: s3.bucket, prefix: s3.prefix });
  const cacheDir = resolve(config.lake.cacheDir ?? join(dataDir, 'lake-cache'));
  const common = {
    store,
    cacheDir,
    syncIntervalMs: config.lake.syncIntervalMs,
    // Cached files dropped from the manifest outlive the longest query (config: query.timeoutMs < deleteGraceMs).
    deleteGraceMs: config.writer.deleteGraceMs,
    maxCacheBytes: config.lake.cacheMaxBytes,
    logger,
    registry,
  };
  const events = await openLakeFollower({ ...common, table: 'events', manifestKey: MANIFEST_KEY, dataPrefix: EVENTS_PREFIX });
  const failed = await openLakeFollower({
    ...common,
    table: FAILED_TABLE.name,
    manifestKey: FAILED_TABLE.manifestKey,
    dataPrefix: FAILED_TABLE.prefix,
  });
  const where = `s3://${s3.bucket}/${s3.prefix}`;
  // The first read: a failure is logged and reported (/healthz, CLK_ERR_LAKE_NOT_SYNCED) and retried every interval,
  // so that a lake whose first manifest is not written yet does not keep the server from starting.
  const first = await Promise.allSettled([events.sync(), failed.sync()]);
  if (first.every((r) => r.status === 'fulfilled')) logger.info({ lake: where, ...events.status() }, 'lake follower: first sync done');
  else logger.error({ lake: where }, 'lake follower: first sync failed; retrying every lake.syncIntervalMs');
  events.start();
  failed.start();
  let query: QueryEngine;
  try {
    query = await createQueryEngine({
      snapshots: events,
      tail: NO_TAIL,
      lakeDir: cacheDir,
      logger: logger.child({ stage: 'query' }),
      registry,
      ...queryEngineSettings(config, dataDir),
      tables: [{ table: FAILED_TABLE, snapshots: failed, tail: NO_TAIL }],
    });
  } catch (err) {
    await Promise.all([events.stop(), failed.stop()]);
    throw err;
  }
  // Until the first sync succeeds the snapshot answers 503, and the rollup keeper retries every 30 s.
  query.rollup?.start();
  return {
    query,
    events,
    failed,
    health: () => ({
      mode: 'lake-follower',
      lake: { source: where, syncIntervalMs: config.lake.syncIntervalMs, events: events.status(), failed_events: failed.status() },
    }),
    async close() {
      await Promise.all([events.stop(), failed.stop()]);
      await query.close();
    },
  };
}
