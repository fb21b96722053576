import { Buffer } from 'node:buffer';
import type { LakeRow } from '../../../core/schema.js';
import type { NormalizeContext, NormalizeResult } from './context.js';
import { classList, clientTime, FieldError, integer, kind, object, rounded, str, token } from './fields.js';
import { FIELD_LIMITS as L, MAX_PIXELS } from './limits.js';
import { serializeProps } from './props.js';
import { encodeRow } from './row-json.js';
import { isoOf } from './time.js';

/**
 * One native-protocol event -> one lake row (JSON text), or the reason it is rejected (docs/collect.md). Pure:
 * everything else comes from the per-request context (context.ts).
 *
 * Steps: check types and bounds while reading each field (fields.ts), derive ts/page_host/page_path, build the
 * LakeRow, encode it (row-json.ts applies the text rules of text.ts on the way), bound its size in bytes.
 */
export function normalizeEvent(input: unknown, ctx: NormalizeContext): NormalizeResult {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    return { code: 'CLK_ERR_EVENT_INVALID', message: `event: must be an object, got ${kind(input)}` };
  }
  try {
    return build(input as Record<string, unknown>, ctx);
  } catch (err) {
    if (err instanceof FieldError) return { code: 'CLK_ERR_EVENT_INVALID', message: err.message };
    throw err;
  }
}

const TYPE = /^[a-z][a-z0-9_.:-]*$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function eventType(v: unknown): string {
  if (v === undefined || v === null || v === '') throw new FieldError('type: is required');
  if (typeof v !== 'string') throw new FieldError(`type: must be a string, got ${kind(v)}`);
  if (v.length > L.type) throw new FieldError(`type: longer than ${L.type} characters`);
  if (!TYPE.test(v)) throw new FieldError('type: must be a token: a letter, then letters, digits, _ . : -');
  return v.toLowerCase();
}

function eventId(v: unknown, ctx: NormalizeContext): string {
  if (v === undefined || v === null) return ctx.newId();
  if (typeof v !== 'string' || !UUID.test(v)) throw new FieldError('event_id: must be a UUID');
  return v.toLowerCase();
}

/** page_host (URL.host, with a non-default port) and page_path (pathname; null for opaque URLs like mailto:). */
function parseUrl(url: string | null, ctx: NormalizeContext): void {
  if (url === ctx.lastUrl) return;
  ctx.lastUrl = url;
  ctx.lastHost = null;
  ctx.lastPath = null;
  if (url === null) return;
  try {
    const parsed = new URL(url);
    const path = parsed.pathname;
    ctx.lastHost = parsed.host === '' ? null : parsed.host;
    ctx.lastPath = path.charCodeAt(0) === 47 ? path : null;
  } catch {
    // Not an absolute URL: page_url is kept, host and path stay null.
  }
}

/**
 * The tracker reports events it had to drop in a `queue_overflow` event as props.dropped (docs/tracker.md); that
 * count fills the `dropped` column. Lenient: anything but a non-negative 32-bit integer is left in properties only.
 */
function reportedDrops(props: unknown): number | null {
  const n = props !== null && typeof props === 'object' ? (props as { dropped?: unknown }).dropped : undefined;
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 2_147_483_647 ? n : null;
}

function trimmed(s: string | null): string | null {
  if (s === null) return null;
  const t = s.trim();
  return t === '' ? null : t;
}

