import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ClicklakeError } from '../core/errors.js';
import { toHttpError } from '../core/http-errors.js';
import type { Logger, EventBuffer, Enricher, DeadLetterSink } from '../core/ports.js';
import type { Config } from '../core/config.js';
import { collectorPlugin } from '../collector/index.js';
import { formatResult, type QueryEngine } from '../query/index.js';
import { trackerPlugin } from '../tracker/serve.js';
import { demoPlugin } from '../demo/plugin.js';
import { uiPlugin } from '../ui/plugin.js';
import { statsPlugin } from '../stats/plugin.js';
import { createAuth, fastifyCookie } from '../auth/index.js';
import { bearerMatches } from './admin-token.js';
import { join, resolve } from 'node:path';

export interface HttpDeps {
  config: Config;
  logger: Logger;
  registry: Registry;
  /** Where /collect appends; absent: a read-only lake follower, /collect answers CLK_ERR_COLLECT_DISABLED. */
  buffer?: EventBuffer;
  query: QueryEngine;
  adminToken: string;
  /** Enrichment and privacy rules for /collect (src/enrich, made by the composition root); absent: none. */
  enricher?: Enricher;
  /** Readiness details for /healthz. */
  health: () => Record<string, unknown>;
  /** Where /collect stores refused events and requests (docs/data-quality.md); absent: not stored. */
  deadLetters?: DeadLetterSink;
  /** POST /api/admin/forget: the body as sent -> what was removed (server/forget.ts; docs/privacy.md). */
  forget?: (body: unknown) => Promise<unknown>;
}

const queryBody = z.strictObject({
  sql: z.string().min(1).max(100_000),
  maxRows: z.number().int().positive().optional(),
  /** "json" (default): the result object; "csv": RFC 4180 text for download (docs/http-api.md). */
  format: z.enum(['json', 'csv']).optional(),
});

/** The HTTP surface: /collect (public), /api/* (admin token), /healthz, /metrics. */
export async function buildHttp(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: deps.config.collector.maxBodyBytes,
    // Behind a proxy only when configured (the enrichment issue adds trusted proxies).
    trustProxy: false,
    return503OnClosing: true,
  });

  app.setErrorHandler((err, request, reply) => {
    const mapped = toHttpError(err);
    if (mapped.status >= 500) deps.logger.error({ err, url: request.url }, 'request failed');
    if (mapped.retryAfter !== undefined) reply.header('Retry-After', String(mapped.retryAfter));
    void reply.code(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const err = new ClicklakeError('CLK_ERR_NOT_FOUND', `no route for ${request.method} ${request.url.split('?')[0]}`);
    void reply.code(404).send(err.toJSON());
  });

  if (deps.buffer === undefined) {
    app.post('/collect', async () => {
      throw new ClicklakeError(
        'CLK_ERR_COLLECT_DISABLED',
        'This server is a read-only lake follower (lake.store "s3") and does not collect; send events to the collect API (docs/aws.md)',
      );
    });
  } else await app.register(collectorPlugin, {
    buffer: deps.buffer,
    collector: deps.config.collector,
    sites: deps.config.sites,
    registry: deps.registry,
    logger: deps.logger.child({ stage: 'collector' }),
    ...(deps.enricher === undefined ? {} : { enricher: deps.enricher }),
    ...(deps.deadLetters === undefined ? {} : { deadLetters: deps.deadLetters }),
    deadLetterMaxPayloadBytes: deps.config.deadLetter.maxPayloadBytes,
  });

  // GET /tracker.js (the browser tracker) and the demo shop at /demo/.
  await app.register(trackerPlugin, { logger: deps.logger });
  await app.register(demoPlugin, { logger: deps.logger });
  // Dashboard auth (docs/dashboard-api.md#authentication): the admin token or a session cookie from a login.
  const auth = await createAuth({
    auth: deps.config.auth,
    adminToken: deps.adminToken,
    secretsDir: join(resolve(deps.config.dataDir), 'secrets'),
    logger: deps.logger.child({ stage: 'auth' }),
  });
  await app.register(fastifyCookie); // at the root: every route can read the session cookie
  await app.register(auth.routes);
  // The dashboard at / (login at /login); who is logged in is decided by the dashboard auth.
  await app.register(uiPlugin, {
    authenticate: (request) => auth.authenticate(request) !== null,
    logger: deps.logger,
  });

  app.get('/healthz', async () => ({ status: 'ok', ...deps.health() }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', deps.registry.contentType);
    return deps.registry.metrics();
  });

  await app.register(async (api) => {
    api.addHook('onRequest', auth.requireAuth);
    api.post('/api/query', async (request, reply) => {
      const parsed = queryBody.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `body must be {"sql": "..."}: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim());
      }
      const asked = (request.query as { format?: unknown } | undefined)?.format ?? parsed.data.format ?? 'json';
      if (asked !== 'json' && asked !== 'csv') throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'format: must be json or csv');
      const result = await deps.query.query(parsed.data.sql, parsed.data.maxRows === undefined ? {} : { maxRows: parsed.data.maxRows });
      if (asked === 'json') return result;
      void reply
        .header('Content-Type', 'text/csv; charset=utf-8')
        .header('Content-Disposition', 'attachment; filename="query.csv"')
        .header('X-Clicklake-Truncated', String(result.truncated));
      return formatResult(result, 'csv');
    });
    // Right to be forgotten: removes one person's rows from the lake (docs/privacy.md).
    const forget = deps.forget;
    // Admin token only (a dashboard session is not enough to delete data).
    if (forget !== undefined) {
      api.post('/api/admin/forget', async (request) => {
        if (!bearerMatches(request.headers.authorization, deps.adminToken)) {
          throw new ClicklakeError('CLK_ERR_UNAUTHORIZED', 'send Authorization: Bearer <admin token>');
        }
        return forget(request.body);
      });
    }
    // The dashboard query API (/api/sites, /api/stats/*): docs/dashboard-api.md.
    await api.register(statsPlugin, {
      sql: deps.query,
      dataDir: deps.config.dataDir,
      logger: deps.logger.child({ stage: 'stats' }),
      maxClockSkewMs: deps.config.collector.maxClockSkewMs,
    });
  });

  return app;
}
