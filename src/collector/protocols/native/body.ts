import { Buffer, isUtf8 } from 'node:buffer';
import { gunzipSync } from 'node:zlib';
import { ClicklakeError } from '../../../core/errors.js';
import type { NativeLimits } from './limits.js';

/**
 * Request body -> the list of raw events, enforcing the whole-request rules (docs/collect.md, "Responses"):
 * Content-Encoding gzip | identity (else 415), at most maxBodyBytes decompressed (413; the inflate itself stops
 * there, so a gzip bomb costs at most that much memory), strict UTF-8 (400), JSON (400), an array or
 * {"events": [...]} that is not empty (400) with at most maxEventsPerRequest events (413).
 * The compressed size is bounded before this runs (the HTTP layer's bodyLimit). Throws ClicklakeError.
 *
 * UTF-8 is validated with buffer.isUtf8 (strict: no overlong forms, no encoded surrogates) and then decoded with
 * Buffer#toString rather than TextDecoder({fatal}): TextDecoder yields a two-byte string even for ASCII, which made
 * JSON.parse ~1.5x slower and every later string scan slower too (measured on a 20-event batch).
 */
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

/**
 * True when the (decompressed, valid UTF-8) body holds no backslash and no DEL or C1 control character. Then no
 * string parsed from it can hold a quote, a backslash, a control character or a lone surrogate (JSON can only
 * write those as escapes, or C1 raw), so its strings need neither cleaning nor escaping (row-json.ts fast path).
 * A byte scan (memchr) costs well under a microsecond for a typical batch.
 */
export function isPlainJson(bytes: Uint8Array): boolean {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.indexOf(0x5c) !== -1 || b.indexOf(0x7f) !== -1) return false;
  for (let i = b.indexOf(0xc2); i !== -1; i = b.indexOf(0xc2, i + 1)) {
    const next = b[i + 1];
    if (next >= 0x80 && next <= 0x9f) return false; // U+0080-U+009F
  }
  return true;
}

export interface ParsedBatch {
  readonly events: unknown[];
  /** isPlainJson of the body: pass it to createNormalizeContext. */
  readonly plain: boolean;
}

export function parseBody(
  bytes: Uint8Array,
  contentEncoding: string | undefined,
  limits: Pick<NativeLimits, 'maxBodyBytes' | 'maxEventsPerRequest'>,
): unknown[] {
  return parseBatch(bytes, contentEncoding, limits).events;
}

/** parseBody, also telling whether the body is plain (isPlainJson). */
export function parseBatch(
  bytes: Uint8Array,
  contentEncoding: string | undefined,
  limits: Pick<NativeLimits, 'maxBodyBytes' | 'maxEventsPerRequest'>,
): ParsedBatch {
  if (bytes.byteLength > limits.maxBodyBytes) {
    throw new ClicklakeError('CLK_ERR_BODY_TOO_LARGE', `body exceeds ${limits.maxBodyBytes} bytes`);
  }
  const raw = inflate(bytes, contentEncoding, limits.maxBodyBytes);
  if (!isUtf8(raw)) throw new ClicklakeError('CLK_ERR_BAD_ENCODING', 'body is not valid UTF-8');
  const bom = raw.length >= 3 && raw[0] === 0xef && raw[1] === 0xbb && raw[2] === 0xbf ? 3 : 0;
  const text = Buffer.from(raw.buffer, raw.byteOffset + bom, raw.byteLength - bom).toString('utf8');
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
  return { events, plain: isPlainJson(raw) };
}
