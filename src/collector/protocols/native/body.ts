import { gunzipSync } from 'node:zlib';
import { ClicklakeError } from '../../../core/errors.js';
import type { NativeLimits } from './limits.js';

/**
 * Request body -> the list of raw events, enforcing the whole-request rules (docs/collect.md, "Responses"):
 * Content-Encoding gzip | identity (else 415), at most maxBodyBytes decompressed (413; the inflate itself stops
 * there, so a gzip bomb costs at most that much memory), strict UTF-8 (400), JSON (400), an array or
 * {"events": [...]} that is not empty (400) with at most maxEventsPerRequest events (413).
 * The compressed size is bounded before this runs (the HTTP layer's bodyLimit). Throws ClicklakeError.
 */
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** `Content-Type` charset parameter, when present, must be UTF-8. */
const CHARSET = /;\s*charset\s*=\s*"?([^";\s]*)/i;

export function checkContentTypeCharset(contentType: string | undefined): void {
  if (contentType === undefined) return;
  const m = CHARSET.exec(contentType);
  if (m === null) return;
  const cs = m[1].toLowerCase();
  if (cs !== 'utf-8' && cs !== 'utf8') {
    throw new ClicklakeError('CLK_ERR_UNSUPPORTED_MEDIA_TYPE', `charset ${JSON.stringify(m[1])} is not supported; send UTF-8`);
  }
}

function inflate(bytes: Uint8Array, contentEncoding: string | undefined, maxBytes: number): Uint8Array {
  const enc = contentEncoding === undefined ? '' : contentEncoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return bytes;
  if (enc !== 'gzip' && enc !== 'x-gzip') {
    throw new ClicklakeError('CLK_ERR_UNSUPPORTED_ENCODING', `Content-Encoding ${JSON.stringify(enc.slice(0, 64))} is not supported; use gzip or identity`);
  }
  try {
    return gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ClicklakeError('CLK_ERR_BODY_TOO_LARGE', `decompressed body exceeds ${maxBytes} bytes`);
    }
    throw new ClicklakeError('CLK_ERR_BAD_ENCODING', 'body is not valid gzip', { cause: err });
  }
}

export function parseBody(
  bytes: Uint8Array,
  contentEncoding: string | undefined,
  limits: Pick<NativeLimits, 'maxBodyBytes' | 'maxEventsPerRequest'>,
): unknown[] {
  if (bytes.byteLength > limits.maxBodyBytes) {
    throw new ClicklakeError('CLK_ERR_BODY_TOO_LARGE', `body exceeds ${limits.maxBodyBytes} bytes`);
  }
  const raw = inflate(bytes, contentEncoding, limits.maxBodyBytes);
  let text: string;
  try {
    text = utf8.decode(raw);
  } catch (err) {
    throw new ClicklakeError('CLK_ERR_BAD_ENCODING', 'body is not valid UTF-8', { cause: err });
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new ClicklakeError('CLK_ERR_MALFORMED_JSON', `body is not valid JSON: ${(err as Error).message.slice(0, 200)}`);
  }
  const events = Array.isArray(body)
    ? body
    : body !== null && typeof body === 'object' && Array.isArray((body as { events?: unknown }).events)
      ? ((body as { events: unknown[] }).events)
      : null;
  if (events === null) throw new ClicklakeError('CLK_ERR_BAD_BODY');
  if (events.length === 0) throw new ClicklakeError('CLK_ERR_BAD_BODY', 'the batch holds no events');
  if (events.length > limits.maxEventsPerRequest) {
    throw new ClicklakeError(
      'CLK_ERR_TOO_MANY_EVENTS',
      `${events.length} events in one request (max ${limits.maxEventsPerRequest})`,
    );
  }
  return events;
}
