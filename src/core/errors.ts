/**
 * Every error a client or operator can see has a code, an HTTP status and a message. One registry, documented in
 * docs/errors.md. Clients always receive `{ "error": { "code", "message" } }` (or, for one event of a batch,
 * `{ "index", "code", "message" }`), never a stack trace.
 */
export const ERROR_CODES = {
  CLK_ERR_BODY_TOO_LARGE: { status: 413, message: 'Request body exceeds the limit' },
  CLK_ERR_TOO_MANY_EVENTS: { status: 413, message: 'Too many events in one request' },
  CLK_ERR_MALFORMED_JSON: { status: 400, message: 'Body is not valid JSON' },
  CLK_ERR_BAD_ENCODING: { status: 400, message: 'Body could not be decoded (bad gzip or invalid UTF-8)' },
  CLK_ERR_BAD_BODY: { status: 400, message: 'Body must be a JSON array of events or {"events": [...]}' },
  CLK_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Content-Type must be application/json or text/plain' },
  CLK_ERR_UNSUPPORTED_ENCODING: { status: 415, message: 'Content-Encoding must be gzip or identity' },
  CLK_ERR_EVENT_INVALID: { status: 400, message: 'Event failed validation' },
  CLK_ERR_EVENT_TOO_LARGE: { status: 400, message: 'Event exceeds the per-event size limit' },
  CLK_ERR_ORIGIN_NOT_ALLOWED: { status: 403, message: 'Origin is not allowed for this site' },
  CLK_ERR_BUFFER_FULL: { status: 503, message: 'The buffer is full; retry later' },
  CLK_ERR_BUFFER_UNAVAILABLE: { status: 503, message: 'The buffer could not store the events; retry later' },
  CLK_ERR_SHUTTING_DOWN: { status: 503, message: 'The server is shutting down; retry later' },
  CLK_ERR_UNAUTHORIZED: { status: 401, message: 'Missing or invalid credentials' },
  CLK_ERR_CROSS_SITE: { status: 403, message: 'Cross-site request refused' },
  CLK_ERR_TOO_MANY_REQUESTS: { status: 429, message: 'Too many failed attempts; retry later' },
  CLK_ERR_QUERY_NOT_READ_ONLY: { status: 400, message: 'Only a single SELECT or WITH statement is allowed' },
  CLK_ERR_QUERY_INVALID: { status: 400, message: 'The query could not be run' },
  CLK_ERR_QUERY_TIMEOUT: { status: 408, message: 'The query took too long and was cancelled' },
  CLK_ERR_BAD_REQUEST: { status: 400, message: 'The request is not valid' },
  CLK_ERR_NOT_FOUND: { status: 404, message: 'Not found' },
  CLK_ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'Method not allowed' },
  CLK_ERR_TOO_MANY_STREAMS: { status: 503, message: 'Too many live streams are open; retry later' },
  CLK_ERR_COLLECT_DISABLED: { status: 404, message: 'This server does not collect events; send them to the collect API' },
  CLK_ERR_LAKE_NOT_SYNCED: { status: 503, message: 'The lake has not been read yet; retry later' },
  CLK_ERR_INTERNAL: { status: 500, message: 'Internal error' },
  CLK_ERR_CONFIG_INVALID: { status: 500, message: 'The configuration is not valid' },
  CLK_ERR_LAKE_NO_MANIFEST: { status: 500, message: 'The lake has data files but no manifest; nothing was deleted' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export class ClicklakeError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  /** Seconds a client should wait before retrying (503/429). */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, message?: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message ?? ERROR_CODES[code].message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ClicklakeError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    if (options?.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }

  toJSON(): { error: { code: ErrorCode; message: string } } {
    return { error: { code: this.code, message: this.message } };
  }
}

export function isClicklakeError(err: unknown): err is ClicklakeError {
  return err instanceof ClicklakeError;
}
