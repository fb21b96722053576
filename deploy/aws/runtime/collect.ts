import { randomUUID } from 'node:crypto';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { ClicklakeError, type ErrorCode } from '../../../src/core/errors.js';
import { toHttpError } from '../../../src/core/http-errors.js';
import type { Enricher, Logger } from '../../../src/core/ports.js';
import { compileOriginPolicy, type SiteOriginsConfig } from '../../../src/collector/origins.js';
import {
  checkContentTypeCharset,
  normalizeBatch,
  type NativeLimits,
  parseBatch,
} from '../../../src/collector/protocols/native/index.js';
import type { RowSink } from './dynamo-sink.js';

/**
 * `POST /collect` as an API Gateway HTTP API (payload format 2.0) Lambda handler: the same native-protocol code as
 * the embedded collector (src/collector/protocols/native: parseBatch, normalizeBatch, the
 * same limits and error codes), with DynamoDB as the durable buffer.
 *
 * Design constraints (as in src/collector/index.ts):
 * - 200 only after the sink resolved, i.e. DynamoDB accepted every item (unprocessed items retried). When the sink
 *   fails the answer is 503 + Retry-After and the client resends the whole batch (event_id deduplicates).
 * - A request refused as a whole (4xx) writes nothing; per-event problems are listed in the 200 answer.
 * - CORS (preflight and headers) is answered by the HTTP API's CORS configuration, not here; the per-site origin
 *   policy (config `sites`) is enforced here per event, as the embedded collector does.
 */

export interface CollectHandlerOptions {
  readonly sink: RowSink;
  readonly collector: NativeLimits;
  readonly sites: SiteOriginsConfig;
  /**
   * Enrichment and privacy rules: the Enricher port (src/core/ports.ts), implemented by src/enrich (the composition
   * root passes it). Absent: the enrichment columns stay NULL and no bot is dropped.
   */
  readonly enricher?: Enricher;
  readonly clock?: () => number;
  readonly newId?: () => string;
  readonly logger?: Pick<Logger, 'warn' | 'error'>;
}

export interface CollectAnswer {
  accepted: number;
  rejected: { index: number; code: ErrorCode; message: string }[];
}

/** Seconds a client should wait after a sink failure. */
const RETRY_AFTER_S = 5;
const MEDIA_TYPES = new Set(['application/json', 'text/plain']);

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

function bodyBytes(event: APIGatewayProxyEventV2): Uint8Array {
  if (event.body === undefined || event.body === null || event.body === '') {
    throw new ClicklakeError('CLK_ERR_BAD_BODY', 'the body is empty');
  }
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64') : Buffer.from(event.body, 'utf8');
}

function checkMediaType(contentType: string | undefined): void {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  if (type === undefined || !MEDIA_TYPES.has(type)) throw new ClicklakeError('CLK_ERR_UNSUPPORTED_MEDIA_TYPE');
  checkContentTypeCharset(contentType);
}

export function createCollectHandler(opts: CollectHandlerOptions) {
  const clock = opts.clock ?? Date.now;
  const newId = opts.newId ?? randomUUID;
  const policy = compileOriginPolicy(opts.sites);
  const limits = opts.collector;

  async function collect(event: APIGatewayProxyEventV2, receivedAt: number): Promise<CollectAnswer> {
    const headers = event.headers ?? {};
    checkMediaType(headers['content-type']);
    const { events, plain } = parseBatch(bodyBytes(event), headers['content-encoding'], limits);
    const { rows, rejected, dropBotReason: dropBot } = normalizeBatch({
      events,
      plain,
      receivedAt,
      userAgent: headers['user-agent'],
      origin: headers.origin,
      newId,
      limits,
      sites: policy,
      enricher: opts.enricher,
      // The peer address and X-Forwarded-For go to the enricher only: never logged. API Gateway's sourceIp is the
      // client as API Gateway saw it (the TCP peer), like the socket address of the embedded collector.
      peerAddress: event.requestContext?.http?.sourceIp ?? null,
      forwardedFor: headers['x-forwarded-for'],
      headers,
    });
    if (dropBot !== null) return { accepted: rows.length, rejected };
    if (rows.length > 0) {
      try {
        await opts.sink.append(rows, receivedAt);
      } catch (err) {
        opts.logger?.warn({ err, rows: rows.length }, 'collect: DynamoDB did not accept the batch');
        throw new ClicklakeError('CLK_ERR_BUFFER_UNAVAILABLE', undefined, { cause: err, retryAfter: RETRY_AFTER_S });
      }
    }
    return { accepted: rows.length, rejected };
  }

  return async function handler(event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> {
    const receivedAt = clock();
    const method = event.requestContext?.http?.method ?? 'GET';
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    if (path !== '/collect') return json(404, new ClicklakeError('CLK_ERR_NOT_FOUND').toJSON());
    if (method !== 'POST') return json(405, new ClicklakeError('CLK_ERR_METHOD_NOT_ALLOWED').toJSON(), { allow: 'POST' });
    try {
      return json(200, await collect(event, receivedAt));
    } catch (err) {
      const answer = toHttpError(err);
      if (answer.status >= 500 && answer.status !== 503) opts.logger?.error({ err }, 'collect request failed');
      const extra: Record<string, string> = answer.retryAfter === undefined ? {} : { 'retry-after': String(answer.retryAfter) };
      return json(answer.status, answer.body, extra);
    }
  };
}
