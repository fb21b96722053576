import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { toHttpError } from '../core/http-errors.js';
import { lakeRow, silentLogger } from '../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../test/helpers/stats-lake.js';
import { createLiveHub, type LiveHub } from './live.js';
import { streamRoutes } from './stream.js';

/** Reads an SSE response as text; `until` waits until everything received so far matches (or the timeout). */
function sse(res: Response) {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let text = '';
  return {
    async until(pattern: RegExp, timeoutMs = 3000): Promise<string> {
      const deadline = Date.now() + timeoutMs;
      while (!pattern.test(text)) {
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`timed out waiting for ${pattern}; got ${JSON.stringify(text)}`);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<{ done: true; value: undefined }>((r) => (timer = setTimeout(() => r({ done: true, value: undefined }), left)));
        const { value, done } = await Promise.race([reader.read(), timeout]);
        clearTimeout(timer);
        if (done) {
          if (Date.now() >= deadline) continue;
          throw new Error(`stream ended; got ${JSON.stringify(text)}`);
        }
        text += value;
      }
      return text;
    },
  };
}

describe('GET /api/realtime/stream (SSE over a socket)', () => {
  let lake: StatsLake;
  let hub: LiveHub;
  let app: FastifyInstance;
  let url: string;

  before(async () => {
    lake = await openStatsLake([]);
    hub = createLiveHub({ sql: lake.engine, logger: silentLogger, intervalMs: 50 });
    app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      const mapped = toHttpError(err);
      if (mapped.retryAfter !== undefined) void reply.header('Retry-After', String(mapped.retryAfter));
      void reply.code(mapped.status).send(mapped.body);
    });
    await app.register(streamRoutes, { live: hub, heartbeatMs: 50, maxStreams: 1 });
    url = await app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(async () => {
    await app.close();
    await lake.close();
  });

  it('sends ready, events as id/event/data frames and heartbeats; one stream too many is a 503', async () => {
    const abort = new AbortController();
    const res = await fetch(`${url}/api/realtime/stream?site=s`, { signal: abort.signal });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('x-accel-buffering'), 'no');
    const stream = sse(res);
    const head = await stream.until(/event: ready\n/);
    assert.match(head, /^retry: 3000\n/);

    const busy = await fetch(`${url}/api/realtime/stream?site=s`);
    assert.equal(busy.status, 503);
    assert.equal(busy.headers.get('retry-after'), '5');
    assert.equal(((await busy.json()) as { error: { code: string } }).error.code, 'CLK_ERR_TOO_MANY_STREAMS');

    const now = new Date().toISOString();
    // Visitor text with line breaks and markup: it must stay inside one data line, as JSON.
    lake.tail.append(lakeRow({ event_id: 'ev-1', site_id: 's', ts: now, received_at: now, event_type: 'click', element_text: 'a\n\nevent: fake\r\n<b>' }));
    const body = await stream.until(/data: \{"event_id":"ev-1".*\n\n[\s\S]*: ping\n\n/);
    const frame = /id: ev-1\nevent: event\ndata: (.*)\n\n/.exec(body);
    assert.ok(frame, body);
    assert.equal(JSON.parse(frame[1]!).text, 'a\n\nevent: fake\r\n<b>');
    assert.doesNotMatch(body, /^event: fake/m);

    abort.abort();
    const deadline = Date.now() + 2000;
    while (hub.activeSites().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(hub.activeSites(), [], 'the poller stops when the client disconnects');
    assert.equal(hub.listenerCount(), 0);

    // The slot is free again; the server closes a stream that is still open when it shuts down.
    const again = await fetch(`${url}/api/realtime/stream?site=s`);
    assert.equal(again.status, 200);
    await sse(again).until(/event: ready\n/);
    const started = Date.now();
    await app.close();
    assert.ok(Date.now() - started < 5000);
    assert.deepEqual(hub.activeSites(), []);
  });
});
