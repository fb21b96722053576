import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { ClicklakeError } from '../core/errors.js';
import type { Logger } from '../core/ports.js';
import { trackerAsset } from '../tracker/serve.js';

/**
 * The demo shop at `/demo/` (a Fastify plugin): the single-page app built by scripts/build-tracker.mjs into
 * dist/demo/ (index.html, app.js, style.css). Every path under /demo/ that is not a file gets index.html, so deep
 * links and reloads work; the app routes on the client. The page loads the tracker from this server's versioned
 * URL (/tracker.<hash>.js) with site id `demo`.
 *
 * Served with a strict Content-Security-Policy (no inline script or style), which the tracker must live with too.
 * When the demo is not built, /demo/ answers 404 with a hint and the server still starts.
 */
export const DEMO_DIR = fileURLToPath(new URL('../../../dist/demo/', import.meta.url));

export const DEMO_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
  "base-uri 'none'; form-action 'self'; frame-ancestors 'none'; object-src 'none'";

export interface DemoPluginOptions {
  /** Where index.html, app.js and style.css are. Default DEMO_DIR. */
  readonly dir?: string;
  /** The tracker's src in the page. Default: the versioned URL of the built tracker, else /tracker.js. */
  readonly trackerSrc?: string;
  readonly logger?: Logger;
}

interface File {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
}

const TYPES: Record<string, string> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'style.css': 'text/css; charset=utf-8',
};

function load(dir: string, name: string, trackerSrc: string): File | null {
  try {
    let text = readFileSync(dir + name, 'utf8');
    if (name === 'index.html') text = text.replaceAll('{{TRACKER_SRC}}', trackerSrc);
    const body = Buffer.from(text);
    return { body, type: TYPES[name], etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"` };
  } catch {
    return null;
  }
}

export async function demoPlugin(app: FastifyInstance, opts: DemoPluginOptions): Promise<void> {
  const dir = opts.dir ?? DEMO_DIR;
  const trackerSrc = opts.trackerSrc ?? trackerAsset()?.versionedPath ?? '/tracker.js';
  const files = new Map(Object.keys(TYPES).map((name) => [name, load(dir, name, trackerSrc)]));
  if ([...files.values()].some((f) => f === null)) {
    opts.logger?.warn({ dir }, 'demo shop not built; /demo/ answers 404 (run npm run build)');
  }

  const send = (reply: FastifyReply, name: string, ifNoneMatch: string | undefined) => {
    const file = files.get(name);
    if (!file) throw new ClicklakeError('CLK_ERR_NOT_FOUND', 'the demo shop is not built: run `npm run build`');
    reply
      .header('content-type', file.type)
      .header('cache-control', 'no-cache')
      .header('etag', file.etag)
      .header('x-content-type-options', 'nosniff');
    if (name === 'index.html') {
      reply.header('content-security-policy', DEMO_CSP).header('referrer-policy', 'strict-origin-when-cross-origin');
    }
    if (ifNoneMatch === file.etag) return reply.code(304).send();
    return reply.send(file.body);
  };

  app.get('/demo', (_request, reply) => reply.redirect('/demo/', 301));
  app.get('/demo/app.js', (request, reply) => send(reply, 'app.js', request.headers['if-none-match']));
  app.get('/demo/style.css', (request, reply) => send(reply, 'style.css', request.headers['if-none-match']));
  app.get('/demo/*', (request, reply) => send(reply, 'index.html', request.headers['if-none-match']));
}
