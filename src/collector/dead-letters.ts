import { Buffer } from 'node:buffer';
import { Counter, type Registry } from 'prom-client';
import type { ErrorCode } from '../core/errors.js';
import type { DeadLetterSink, Logger } from '../core/ports.js';
import type { FailedRow } from '../core/tables.js';

/**
 * Dead letters (docs/data-quality.md): what the collector refused, kept for debugging trackers and integrations.
 * Two kinds: one event of a batch that failed validation (scope `event`, the event's JSON text) and a request
 * refused as a whole with a 4xx before its events could be read (scope `request`, a prefix of the body). The
 * payload is cut to maxPayloadBytes (on a UTF-8 character boundary), so a flood of large bad requests costs at most
 * that much per request. Request context is the Origin, User-Agent and Content-Type headers, bounded; never the
 * client IP. Appending is awaited but never fails the request: a failure is logged and counted.
 */
export interface DeadLetterMetrics {
  readonly stored: Counter<'code'>;
  readonly errors: Counter;
}

function get<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createDeadLetterMetrics(registry: Registry): DeadLetterMetrics {
  const registers = [registry];
  return {
    stored: get(registry, 'clicklake_collector_dead_letters_total', () =>
      new Counter({
        name: 'clicklake_collector_dead_letters_total',
        help: 'Refused events and requests stored as dead letters (view failed_events), by error code',
        labelNames: ['code'],
        registers,
      }),
    ),
    errors: get(registry, 'clicklake_collector_dead_letter_errors_total', () =>
      new Counter({
        name: 'clicklake_collector_dead_letter_errors_total',
        help: 'Dead letters that could not be stored (the dead-letter buffer refused them)',
        registers,
      }),
    ),
  };
}

/** Request context kept with a dead letter. */
export interface DeadLetterRequest {
  readonly receivedAt: number;
  readonly origin: string | undefined;
  readonly userAgent: string | undefined;
  readonly contentType: string | undefined;
}

const HEADER_CHARS = 512;

function header(v: string | undefined): string | null {
  if (v === undefined || v === '') return null;
  return v.length > HEADER_CHARS ? v.slice(0, HEADER_CHARS) : v;
}

/** `bytes` cut to at most `max` bytes without splitting a UTF-8 sequence, decoded (invalid bytes become U+FFFD). */
export function boundedText(bytes: Uint8Array, max: number): { text: string; truncated: boolean } {
  if (bytes.byteLength <= max) return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'), truncated: false };
  let end = max;
  // Back off over continuation bytes (10xxxxxx) to the start of the sequence cut at `max`.
  while (end > 0 && end > max - 4 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8'), truncated: true };
}

function base(req: DeadLetterRequest, newId: () => string) {
  return {
    failure_id: newId(),
    received_at: new Date(req.receivedAt).toISOString(),
    origin: header(req.origin),
    user_agent: header(req.userAgent),
    content_type: header(req.contentType),
  };
}

/** A rejected event of a batch. */
export function eventDeadLetter(
  event: unknown,
  index: number,
  code: ErrorCode,
  message: string,
  req: DeadLetterRequest,
  maxPayloadBytes: number,
  newId: () => string,
): FailedRow {
  let json: string;
  try {
    json = JSON.stringify(event) ?? String(event);
  } catch {
    json = String(event);
  }
  const bytes = Buffer.from(json, 'utf8');
  const { text, truncated } = boundedText(bytes, maxPayloadBytes);
  const site = (event as { site_id?: unknown } | null)?.site_id;
  return {
    ...base(req, newId),
    site_id: typeof site === 'string' && site.length <= 128 ? site : null,
    error_code: code,
    reason: message,
    scope: 'event',
    event_index: index,
    payload: text,
    payload_bytes: bytes.byteLength,
    payload_truncated: truncated,
  };
}

/** A request refused as a whole; `body` is what was read of it (nothing for a 413 refused before reading). */
export function requestDeadLetter(
  body: Uint8Array | undefined,
  declaredBytes: number | null,
  code: string,
  message: string,
  req: DeadLetterRequest,
  maxPayloadBytes: number,
  newId: () => string,
): FailedRow {
  const { text, truncated } = body === undefined ? { text: '', truncated: declaredBytes !== null && declaredBytes > 0 } : boundedText(body, maxPayloadBytes);
  return {
    ...base(req, newId),
    site_id: null,
    error_code: code,
    reason: message,
    scope: 'request',
    event_index: null,
    payload: text,
    payload_bytes: body?.byteLength ?? declaredBytes,
    payload_truncated: truncated,
  };
}

/** Appends dead letters; never rejects (logs and counts a failure instead). */
export async function storeDeadLetters(
  sink: DeadLetterSink,
  records: readonly FailedRow[],
  metrics: DeadLetterMetrics,
  logger: Logger | undefined,
): Promise<void> {
  if (records.length === 0) return;
  try {
    await sink.append(records);
    const byCode = new Map<string, number>();
    for (const r of records) byCode.set(r.error_code, (byCode.get(r.error_code) ?? 0) + 1);
    for (const [code, n] of byCode) metrics.stored.inc({ code }, n);
  } catch (err) {
    metrics.errors.inc(records.length);
    logger?.warn({ err, records: records.length }, 'collector: dead letters could not be stored');
  }
}
