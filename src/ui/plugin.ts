// The only Node module of the dashboard (src/ui/app/ is the browser app, built by scripts/build-ui.mjs into
// dist/ui/): a Fastify plugin serving it.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClicklakeError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';

/**
 * The dashboard at `/` (a Fastify plugin).
 *
 * - `GET /` (every view: the view, site, range and filters are in the query string) serves index.html with
 *   `Cache-Control: no-cache` to a logged-in user; anyone else is redirected to `/login?next=<path and query>`.
 * - `GET /login` serves the same page (the app shows the login form there) without authentication.
 * - `GET /ui/assets/<name>-<hash>.<ext>`: the hashed bundles, cached for a year (`immutable`); public, since the
 *   login page needs them and they hold no data.
 * - HTML is sent with a strict Content-Security-Policy: scripts and styles only from this origin, no inline script.
 *
 * Who is logged in is not decided here: `authenticate` comes from the composition root (the dashboard auth).
 * When the app is not built, these routes answer 404 with a hint and the server still starts.
 */
export const UI_DIR = fileURLToPath(new URL('../../../dist/ui/', import.meta.url));

export const UI_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "font-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

export const ASSET_PREFIX = '/ui/assets/';
export const ASSET_CACHE = 'public, max-age=31536000, immutable';

export interface UiPluginOptions {
  /** True when the request carries a valid dashboard session (or admin token). */
  readonly authenticate: (request: FastifyRequest) => boolean | Promise<boolean>;
  /** Where the built app is (index.html and assets/). Default UI_DIR. */
  readonly dir?: string;
  readonly logger?: Logger;
}

interface File {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.woff2': 'font/woff2',
};

function load(path: string): File | null {
  const ext = /\.[a-z0-9]+$/.exec(path)?.[0] ?? '';
  const type = TYPES[ext];
  if (!type) return null;
  try {
    const body = readFileSync(path);
    return { body, type, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
  } catch {
    return null;
  }
}

function notFound(reply: FastifyReply, message: string) {
  return reply.code(404).send(new ClicklakeError('CLK_ERR_NOT_FOUND', message).toJSON());
}

/** `/login?next=<path>`, for a request that needs a login. */
export function loginRedirect(url: string): string {
  const path = url.startsWith('/') && !url.startsWith('//') ? url : '/';
  return path === '/' ? '/login' : `/login?next=${encodeURIComponent(path)}`;
}

export async function uiPlugin(app: FastifyInstance, opts: UiPluginOptions): Promise<void> {
  const dir = opts.dir ?? UI_DIR;
  const index = load(join(dir, 'index.html'));
  const assets = new Map<string, File>();
  try {
    for (const name of readdirSync(join(dir, 'assets'))) {
      const file = load(join(dir, 'assets', name));
      if (file) assets.set(name, file);
    }
  } catch {
    // not built: reported below
  }
  if (!index) opts.logger?.warn({ dir }, 'dashboard not built; / answers 404 (run npm run build)');

  const sendHtml = (request: FastifyRequest, reply: FastifyReply) => {
    if (!index) return notFound(reply, 'the dashboard is not built: run `npm run build`');
    reply
      .header('content-type', index.type)
      .header('cache-control', 'no-cache')
      .header('etag', index.etag)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', UI_CSP)
      .header('referrer-policy', 'same-origin')
      .header('x-frame-options', 'DENY');
    if (request.headers['if-none-match'] === index.etag) return reply.code(304).send();
    return reply.send(index.body);
  };

  app.get('/', async (request, reply) => {
    if (!(await opts.authenticate(request))) return reply.redirect(loginRedirect(request.url), 302);
    return sendHtml(request, reply);
  });
  app.get('/login', async (request, reply) => sendHtml(request, reply));

  app.get<{ Params: { file: string } }>(`${ASSET_PREFIX}:file`, async (request, reply) => {
    const file = assets.get(request.params.file);
    if (!file) return notFound(reply, `no dashboard asset ${request.params.file.slice(0, 100)}`);
    reply
      .header('content-type', file.type)
      .header('cache-control', ASSET_CACHE)
      .header('etag', file.etag)
      .header('x-content-type-options', 'nosniff');
    if (request.headers['if-none-match'] === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  });
}
