// The only Node module in src/tracker/ (excluded from the browser build, see tsconfig.json here): a Fastify plugin
// serving the built script (dist/tracker/tracker.js, made by scripts/build-tracker.mjs).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClicklakeError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';

/**
 * `GET /tracker.js` and `GET /tracker.<hash>.js`.
 *
 * - The versioned URL (`/tracker.<hash>.js`, hash = the first 12 hex digits of the script's SHA-256) never changes
 *   content, so it is cached for a year (`immutable`). Use it in production pages. The URL of another version (a
 *   page tagged before an upgrade) still works: it gets the current script with the short cache.
 * - `/tracker.js` is an alias with a short cache (5 min), so pages that use it pick up a new version soon.
 * - Both send `ETag: "<hash>"` (also the version: `curl -sI HOST/tracker.js` shows which one is served) and answer
 *   `If-None-Match` with 304; gzip is sent to clients that accept it (`Vary: Accept-Encoding`);
 *   `Content-Type: text/javascript`, `nosniff`; CORS `*` and `Cross-Origin-Resource-Policy: cross-origin` so sites
 *   may load it with Subresource Integrity (crossorigin) or under COEP.
 * - When dist/tracker/tracker.js is missing (the build did not run), both answer 404 CLK_ERR_NOT_FOUND saying so,
 *   and the server still starts.
 */
export interface TrackerAsset {
  readonly body: Buffer;
  readonly gzip: Buffer;
  readonly hash: string;
  /** `/tracker.<hash>.js` */
  readonly versionedPath: string;
}

/** dist/tracker/tracker.js, found from this module in dist/src/tracker/ (any outDir next to dist/ works too). */
export const TRACKER_FILE = fileURLToPath(new URL('../../../dist/tracker/tracker.js', import.meta.url));

export const SHORT_CACHE = 'public, max-age=300'; // /tracker.js: 5 min
export const LONG_CACHE = 'public, max-age=31536000, immutable'; // /tracker.<hash>.js: 1 year

const assets = new Map<string, TrackerAsset | null>();

/** The built script, read and compressed once per file; null when it is missing. */
export function trackerAsset(file = TRACKER_FILE): TrackerAsset | null {
  if (!assets.has(file)) {
    let asset: TrackerAsset | null = null;
    try {
      const body = readFileSync(file);
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 12);
      asset = { body, gzip: gzipSync(body, { level: 9 }), hash, versionedPath: `/tracker.${hash}.js` };
    } catch {
      asset = null;
    }
    assets.set(file, asset);
  }
  return assets.get(file)!;
}

export interface TrackerPluginOptions {
  /** Default: trackerAsset() (dist/tracker/tracker.js). */
  readonly asset?: TrackerAsset | null;
  readonly logger?: Logger;
}

export async function trackerPlugin(app: FastifyInstance, opts: TrackerPluginOptions): Promise<void> {
  const asset = opts.asset === undefined ? trackerAsset() : opts.asset;
  if (asset === null) opts.logger?.warn({ file: TRACKER_FILE }, 'tracker script not built; GET /tracker.js answers 404 (run npm run build)');

  const send = (request: FastifyRequest, reply: FastifyReply, cache: string) => {
    if (asset === null) throw new ClicklakeError('CLK_ERR_NOT_FOUND', 'the tracker script is not built: run `npm run build`');
    const etag = `"${asset.hash}"`;
    reply
      .header('content-type', 'text/javascript; charset=utf-8')
      .header('cache-control', cache)
      .header('etag', etag)
      .header('vary', 'Accept-Encoding')
      .header('x-content-type-options', 'nosniff')
      .header('access-control-allow-origin', '*')
      .header('cross-origin-resource-policy', 'cross-origin');
    const inm = request.headers['if-none-match'];
    if (inm !== undefined && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
      return reply.code(304).send();
    }
    if (/\bgzip\b/i.test(request.headers['accept-encoding'] ?? '')) {
      return reply.header('content-encoding', 'gzip').send(asset.gzip);
    }
    return reply.send(asset.body);
  };

  app.get('/tracker.js', (request, reply) => send(request, reply, SHORT_CACHE));
  // Another version's URL (a page not updated since an upgrade) gets today's script with the short cache.
  app.get<{ Params: { hash: string } }>('/tracker.:hash(^[0-9a-f]{12}).js', (request, reply) =>
    send(request, reply, request.params.hash === asset?.hash ? LONG_CACHE : SHORT_CACHE),
  );
}