function build(e: Record<string, unknown>, ctx: NormalizeContext): NormalizeResult {
  const type = eventType(e.type);
  const siteId = token(e.site_id, 'site_id', L.site_id) ?? 'default';
  if (!ctx.policy.allows(siteId, ctx.origin)) {
    const origin = ctx.origin === null ? '(none)' : JSON.stringify(ctx.origin.slice(0, 200));
    return { code: 'CLK_ERR_ORIGIN_NOT_ALLOWED', message: `origin ${origin} may not send events for site ${JSON.stringify(siteId)}` };
  }
  const tsIn = e.ts;
  // sent_at is validated (it is part of the protocol; the enrichment stage corrects clock skew with it) but not stored.
  const sentAt = clientTime(e.sent_at, 'sent_at', L.time_string);
  const clientTs = clientTime(tsIn, 'ts', L.time_string);
  const clientTsIso = clientTs === null ? null : isoOf(tsIn as string | number, clientTs);
  const sane = clientTs !== null && Math.abs(clientTs - ctx.receivedAt) <= ctx.limits.maxClockSkewMs;
  const url = str(e.url, 'url', L.url);
  parseUrl(url, ctx);
  const el = object(e.element, 'element');
  const viewport = object(e.viewport, 'viewport');
  const screen = object(e.screen, 'screen');
  const props = serializeProps(e.props, ctx.plain);
  if ('error' in props) throw new FieldError(props.error);
  const tag = el === null ? null : str(el.tag, 'element.tag', L.element_tag);

  const row: LakeRow = {
    event_id: eventId(e.event_id, ctx),
    event_type: type,
    event_name: str(e.name, 'name', L.name),
    ts: sane ? clientTsIso! : ctx.receivedAtIso,
    // Kept only when ts is not the device time (few rows): NULLs cost nothing in Parquet.
    client_ts: sane ? null : clientTsIso,
    received_at: ctx.receivedAtIso,
    site_id: siteId,
    anonymous_id: str(e.anonymous_id, 'anonymous_id', L.anonymous_id),
    user_id: str(e.user_id, 'user_id', L.user_id),
    session_id: str(e.session_id, 'session_id', L.session_id),
    seq: integer(e.seq, 'seq', 0, Number.MAX_SAFE_INTEGER),
    page_url: url,
    page_host: ctx.lastHost,
    page_path: ctx.lastPath,
    page_title: str(e.title, 'title', L.title),
    referrer: str(e.referrer, 'referrer', L.referrer),
    element_tag: tag === null ? null : tag.toLowerCase(),
    element_id: el === null ? null : str(el.id, 'element.id', L.element_id),
    element_classes: el === null ? null : classList(el.classes, 'element.classes', L.element_classes, L.element_classes_items),
    element_text: el === null ? null : trimmed(str(el.text, 'element.text', L.element_text)),
    element_selector: el === null ? null : str(el.selector, 'element.selector', L.element_selector),
    element_href: el === null ? null : str(el.href, 'element.href', L.element_href),
    x: el === null ? null : rounded(el.x, 'element.x', -MAX_PIXELS, MAX_PIXELS),
    y: el === null ? null : rounded(el.y, 'element.y', -MAX_PIXELS, MAX_PIXELS),
    scroll_depth: rounded(e.scroll_depth, 'scroll_depth', 0, 100),
    viewport_w: viewport === null ? null : integer(viewport.w, 'viewport.w', 0, MAX_PIXELS),
    viewport_h: viewport === null ? null : integer(viewport.h, 'viewport.h', 0, MAX_PIXELS),
    screen_w: screen === null ? null : integer(screen.w, 'screen.w', 0, MAX_PIXELS),
    screen_h: screen === null ? null : integer(screen.h, 'screen.h', 0, MAX_PIXELS),
    language: str(e.language, 'language', L.language),
    timezone: str(e.timezone, 'timezone', L.timezone),
    user_agent: ctx.userAgent,
    properties: props.json,
    // Enrichment columns (schema v2): filled by ctx.enrichment when one is configured.
    browser: null,
    browser_version: null,
    os: null,
    os_version: null,
    device_type: null,
    device_vendor: null,
    device_model: null,
    is_bot: null,
    bot_reason: null,
    country: null,
    region: null,
    city: null,
    ip: null,
    referrer_host: null,
    channel: null,
    utm_source: null,
    utm_medium: null,
    utm_campaign: null,
    utm_term: null,
    utm_content: null,
    click_id_type: null,
    dropped:
      integer(e.dropped, 'dropped', 0, 2_147_483_647) ?? (type === 'queue_overflow' ? reportedDrops(e.props) : null),
  };
  // Enrichment and privacy rules (src/enrich/ through the Enricher port): may rewrite ids, URLs and times.
  if (ctx.enrichment !== null) ctx.enrichment.enrichRow(row, clientTs, sentAt);
  const json = encodeRow(row, ctx.plain, ctx.userAgentJson);
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short rows need no byte count.
  if (json.length * 3 > ctx.limits.maxEventBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > ctx.limits.maxEventBytes) {
      return { code: 'CLK_ERR_EVENT_TOO_LARGE', message: `event is ${bytes} bytes as stored (max ${ctx.limits.maxEventBytes})` };
    }
  }
  return { row: json };
}
