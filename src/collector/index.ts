import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import type { Config } from '../core/config.js';
import { ClicklakeError, type ErrorCode } from '../core/errors.js';
import { toHttpError } from '../core/http-errors.js';
import type { DeadLetterSink, Enricher, EventBuffer, Logger } from '../core/ports.js';
import { createDeadLetterMetrics, eventDeadLetter, requestDeadLetter, storeDeadLetters } from './dead-letters.js';
import { createCollectorMetrics } from './metrics.js';
import { compileOriginPolicy } from './origins.js';
import { createSeqGapTracker } from './seq-gaps.js';
import { checkContentTypeCharset, normalizeBatch, parseBatch } from './protocols/native/index.js';

/**
 * The collector's HTTP face: `POST /collect` (native protocol) and its CORS preflight, as a Fastify plugin.
 *
 * Design constraints:
 * - A 200 means every accepted event is durable: it is sent only after `buffer.append(rows)` resolved. When append
 *   rejects, the answer is 503 + Retry-After and nothing of the request is acknowledged (the client resends all;
 *   event_id lets the lake deduplicate).
 * - A request refused as a whole (4xx/5xx `{"error":...}`) appends nothing. Per-event problems are listed in the
 *   200 answer (`rejected`) and the other events are kept.
 * - Register it WITHOUT fastify-plugin: its content-type parsers (raw bytes for application/json and text/plain)
 *   and its error handler must stay inside this encapsulated context.
 */
