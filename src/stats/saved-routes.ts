import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ClicklakeError } from '../core/errors.js';
import type { Clock, SqlRunner } from '../core/ports.js';
import { parseStatsQuery, toSearchParams, type StatsQuery } from './params.js';
import { parseFunnelDefinition, runFunnel, type FunnelDefinition } from './queries/funnel.js';
import type { Collection, SavedStore } from './store.js';

/**
 * Funnels and saved items (docs/dashboard-api.md, "Funnels", "Saved funnels and queries"):
 *   POST /api/stats/funnel                 body: common params + steps (+ windowSeconds) -> funnel result
 *   GET  /api/stats/funnel?id=<saved id>&site=...&from=...  -> the saved funnel's result
 *   GET/POST /api/funnels, GET/PUT/DELETE /api/funnels/:id       (name, steps, windowSeconds)
 *   GET/POST /api/saved-queries, GET/PUT/DELETE /api/saved-queries/:id   (name, sql)
 * Authentication is the enclosing scope's job.
 */
export interface SavedRoutesOptions {
  readonly sql: SqlRunner;
  readonly store: SavedStore;
  readonly clock?: Clock;
}

const MAX_ID_CHARS = 64;

/** The common parameters in a JSON body: the same names and forms as in the query string. */
const funnelBody = z.strictObject({
  site: z.string(),
  from: z.string().optional(),
  to: z.string().optional(),
  filter: z.union([z.string(), z.array(z.string()).max(100)]).optional(),
  steps: z.unknown(),
  windowSeconds: z.unknown().optional(),
});

function envelope(q: StatsQuery, data: unknown) {
  return { site: q.site, from: q.from, to: q.to, filters: q.filters.map((f) => ({ name: f.name, op: f.op, value: f.value })), data };
}

function rawQuery(request: FastifyRequest): URLSearchParams {
  const i = request.url.indexOf('?');
  return toSearchParams(i < 0 ? '' : request.url.slice(i + 1));
}

function idParam(request: FastifyRequest): string {
  const id = (request.params as { id?: unknown }).id;
  if (typeof id !== 'string' || id === '' || id.length > MAX_ID_CHARS) throw new ClicklakeError('CLK_ERR_NOT_FOUND', 'no such item');
  return id;
}

export async function savedRoutes(app: FastifyInstance, options: SavedRoutesOptions): Promise<void> {
  const { store, sql } = options;
  const clock = options.clock ?? Date.now;

  app.post('/api/stats/funnel', async (request, reply) => {
    const body = funnelBody.safeParse(request.body ?? {});
    if (!body.success) {
      const issue = body.error.issues[0];
      const where = issue?.path.length ? issue.path.map(String).join('.') : 'body';
      throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `${where}: ${issue?.message ?? 'invalid'} (body: {"site", "from", "to", "filter", "steps", "windowSeconds"})`);
    }
    const params = new URLSearchParams();
    for (const key of ['site', 'from', 'to'] as const) if (body.data[key] !== undefined) params.set(key, body.data[key]!);
    const filters = body.data.filter;
    for (const f of filters === undefined ? [] : Array.isArray(filters) ? filters : [filters]) params.append('filter', f);
    const q = parseStatsQuery(params, clock());
    const def = parseFunnelDefinition(body.data);
    void reply.header('Cache-Control', 'no-store');
    return envelope(q, await runFunnel(sql, q, def));
  });

  app.get('/api/stats/funnel', async (request, reply) => {
    const params = rawQuery(request);
    for (const key of new Set(params.keys())) {
      if (!['id', 'site', 'from', 'to', 'filter'].includes(key)) {
        throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `${key.slice(0, 60)}: unknown parameter (allowed: id, site, from, to, filter; POST a body to run unsaved steps)`);
      }
    }
    const ids = params.getAll('id');
    if (ids.length !== 1 || ids[0] === '') throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'id: required once (a saved funnel id)');
    const q = parseStatsQuery(params, clock());
    const saved = store.get('funnels', ids[0]!);
    const def: FunnelDefinition = { steps: saved.steps, windowSeconds: saved.windowSeconds };
    void reply.header('Cache-Control', 'no-store');
    return envelope(q, { id: saved.id, name: saved.name, ...(await runFunnel(sql, q, def)) });
  });

  const collections: [string, Collection][] = [
    ['/api/funnels', 'funnels'],
    ['/api/saved-queries', 'queries'],
  ];
  for (const [base, collection] of collections) {
    app.get(base, async (_request, reply) => {
      void reply.header('Cache-Control', 'no-store');
      return { data: store.list(collection) };
    });
    app.post(base, async (request, reply) => {
      const item = await store.create(collection, request.body);
      void reply.code(201).header('Location', `${base}/${encodeURIComponent(item.id)}`);
      return { data: item };
    });
    app.get(`${base}/:id`, async (request, reply) => {
      void reply.header('Cache-Control', 'no-store');
      return { data: store.get(collection, idParam(request)) };
    });
    app.put(`${base}/:id`, async (request) => ({ data: await store.update(collection, idParam(request), request.body) }));
    app.delete(`${base}/:id`, async (request, reply) => {
      await store.remove(collection, idParam(request));
      return reply.code(204).send();
    });
  }
}
