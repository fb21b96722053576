import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import type { Logger, ObjectStore } from '../core/ports.js';
import { FAILED_TABLE } from '../core/tables.js';
import { createLocalStore } from '../store/local/index.js';
import { createSpool, type Spool } from '../buffer/spool/index.js';
import { createWriter, type Writer } from '../writer/index.js';

const MiB = 1024 * 1024;

/**
 * The dead-letter pipeline (docs/data-quality.md): a second spool (`<dataDir>/spool-failed`, metrics
 * clicklake_failed_spool_*) and a second writer for the table failed_events (own manifest, own scratch dir,
 * metrics clicklake_failed_writer_*, retention.failedDays). Smaller bounds than the event spool: dead letters are
 * diagnostics, and a flood of bad requests must not take the disk the events need.
 */
export async function openFailedPipeline(
  config: Config,
  root: string,
  store: ObjectStore,
  logger: Logger,
  registry?: Registry,
): Promise<{ spool: Spool; writer: Writer }> {
  const spool = await createSpool({
    dir: join(root, 'spool-failed'),
    segmentBytes: Math.min(config.spool.segmentBytes, 1 * MiB),
    maxBytes: Math.max(64 * 1024, Math.min(config.spool.maxBytes, 256 * MiB)), // 256 MiB at most
    retryAfterSeconds: config.spool.retryAfterSeconds,
    logger: logger.child({ stage: 'spool', table: FAILED_TABLE.name }),
    metricsPrefix: 'failed_',
    ...(registry === undefined ? {} : { registry }),
  });
  const writer = createWriter({
    ...config.writer,
    table: FAILED_TABLE,
    buffer: spool,
    store,
    tmpDir: join(root, 'tmp', 'writer-failed'),
    logger: logger.child({ stage: 'writer', table: FAILED_TABLE.name }),
    retentionDays: config.retention.failedDays,
    duckdbThreads: 1,
    ...(registry === undefined ? {} : { registry }),
  });
  return { spool, writer };
}

/** The event and dead-letter pipelines of a local data dir, as the server and `clicklake forget` open them. */
export interface LocalPipelines {
  readonly spool: Spool;
  readonly store: ObjectStore;
  readonly writer: Writer;
  readonly failed: { readonly spool: Spool; readonly writer: Writer };
}

/**
 * Opens the event spool, the local lake store, the event writer and the dead-letter pipeline of `dirs`, without
 * recovering or starting the writers. Each opened piece pushes its closer onto `opened` (close them newest first).
 */
export async function openLocalPipelines(
  config: Config,
  dirs: { readonly root: string; readonly spool: string; readonly lake: string; readonly tmp: string },
  logger: Logger,
  opened: (() => Promise<void>)[],
  registry?: Registry,
): Promise<LocalPipelines> {
  const metrics = registry === undefined ? {} : { registry };
  const spool = await createSpool({
    dir: dirs.spool,
    segmentBytes: config.spool.segmentBytes,
    maxBytes: config.spool.maxBytes,
    retryAfterSeconds: config.spool.retryAfterSeconds,
    logger: logger.child({ stage: 'spool' }),
    ...metrics,
  });
  opened.push(() => spool.close());
  const store = createLocalStore(dirs.lake);
  const writer = createWriter({
    buffer: spool,
    store,
    tmpDir: join(dirs.tmp, 'writer'),
    logger: logger.child({ stage: 'writer' }),
    ...metrics,
    ...config.writer,
    ...(config.retention.days === undefined ? {} : { retentionDays: config.retention.days }),
  });
  opened.push(() => writer.stop());
  // Dead letters (docs/data-quality.md): their own spool and writer, table failed_events.
  const failed = await openFailedPipeline(config, dirs.root, store, logger, registry);
  opened.push(() => failed.spool.close());
  opened.push(() => failed.writer.stop());
  return { spool, store, writer, failed };
}
