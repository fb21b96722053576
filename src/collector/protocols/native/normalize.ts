import { Buffer } from 'node:buffer';
import type { ErrorCode } from '../../../core/errors.js';
import type { LakeRow } from '../../../core/schema.js';
import { compileOriginPolicy, normalizeOrigin, type OriginPolicy, type SiteOriginsConfig } from '../../origins.js';
import { describeIssue, eventSchema, type NativeEvent } from './event-schema.js';
import { FIELD_LIMITS as L, type NativeLimits } from './limits.js';
import { serializeProps } from './props.js';
import { cleanText, cleanToken, truncate } from './text.js';
import { parseClientTime } from './time.js';

/**
 * One native-protocol event -> one lake row (JSON text), or the reason it is rejected. Pure: the time, the id
 * generator, the request's User-Agent and Origin come in through the context, built once per request.
 */
export interface NormalizeContextInput {
  /** Server time (epoch ms) at which the request was received. */
  readonly receivedAt: number;
  /** The request's User-Agent header (bounded and cleaned here). */
  readonly userAgent?: string | null;
  /** The request's Origin header. */
  readonly origin?: string | null;
  /** Makes an event_id (a lower-case UUID) for events that carry none. */
  readonly newId: () => string;
  readonly limits: NativeLimits;
  /** Config `sites`, or a policy compiled once with compileOriginPolicy (preferred on a hot path). */
  readonly sites: SiteOriginsConfig | OriginPolicy;
}

export interface NormalizeContext {
  readonly receivedAt: number;
  readonly receivedAtIso: string;
  readonly userAgent: string | null;
  readonly origin: string | null;
  readonly newId: () => string;
  readonly limits: NativeLimits;
  readonly policy: OriginPolicy;
}

export type NormalizeResult = { row: string } | { code: ErrorCode; message: string };

function isPolicy(sites: SiteOriginsConfig | OriginPolicy): sites is OriginPolicy {
  return typeof (sites as OriginPolicy).allows === 'function';
}

export function createNormalizeContext(input: NormalizeContextInput): NormalizeContext {
  const ua = input.userAgent ? cleanText(truncate(input.userAgent, L.user_agent)) : null;
  return {
    receivedAt: input.receivedAt,
    receivedAtIso: new Date(input.receivedAt).toISOString(),
    userAgent: ua === '' ? null : ua,
    origin: normalizeOrigin(input.origin),
    newId: input.newId,
    limits: input.limits,
    policy: isPolicy(input.sites) ? input.sites : compileOriginPolicy(input.sites),
  };
}

/** Thrown by the field helpers below and turned into a CLK_ERR_EVENT_INVALID result; never escapes. */
class FieldError extends Error {}

/** Identifier/token/URL field: '' and null mean absent; control characters reject the event. */
function token(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  const clean = cleanToken(value);
  if (clean === null) throw new FieldError(`${field}: must not contain control characters`);
  return clean;
}

/** Free-text field: '' and null mean absent; never fails. */
function text(value: string | null | undefined): string | null {
  if (value === undefined || value === null || value === '') return null;
  return cleanText(value);
}

function time(value: string | number | null | undefined, field: string): number | null {
  if (value === undefined || value === null) return null;
  const t = parseClientTime(value);
  if (typeof t === 'string') throw new FieldError(`${field}: ${t}`);
  return t;
}

function classes(value: string | readonly string[] | null | undefined): string | null {
  if (value === undefined || value === null) return null;
  const joined = typeof value === 'string' ? value : value.join(' ');
  const collapsed = joined.trim().replace(/\s+/g, ' ');
  if (collapsed.length > L.element_classes) {
    throw new FieldError(`element.classes: longer than ${L.element_classes} characters once joined`);
  }
  return text(collapsed);
}

/** page_host (URL.host, with a non-default port) and page_path (pathname; null for opaque URLs). */
function urlParts(url: string | null): [string | null, string | null] {
  if (url === null) return [null, null];
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return [null, null];
  }
  const path = parsed.pathname;
  return [parsed.host === '' ? null : parsed.host, path.startsWith('/') ? path : null];
}

