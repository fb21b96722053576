import type { FastifyInstance } from 'fastify';
import { ClicklakeError } from '../core/errors.js';
import type { LiveEvent, LiveHub } from './live.js';
import { toSearchParams } from './params.js';

/**
 * GET /api/realtime/stream?site=<id>: the live event feed as Server-Sent Events (docs/dashboard-api.md,
 * "Live event stream"). Messages:
 *   event: ready   data: {"site": ...}            once the feed is live (events acknowledged from now on arrive)
 *   event: event   id: <event_id>  data: LiveEvent one per event, in received_at order
 *   : ping                                          a comment every HEARTBEAT_MS, so proxies keep the connection
 * The response is never cached or buffered (Cache-Control: no-store, X-Accel-Buffering: no). A client that reads
 * too slowly (more than MAX_BUFFERED_BYTES waiting) is disconnected; EventSource reconnects by itself.
 */
export const HEARTBEAT_MS = 15_000;
export const MAX_STREAMS = 100;
const MAX_BUFFERED_BYTES = 1024 * 1024;
const MAX_SITE_CHARS = 128;

export interface StreamRoutesOptions {
  readonly live: LiveHub;
  readonly heartbeatMs?: number;
  /** Most streams open at once (default MAX_STREAMS). */
  readonly maxStreams?: number;
}

function frame(event: LiveEvent): string {
  // JSON text has no raw line breaks, so one `data:` line holds it; the id is cut to a bounded, line-free string.
  return `id: ${event.event_id.replace(/[\r\n]/g, '')}\nevent: event\ndata: ${JSON.stringify(event)}\n\n`;
}

export async function streamRoutes(app: FastifyInstance, options: StreamRoutesOptions): Promise<void> {
  const heartbeatMs = options.heartbeatMs ?? HEARTBEAT_MS;
  const maxStreams = options.maxStreams ?? MAX_STREAMS;
  const open = new Set<() => void>();

  // SSE connections never end by themselves: close them before the server waits for its connections.
  app.addHook('preClose', async () => {
    for (const end of [...open]) end();
    await options.live.close();
  });

  app.get('/api/realtime/stream', async (request, reply) => {
    const i = request.url.indexOf('?');
    const params = toSearchParams(i < 0 ? '' : request.url.slice(i + 1));
    for (const key of params.keys()) {
      if (key !== 'site') throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `${key.slice(0, 60)}: unknown parameter (allowed: site)`);
    }
    const sites = params.getAll('site');
    if (sites.length !== 1 || sites[0] === '') throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'site: required once');
    const site = sites[0]!;
    if (site.length > MAX_SITE_CHARS) throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `site: longer than ${MAX_SITE_CHARS} characters`);
    if (open.size >= maxStreams) throw new ClicklakeError('CLK_ERR_TOO_MANY_STREAMS', `at most ${maxStreams} live streams at once`, { retryAfter: 5 });

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    res.write('retry: 3000\n: connected\n\n');

    let ended = false;
    const write = (text: string) => {
      if (ended) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) {
        end();
        return;
      }
      res.write(text);
    };
    const subscription = options.live.subscribe(site, (events) => {
      for (const event of events) write(frame(event));
    });
    const heartbeat = setInterval(() => write(': ping\n\n'), heartbeatMs);
    function end(): void {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      subscription.unsubscribe();
      open.delete(end);
      res.end();
    }
    open.add(end);
    res.on('close', end);
    res.on('error', end);
    void subscription.ready.then(() => write(`event: ready\ndata: ${JSON.stringify({ site })}\n\n`));
  });
}
