import Fastify, { type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { ClicklakeError } from '../core/errors.js';
import { toHttpError } from '../core/http-errors.js';
import type { Logger, EventBuffer } from '../core/ports.js';
import type { Config } from '../core/config.js';
import { collectorPlugin } from '../collector/index.js';
import type { QueryEngine } from '../query/index.js';
import { bearerMatches } from './admin-token.js';
import { trackerPlugin } from '../tracker/serve.js';
import { demoPlugin } from '../demo/plugin.js';

export interface HttpDeps {
  config: Config;
  logger: Logger;
  registry: Registry;
  buffer: EventBuffer;
  query: QueryEngine;
  adminToken: string;
  /** Readiness details for /healthz. */
  health: () => Record<string, unknown>;
}

const queryBody = z.strictObject({
  sql: z.string().min(1).max(100_000),
  maxRows: z.number().int().positive().optional(),
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

  await app.register(collectorPlugin, {
    buffer: deps.buffer,
    collector: deps.config.collector,
    sites: deps.config.sites,
    registry: deps.registry,
    logger: deps.logger.child({ stage: 'collector' }),
  });

  // GET /tracker.js (the browser tracker) and the demo shop at /demo/.
  await app.register(trackerPlugin, { logger: deps.logger });
  await app.register(demoPlugin, { logger: deps.logger });

  app.get('/healthz', async () => ({ status: 'ok', ...deps.health() }));

  app.get('/metrics', async (_request, reply) => {
    reply.header('Content-Type', deps.registry.contentType);
    return deps.registry.metrics();
  });

  await app.register(async (api) => {
    api.addHook('onRequest', async (request) => {
      if (!bearerMatches(request.headers.authorization, deps.adminToken)) {
        throw new ClicklakeError('CLK_ERR_UNAUTHORIZED', 'send Authorization: Bearer <admin token>');
      }
    });
    api.post('/api/query', async (request) => {
      const parsed = queryBody.safeParse(request.body);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `body must be {"sql": "..."}: ${issue?.path.join('.') || 'body'} ${issue?.message ?? ''}`.trim());
      }
      return deps.query.query(parsed.data.sql, parsed.data.maxRows === undefined ? {} : { maxRows: parsed.data.maxRows });
    });
  });

  return app;
}