const round = (n: number | null | undefined): number | null => (n === undefined || n === null ? null : Math.round(n));
const orNull = <T>(v: T | null | undefined): T | null => (v === undefined ? null : v);

export function normalizeEvent(input: unknown, ctx: NormalizeContext): NormalizeResult {
  const parsed = eventSchema.safeParse(input);
  if (!parsed.success) return { code: 'CLK_ERR_EVENT_INVALID', message: describeIssue(parsed.error) };
  try {
    return build(parsed.data, ctx);
  } catch (err) {
    if (err instanceof FieldError) return { code: 'CLK_ERR_EVENT_INVALID', message: err.message };
    throw err;
  }
}

function build(e: NativeEvent, ctx: NormalizeContext): NormalizeResult {
  const siteId = token(e.site_id, 'site_id') ?? 'default';
  if (!ctx.policy.allows(siteId, ctx.origin)) {
    return {
      code: 'CLK_ERR_ORIGIN_NOT_ALLOWED',
      message: `origin ${ctx.origin === null ? '(none)' : JSON.stringify(ctx.origin)} may not send events for site ${JSON.stringify(siteId)}`,
    };
  }
  const clientTs = time(e.ts, 'ts');
  const sentAt = time(e.sent_at, 'sent_at');
  const props = serializeProps(e.props);
  if ('error' in props) throw new FieldError(props.error);
  const url = token(e.url, 'url');
  const [pageHost, pagePath] = urlParts(url);
  const el = e.element ?? null;
  const clientTsIso = clientTs === null ? null : new Date(clientTs).toISOString();
  const sane = clientTs !== null && Math.abs(clientTs - ctx.receivedAt) <= ctx.limits.maxClockSkewMs;
  const elementTag = el === null ? null : token(el.tag, 'element.tag');
  const elementText = el === null || el.text === undefined || el.text === null ? null : text(el.text.trim());

  const row: LakeRow = {
    event_id: e.event_id ? e.event_id.toLowerCase() : ctx.newId(),
    event_type: e.type.toLowerCase(),
    event_name: text(e.name),
    ts: sane ? clientTsIso! : ctx.receivedAtIso,
    client_ts: clientTsIso,
    sent_at: sentAt === null ? null : new Date(sentAt).toISOString(),
    received_at: ctx.receivedAtIso,
    site_id: siteId,
    anonymous_id: token(e.anonymous_id, 'anonymous_id'),
    user_id: token(e.user_id, 'user_id'),
    session_id: token(e.session_id, 'session_id'),
    seq: orNull(e.seq),
    page_url: url,
    page_host: pageHost,
    page_path: pagePath,
    page_title: text(e.title),
    referrer: token(e.referrer, 'referrer'),
    element_tag: elementTag === null ? null : elementTag.toLowerCase(),
    element_id: el === null ? null : token(el.id, 'element.id'),
    element_classes: el === null ? null : classes(el.classes),
    element_text: elementText,
    element_selector: el === null ? null : text(el.selector),
    element_href: el === null ? null : token(el.href, 'element.href'),
    x: el === null ? null : round(el.x),
    y: el === null ? null : round(el.y),
    scroll_depth: round(e.scroll_depth),
    viewport_w: orNull(e.viewport?.w),
    viewport_h: orNull(e.viewport?.h),
    screen_w: orNull(e.screen?.w),
    screen_h: orNull(e.screen?.h),
    language: token(e.language, 'language'),
    timezone: token(e.timezone, 'timezone'),
    user_agent: ctx.userAgent,
    properties: props.json,
  };
  const json = JSON.stringify(row);
  // A UTF-16 code unit is at most 3 UTF-8 bytes, so short rows need no byte count.
  if (json.length * 3 > ctx.limits.maxEventBytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > ctx.limits.maxEventBytes) {
      return { code: 'CLK_ERR_EVENT_TOO_LARGE', message: `event is ${bytes} bytes as stored (max ${ctx.limits.maxEventBytes})` };
    }
  }
  return { row: json };
}
