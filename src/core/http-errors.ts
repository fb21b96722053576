import { ERROR_CODES, type ErrorCode } from './errors.js';

/**
 * Any thrown value -> the HTTP answer a client sees: a status, `{ "error": { "code", "message" } }` and, for
 * retryable errors, `retryAfter` seconds (send it as the Retry-After header). Never exposes a stack; 5xx answers
 * carry the registry's generic message only (the original error is for the server log). Duck-typed on `code` and
 * `statusCode` so it needs neither fastify nor `instanceof` across module copies.
 */
export interface HttpError {
  readonly status: number;
  readonly body: { error: { code: ErrorCode; message: string } };
  readonly retryAfter?: number;
}

/** Fastify error codes with a Clicklake meaning; any other fastify 4xx becomes CLK_ERR_BAD_REQUEST. */
const FASTIFY_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'CLK_ERR_BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'CLK_ERR_UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_JSON_BODY: 'CLK_ERR_MALFORMED_JSON',
  FST_ERR_NOT_FOUND: 'CLK_ERR_NOT_FOUND',
};

const MAX_MESSAGE = 500;

function answer(code: ErrorCode, message: string | undefined, retryAfter?: unknown): HttpError {
  const status = ERROR_CODES[code].status;
  const text = status >= 500 || !message ? ERROR_CODES[code].message : message.slice(0, MAX_MESSAGE);
  const out: { status: number; body: HttpError['body']; retryAfter?: number } = {
    status,
    body: { error: { code, message: text } },
  };
  if (typeof retryAfter === 'number' && Number.isFinite(retryAfter) && retryAfter >= 0) {
    out.retryAfter = Math.ceil(retryAfter);
  }
  return out;
}

function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, code);
}

export function toHttpError(err: unknown): HttpError {
  if (err === null || typeof err !== 'object') return answer('CLK_ERR_INTERNAL', undefined);
  const e = err as { code?: unknown; statusCode?: unknown; message?: unknown; retryAfter?: unknown };
  const message = typeof e.message === 'string' ? e.message : undefined;

  if (isErrorCode(e.code)) return answer(e.code, message, e.retryAfter);

  if (typeof e.code === 'string' && Object.prototype.hasOwnProperty.call(FASTIFY_CODES, e.code)) {
    return answer(FASTIFY_CODES[e.code], message);
  }
  const status = typeof e.statusCode === 'number' ? e.statusCode : 0;
  if (status >= 400 && status < 500) {
    if (status === 404) return answer('CLK_ERR_NOT_FOUND', message);
    if (status === 405) return answer('CLK_ERR_METHOD_NOT_ALLOWED', message);
    if (status === 413) return answer('CLK_ERR_BODY_TOO_LARGE', message);
    if (status === 415) return answer('CLK_ERR_UNSUPPORTED_MEDIA_TYPE', message);
    // Fastify's default JSON parser throws a SyntaxError with statusCode 400.
    if (err instanceof SyntaxError) return answer('CLK_ERR_MALFORMED_JSON', message);
    return answer('CLK_ERR_BAD_REQUEST', message);
  }
  return answer('CLK_ERR_INTERNAL', undefined);
}