export interface CollectorPluginOptions {
  /** Where accepted rows go; `append` resolves only when they are durable. */
  readonly buffer: Pick<EventBuffer, 'append'>;
  readonly collector: Config['collector'];
  readonly sites: Config['sites'];
  /** Epoch ms; stamps received_at. Default Date.now. */
  readonly clock?: () => number;
  /** Makes event_id for events without one. Default crypto.randomUUID. */
  readonly newId?: () => string;
  /** Where the clicklake_collector_* metrics are registered. Default: a private Registry. */
  readonly registry?: Registry;
  readonly logger?: Logger;
  /**
   * Enrichment and privacy rules (the Enricher port; the composition root passes src/enrich's). Absent: rows keep
   * their enrichment columns NULL, and no bot is dropped.
   */
  readonly enricher?: Enricher;
  /**
   * Where refused events and requests go (dead-letters.ts, docs/data-quality.md); absent: they are only answered
   * and counted. `deadLetterMaxPayloadBytes` bounds the payload kept per dead letter (config deadLetter.*).
   */
  readonly deadLetters?: DeadLetterSink;
  readonly deadLetterMaxPayloadBytes?: number;
  /**
   * Fastify log level of the /collect routes (default 'warn'): at thousands of requests per second Fastify's
   * per-request 'incoming request' / 'request completed' info lines cost more than the request. Errors still log.
   */
  readonly requestLogLevel?: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export interface CollectResponse {
  accepted: number;
  rejected: { index: number; code: ErrorCode; message: string }[];
}

/** Seconds a client should wait when the buffer failed without saying how long. */
const DEFAULT_RETRY_AFTER_S = 5;
/** Preflight cache; browsers cap it (Chrome: 7200 s, Firefox: 86400 s). */
const PREFLIGHT_MAX_AGE_S = 86_400;

const responseSchema = {
  200: {
    type: 'object',
    properties: {
      accepted: { type: 'integer' },
      rejected: {
        type: 'array',
        items: {
          type: 'object',
          properties: { index: { type: 'integer' }, code: { type: 'string' }, message: { type: 'string' } },
        },
      },
    },
  },
} as const;

export async function collectorPlugin(app: FastifyInstance, opts: CollectorPluginOptions): Promise<void> {
  const clock = opts.clock ?? Date.now;
  const newId = opts.newId ?? randomUUID;
  const limits = opts.collector;
  const policy = compileOriginPolicy(opts.sites);
  const metrics = createCollectorMetrics(opts.registry ?? new Registry());
  const registry = opts.registry ?? new Registry();
  const deadLetterMetrics = createDeadLetterMetrics(registry);
  const seqGaps = createSeqGapTracker(registry);
  const maxPayload = opts.deadLetterMaxPayloadBytes ?? 4096;

  /** CORS on every /collect answer (including errors, so a tracker can read a 503 and its Retry-After). */
  function cors(request: FastifyRequest, reply: FastifyReply): void {
    const origin = request.headers.origin;
    reply.header('vary', 'Origin');
    if (origin !== undefined && policy.allowsAnySite(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-expose-headers', 'Retry-After');
    }
  }

  // Bodies arrive as raw bytes: parseBody owns decompression, UTF-8 and JSON with the protocol's error codes.
  app.removeAllContentTypeParsers();
  const rawBytes = (request: FastifyRequest, body: Buffer, done: (err: Error | null, body?: unknown) => void): void => {
    try {
      checkContentTypeCharset(request.headers['content-type']);
      done(null, body);
    } catch (err) {
      done(err as Error);
    }
  };
  const parserOptions = { parseAs: 'buffer' as const, bodyLimit: limits.maxBodyBytes };
  app.addContentTypeParser('application/json', parserOptions, rawBytes);
  app.addContentTypeParser('text/plain', parserOptions, rawBytes);

  app.setErrorHandler(async (err, request, reply) => {
    const answer = toHttpError(err);
    if (answer.status >= 500) {
      const level = answer.status === 503 ? 'warn' : 'error';
      const log = opts.logger ?? (request.log as unknown as Logger);
      log[level]({ err, code: answer.body.error.code, url: request.url }, 'collect request failed');
    }
    if (opts.deadLetters !== undefined && request.method === 'POST' && answer.status >= 400 && answer.status < 500) {
      // A request refused as a whole: keep what was read of its body (nothing when refused before reading it).
      const body = request.body instanceof Uint8Array ? request.body : undefined;
      const declared = Number(request.headers['content-length']);
      const record = requestDeadLetter(
        body,
        Number.isSafeInteger(declared) ? declared : null,
        answer.body.error.code,
        answer.body.error.message,
        requestContext(request, clock()),
        maxPayload,
        newId,
      );
      await storeDeadLetters(opts.deadLetters, [record], deadLetterMetrics, opts.logger);
    }
    cors(request, reply);
    if (answer.retryAfter !== undefined) reply.header('retry-after', String(answer.retryAfter));
    return reply.code(answer.status).send(answer.body);
  });

  function requestContext(request: FastifyRequest, receivedAt: number) {
    const ct = request.headers['content-type'];
    return { receivedAt, origin: request.headers.origin, userAgent: request.headers['user-agent'], contentType: ct };
  }

  app.addHook('onResponse', (_request, reply, done) => {
    metrics.requests.inc({ status: String(reply.statusCode) });
    metrics.duration.observe(reply.elapsedTime / 1000);
    done();
  });

  const logLevel = opts.requestLogLevel ?? 'warn';

  app.options('/collect', { logLevel }, async (request, reply) => {
    cors(request, reply);
    reply.header('access-control-allow-methods', 'POST');
    reply.header('access-control-allow-headers', 'Content-Type, Content-Encoding');
    reply.header('access-control-max-age', String(PREFLIGHT_MAX_AGE_S));
    return reply.code(204).send();
  });

  // Only POST sends events; any other method on /collect says so (405 + Allow), as the Lambda adapter does.
  app.route({
    method: ['GET', 'HEAD', 'PUT', 'PATCH', 'DELETE'],
    url: '/collect',
    logLevel,
    handler: async (_request, reply) => {
      reply.header('allow', 'POST, OPTIONS');
      throw new ClicklakeError('CLK_ERR_METHOD_NOT_ALLOWED', 'send events with POST /collect');
    },
  });

  app.post(
    '/collect',
    { bodyLimit: limits.maxBodyBytes, logLevel, schema: { response: responseSchema } },
    async (request, reply): Promise<CollectResponse> => {
      const receivedAt = clock();
      const body = request.body;
      if (!(body instanceof Uint8Array)) throw new ClicklakeError('CLK_ERR_BAD_BODY', 'the body is empty');
      const { events, plain } = parseBatch(body, request.headers['content-encoding'], limits);
      metrics.received.inc(events.length);

      const { rows, kept, rejected, dropBotReason: dropBot } = normalizeBatch({
        events,
        plain,
        receivedAt,
        userAgent: request.headers['user-agent'],
        origin: request.headers.origin,
        newId,
        limits,
        sites: policy,
        enricher: opts.enricher,
        // The peer address and X-Forwarded-For go to the enricher only: never logged.
        peerAddress: request.socket.remoteAddress ?? null,
        forwardedFor: request.headers['x-forwarded-for'],
        headers: request.headers,
      });
      if (rejected.length > 0) countRejected(rejected);
      // Dead letters are stored alongside the good events; storeDeadLetters never rejects.
      let deadLettered: Promise<void> = Promise.resolve();
      if (rejected.length > 0 && opts.deadLetters !== undefined && dropBot === null) {
        const req = requestContext(request, receivedAt);
        const records = rejected.map((r) =>
          eventDeadLetter(events[r.index], r.index, r.code, r.message, req, maxPayload, newId),
        );
        deadLettered = storeDeadLetters(opts.deadLetters, records, deadLetterMetrics, opts.logger);
      }

      if (dropBot !== null) {
        // Answered like stored events, so the sender does not retry (and is not told it was classed as a bot).
        if (rows.length > 0) metrics.bots.inc({ reason: dropBot }, rows.length);
      } else if (rows.length > 0) {
        try {
          await opts.buffer.append(rows);
        } catch (err) {
          const refusal = bufferRefusal(err);
          metrics.rejected.inc({ code: refusal.code }, rows.length);
          await deadLettered;
          throw refusal;
        }
        metrics.accepted.inc(rows.length);
        for (const index of kept) seqGaps.observe(events[index]);
      }
      await deadLettered;
      cors(request, reply);
      return { accepted: rows.length, rejected };
    },
  );

  function countRejected(rejected: CollectResponse['rejected']): void {
    const byCode = new Map<ErrorCode, number>();
    for (const r of rejected) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
    for (const [code, n] of byCode) metrics.rejected.inc({ code }, n);
  }
}

/** The buffer's rejection as a 503 with a Retry-After, whatever it threw. */
function bufferRefusal(err: unknown): ClicklakeError {
  const seen = toHttpError(err);
  const code: ErrorCode = seen.status === 503 ? seen.body.error.code : 'CLK_ERR_BUFFER_UNAVAILABLE';
  return new ClicklakeError(code, undefined, { cause: err, retryAfter: seen.retryAfter ?? DEFAULT_RETRY_AFTER_S });
}
