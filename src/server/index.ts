import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/ports.js';
import { createQueryEngine, type QueryEngine } from '../query/index.js';
import { createEnricher } from '../enrich/index.js';
import { resolveAdminToken } from './admin-token.js';
import { buildHttp } from './http.js';
import { lockDataDir } from './data-dir-lock.js';
import { FAILED_TABLE } from '../core/tables.js';
import { loadUserIdKey, pseudonymizeUserId } from '../core/pseudonym.js';
import { createDeadLetterSink } from '../deadletter/index.js';
import { openLocalPipelines } from './failed-pipeline.js';
import { forgetPerson, parseForgetRequest } from './forget.js';
import { lakeS3Client, openFollowerPipeline } from './follower-mode.js';
import { queryEngineSettings } from './query-settings.js';
import type { S3Client } from '@aws-sdk/client-s3';

export { loadConfig, type ConfigOverrides } from './config-loader.js';
export { openLakeReader } from './lake-reader.js';

/** Folders inside the data dir. */
export function dataLayout(dataDir: string) {
  const root = resolve(dataDir);
  return { root, spool: join(root, 'spool'), lake: join(root, 'lake'), tmp: join(root, 'tmp') };
}

export interface RunningClicklake {
  readonly url: string;
  readonly port: number;
  readonly adminToken: string;
  readonly adminTokenSource: 'config' | 'file' | 'generated';
  readonly adminTokenPath: string;
  readonly http: FastifyInstance;
  readonly query: QueryEngine;
  readonly logger: Logger;
  /** Graceful stop: refuse new requests, finish in-flight ones, flush the writer, close everything. */
  stop(): Promise<void>;
}

/**
 * The one composition root: builds collector -> spool -> writer -> lake -> query from the config and starts HTTP.
 * Nothing here touches process signals or exit codes (the CLI does), so tests can start several in one process.
 */
export async function startClicklake(
  config: Config,
  opts: { logger?: Logger; /** lake.store "s3": the client to use (default: made from lake.s3) */ s3Client?: S3Client } = {},
): Promise<RunningClicklake> {
  const dirs = dataLayout(config.dataDir);
  await mkdir(dirs.tmp, { recursive: true });
  const logger: Logger = opts.logger ?? pino({ level: config.log.level, base: { app: 'clicklake' } });
  const lock = await lockDataDir(dirs.root);
  // Whatever was opened is closed again if a later step fails, newest first.
  const opened: (() => Promise<void>)[] = [() => lock.release()];
  const undo = async () => {
    for (const close of opened.reverse()) await close().catch(() => undefined);
  };
  try {
    if (config.lake.store === 's3') return await assembleFollower(config, dirs, logger, opened, opts.s3Client);
    return await assemble(config, dirs, logger, opened);
  } catch (err) {
    await undo();
    throw err;
  }
}

async function assemble(
  config: Config,
  dirs: ReturnType<typeof dataLayout>,
  logger: Logger,
  opened: (() => Promise<void>)[],
): Promise<RunningClicklake> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clicklake_' });
  const token = await resolveAdminToken(dirs.root, config.adminToken);
  const { spool, writer, failed } = await openLocalPipelines(config, dirs, logger, opened, registry);
  const query = await createQueryEngine({
    snapshots: { current: async () => writer.snapshot() },
    tail: spool,
    lakeDir: dirs.lake,
    logger: logger.child({ stage: 'query' }),
    registry,
    ...queryEngineSettings(config, dirs.root),
    tables: [{ table: FAILED_TABLE, snapshots: { current: async () => failed.writer.snapshot() }, tail: failed.spool }],
  });
  opened.push(() => query.close());
  await writer.recover();
  writer.start();
  query.rollup?.start(); // after recovery: the snapshot it reads is the lake's
  await failed.writer.recover();
  failed.writer.start();
  // forget (POST /api/admin/forget): stored user_ids are pseudonyms when privacy.pseudonymizeUserId is on.
  const userIdKey = config.privacy.pseudonymizeUserId ? await loadUserIdKey(dirs.root, config.privacy.userIdKey) : null;
  const forgetDeps = {
    events: writer,
    failed: failed.writer,
    pseudonym: userIdKey === null ? null : (id: string) => pseudonymizeUserId(userIdKey, id),
  };

  // Enrichment and privacy rules of /collect (docs/enrichment.md): opens the geo database once (~0.2 s).
  const enricher = await createEnricher({
    collector: config.collector,
    enrichment: config.enrichment,
    privacy: config.privacy,
    dataDir: dirs.root,
  });

  const http = await buildHttp({
    config,
    enricher,
    logger,
    registry,
    buffer: spool,
    ...(config.deadLetter.enabled ? { deadLetters: createDeadLetterSink(failed.spool) } : {}),
    forget: (body: unknown) => forgetPerson(forgetDeps, parseForgetRequest(body)),
    query,
    adminToken: token.token,
    health: () => {
      const s = spool.stats();
      return { spool: { bytes: s.bytes, segments: s.segments, pendingRecords: s.pendingRecords } };
    },
  });
  opened.push(() => http.close());
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${port}`;

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: no new requests, finishing in-flight ones');
      await http.close();
      await writer.stop(); // final flush: the spool must still be open for it
      await spool.close();
      await failed.writer.stop();
      await failed.spool.close();
      await query.close();
      await opened[0]!(); // the data dir lock
      logger.info('stopped');
    })());

  return {
    url,
    port,
    adminToken: token.token,
    adminTokenSource: token.source,
    adminTokenPath: token.path,
    http,
    query,
    logger,
    stop,
  };
}

/**
 * lake.store "s3": a read-only lake follower (docs/aws.md). No collector, spool, writer or enricher: the query engine
 * reads snapshots of the S3 lake copied into a local cache (server/follower-mode.ts); POST /collect answers
 * CLK_ERR_COLLECT_DISABLED and /api/admin/forget does not exist (the lake is written elsewhere).
 */
async function assembleFollower(
  config: Config,
  dirs: ReturnType<typeof dataLayout>,
  logger: Logger,
  opened: (() => Promise<void>)[],
  s3Client: S3Client | undefined,
): Promise<RunningClicklake> {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'clicklake_' });
  const token = await resolveAdminToken(dirs.root, config.adminToken);
  const client = s3Client ?? lakeS3Client(config.lake.s3);
  if (s3Client === undefined) opened.push(async () => client.destroy());
  const lake = await openFollowerPipeline(config, dirs.root, logger, registry, client);
  opened.push(() => lake.close());
  const http = await buildHttp({ config, logger, registry, query: lake.query, adminToken: token.token, health: lake.health });
  opened.push(() => http.close());
  await http.listen({ port: config.port, host: config.host });
  const address = http.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' || config.host === '::' ? 'localhost' : config.host;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      logger.info('stopping: no new requests, finishing in-flight ones');
      for (const close of [...opened].reverse()) await close().catch((err: unknown) => logger.warn({ err }, 'close failed'));
      logger.info('stopped');
    })());
  return {
    url: `http://${shownHost}:${port}`,
    port,
    adminToken: token.token,
    adminTokenSource: token.source,
    adminTokenPath: token.path,
    http,
    query: lake.query,
    logger,
    stop,
  };
}
