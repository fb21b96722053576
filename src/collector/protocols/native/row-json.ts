import type { LakeRow } from '../../../core/schema.js';
import { FieldError } from './fields.js';
import { cleanText, cleanToken } from './text.js';

/**
 * LakeRow -> JSON text, applying the text rules (text.ts) on the way. The output is exactly
 * JSON.stringify(cleaned row) (tested); keys in LAKE_COLUMNS order.
 *
 * Fast path: when the whole body was plain (body.ts isPlainJson: no escapes, so no string in it needs cleaning or
 * escaping), or else when the row's free strings, tested ONCE together, hold nothing that needs cleaning or JSON
 * escaping (control characters, surrogates, `"` and `\`), the row is written by concatenation with no further
 * scan. Otherwise each string is cleaned by its column's rule and the row goes through JSON.stringify.
 * (Measured: per-string checks were a third of normalizeEvent's cost.) event_type and the times are safe by
 * construction (token regex; validated or generated ISO strings); event_ids made by newId must be UUIDs.
 */
const SUSPECT = /["\\\x00-\x1f\x7f-\x9f\ud800-\udfff]/;

/** Columns whose control characters reject the event, with the input field named in the message. */
const TOKEN_COLUMNS: readonly (readonly [keyof LakeRow, string])[] = [
  ['event_id', 'event_id'],
  ['site_id', 'site_id'],
  ['anonymous_id', 'anonymous_id'],
  ['user_id', 'user_id'],
  ['session_id', 'session_id'],
  ['page_url', 'url'],
  ['page_host', 'url'],
  ['page_path', 'url'],
  ['referrer', 'referrer'],
  ['element_tag', 'element.tag'],
  ['element_id', 'element.id'],
  ['element_href', 'element.href'],
  ['language', 'language'],
  ['timezone', 'timezone'],
];

/** Free-text columns: control characters (but tab, LF, CR) and lone surrogates become U+FFFD. */
const TEXT_COLUMNS: readonly (keyof LakeRow)[] = [
  'event_name',
  'page_title',
  'element_classes',
  'element_text',
  'element_selector',
  'user_agent',
];

const q = (s: string | null): string => (s === null ? 'null' : '"' + s + '"');
const n = (v: number | null): string => (v === null ? 'null' : '' + v);

/** Every string from the event the text rules apply to, in one (rope) string; null adds nothing. */
function freeStrings(r: LakeRow): string {
  return (
    r.event_id + (r.event_name ?? '') + r.site_id + (r.anonymous_id ?? '') + (r.user_id ?? '') +
    (r.session_id ?? '') + (r.page_url ?? '') + (r.page_host ?? '') + (r.page_path ?? '') + (r.page_title ?? '') +
    (r.referrer ?? '') + (r.element_tag ?? '') + (r.element_id ?? '') + (r.element_classes ?? '') +
    (r.element_text ?? '') + (r.element_selector ?? '') + (r.element_href ?? '') + (r.language ?? '') +
    (r.timezone ?? '')
  );
}

/**
 * @param plain the row's strings come from a plain body (isPlainJson) and need no check
 * @param userAgentJson JSON.stringify(r.user_agent), made once per request (the header is already clean)
 */
export function encodeRow(r: LakeRow, plain: boolean, userAgentJson: string): string {
  if (!plain && SUSPECT.test(freeStrings(r))) return JSON.stringify(cleanRow(r));
  return (
    '{"event_id":' + q(r.event_id) +
    ',"event_type":' + q(r.event_type) +
    ',"event_name":' + q(r.event_name) +
    ',"ts":' + q(r.ts) +
    ',"client_ts":' + q(r.client_ts) +
    ',"received_at":' + q(r.received_at) +
    ',"site_id":' + q(r.site_id) +
    ',"anonymous_id":' + q(r.anonymous_id) +
    ',"user_id":' + q(r.user_id) +
    ',"session_id":' + q(r.session_id) +
    ',"seq":' + n(r.seq) +
    ',"page_url":' + q(r.page_url) +
    ',"page_host":' + q(r.page_host) +
    ',"page_path":' + q(r.page_path) +
    ',"page_title":' + q(r.page_title) +
    ',"referrer":' + q(r.referrer) +
    ',"element_tag":' + q(r.element_tag) +
    ',"element_id":' + q(r.element_id) +
    ',"element_classes":' + q(r.element_classes) +
    ',"element_text":' + q(r.element_text) +
    ',"element_selector":' + q(r.element_selector) +
    ',"element_href":' + q(r.element_href) +
    ',"x":' + n(r.x) +
    ',"y":' + n(r.y) +
    ',"scroll_depth":' + n(r.scroll_depth) +
    ',"viewport_w":' + n(r.viewport_w) +
    ',"viewport_h":' + n(r.viewport_h) +
    ',"screen_w":' + n(r.screen_w) +
    ',"screen_h":' + n(r.screen_h) +
    ',"language":' + q(r.language) +
    ',"timezone":' + q(r.timezone) +
    ',"user_agent":' + userAgentJson +
    ',"properties":' + (r.properties === '{}' ? '"{}"' : JSON.stringify(r.properties)) +
    enrichmentJson(r) +
    '}'
  );
}

const b = (v: boolean | null): string => (v === null ? 'null' : v ? 'true' : 'false');
/**
 * Any string (JSON.stringify escapes what needs it): enrichment values are derived from untrusted input. They
 * repeat (browser names, countries, channels, versions), so their JSON form is memoised; the memo is emptied when
 * it reaches its bound (measured: JSON.stringify of ~15 short strings per row was 7% of normalizeEvent).
 */
const encoded = new Map<string, string>();
const MAX_ENCODED = 4096;
const s = (v: string | null): string => {
  if (v === null) return 'null';
  let json = encoded.get(v);
  if (json === undefined) {
    json = JSON.stringify(v);
    if (encoded.size >= MAX_ENCODED) encoded.clear();
    encoded.set(v, json);
  }
  return json;
};

/** The schema-v2 enrichment columns, in LAKE_COLUMNS order. */
function enrichmentJson(r: LakeRow): string {
  return (
    ',"browser":' + s(r.browser) +
    ',"browser_version":' + s(r.browser_version) +
    ',"os":' + s(r.os) +
    ',"os_version":' + s(r.os_version) +
    ',"device_type":' + s(r.device_type) +
    ',"device_vendor":' + s(r.device_vendor) +
    ',"device_model":' + s(r.device_model) +
    ',"is_bot":' + b(r.is_bot) +
    ',"bot_reason":' + s(r.bot_reason) +
    ',"country":' + s(r.country) +
    ',"region":' + s(r.region) +
    ',"city":' + s(r.city) +
    ',"ip":' + s(r.ip) +
    ',"referrer_host":' + s(r.referrer_host) +
    ',"channel":' + s(r.channel) +
    ',"utm_source":' + s(r.utm_source) +
    ',"utm_medium":' + s(r.utm_medium) +
    ',"utm_campaign":' + s(r.utm_campaign) +
    ',"utm_term":' + s(r.utm_term) +
    ',"utm_content":' + s(r.utm_content) +
    ',"click_id_type":' + s(r.click_id_type) +
    ',"dropped":' + n(r.dropped)
  );
}

/** The slow path: a copy with the text rules applied; throws FieldError for a control character in a token. */
function cleanRow(r: LakeRow): LakeRow {
  const out = { ...r } as Record<keyof LakeRow, unknown>;
  for (const [column, field] of TOKEN_COLUMNS) {
    const v = out[column];
    if (typeof v !== 'string') continue;
    const clean = cleanToken(v);
    if (clean === null) throw new FieldError(`${field}: must not contain control characters`);
    out[column] = clean;
  }
  for (const column of TEXT_COLUMNS) {
    const v = out[column];
    if (typeof v === 'string') out[column] = cleanText(v);
  }
  return out as unknown as LakeRow;
}
