import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ClicklakeError } from '../core/errors.js';
import type { Clock, Logger, SqlRunner } from '../core/ports.js';
import { createLiveHub } from './live.js';
import { savedRoutes } from './saved-routes.js';
import { openSavedStore } from './store.js';
import { streamRoutes } from './stream.js';
import { parseStatsQuery, toSearchParams, type NamedQuery, type StatsQuery } from './params.js';
import { NAMED_QUERIES } from './queries/index.js';
import { ResultCache } from './cache.js';
import { DayPartials } from './partials.js';
import { runConsistent } from './consistent.js';

/**
 * The dashboard query API: one `GET` route per named query (queries/index.ts). The plugin parses the common
 * parameters, rejects unknown ones, runs the query and wraps the answer in the envelope
 * `{ site, from, to, filters, data }` (docs/dashboard-api.md). Authentication is the enclosing scope's job
 * (src/server/http.ts registers this plugin behind the /api auth hook).
 */
export interface StatsPluginOptions {
  readonly sql: SqlRunner;
  /** Defaults to NAMED_QUERIES. */
  readonly queries?: readonly NamedQuery[];
  readonly clock?: Clock;
  /** Result cache of the tiles that declare cacheDays; null: off. Default: a new ResultCache. */
  readonly cache?: ResultCache | null;
  /** Per-day partial results (partials.ts) of the tiles that combine exact per-day parts; null: off. Default: new. */
  readonly partials?: DayPartials | null;
  /** Where dashboards.json (saved funnels and queries) lives; without it the funnel and saved-item routes are off. */
  readonly dataDir?: string;
  /** For the live stream's poller and the saved-items store. */
  readonly logger?: Logger;
  /** collector.maxClockSkewMs (bounds the partitions the live stream's poller reads). */
  readonly maxClockSkewMs?: number;
}

const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => silentLogger };

export const COMMON_PARAMS = ['site', 'from', 'to', 'filter', 'limit'] as const;

function rejectUnknown(params: URLSearchParams, allowed: ReadonlySet<string>): void {
  for (const key of new Set(params.keys())) {
    if (!allowed.has(key)) {
      throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `${key.slice(0, 60)}: unknown parameter (allowed: ${[...allowed].join(', ') || 'none'})`);
    }
  }
}

function rawQuery(request: FastifyRequest): URLSearchParams {
  const i = request.url.indexOf('?');
  return i < 0 ? new URLSearchParams() : toSearchParams(request.url.slice(i + 1));
}

export async function statsPlugin(app: FastifyInstance, options: StatsPluginOptions): Promise<void> {
  const clock = options.clock ?? Date.now;
  const cache = options.cache === undefined ? new ResultCache() : options.cache;
  const fingerprint = options.sql.dataFingerprint?.bind(options.sql);
  const ctx = { partials: options.partials === undefined ? new DayPartials() : options.partials };

  /** Runs a named query, through the result cache when it declares its days and the runner can fingerprint them. */
  async function cached(named: NamedQuery, q: StatsQuery | null, params: URLSearchParams): Promise<unknown> {
    const run = () => runConsistent(options.sql, (sql) => named.run(sql, q as StatsQuery, params, ctx));
    if (cache === null || fingerprint === undefined || named.cacheDays === undefined) return run();
    const days = named.cacheDays(q);
    const version = await fingerprint(days.from, days.to);
    const extra = [...params.entries()].filter(([k]) => !(COMMON_PARAMS as readonly string[]).includes(k)).sort();
    return cache.get(JSON.stringify([named.name, q, extra, version]), run);
  }
  for (const named of options.queries ?? NAMED_QUERIES) {
    const usesCommon = named.common !== false;
    const allowed = new Set<string>([...(usesCommon ? COMMON_PARAMS : []), ...(named.extraParams ?? [])]);
    app.get(named.path, async (request, reply) => {
      // Parse the raw query string ourselves: repeated keys (filter=...&filter=...) keep their order.
      const params = rawQuery(request);
      rejectUnknown(params, allowed);
      void reply.header('Cache-Control', 'no-store');
      const q = usesCommon ? parseStatsQuery(params, clock()) : null;
      const data = await cached(named, q, params);
      if (q === null) return { data };
      return {
        site: q.site,
        from: q.from,
        to: q.to,
        filters: q.filters.map((f) => ({ name: f.name, op: f.op, value: f.value })),
        data,
      };
    });
  }
  // Live event stream (SSE), funnels and saved items: src/stats/stream.ts, saved-routes.ts.
  const logger = options.logger ?? silentLogger;
  const live = createLiveHub({ sql: options.sql, logger, clock, ...(options.maxClockSkewMs === undefined ? {} : { maxClockSkewMs: options.maxClockSkewMs }) });
  await app.register(streamRoutes, { live });
  if (options.dataDir !== undefined) {
    const store = await openSavedStore({ dir: options.dataDir, logger, clock });
    await app.register(savedRoutes, { sql: options.sql, store, clock });
  }
}
