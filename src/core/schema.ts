/**
 * The lake's Parquet schema (version 2; see LAKE_SCHEMA_VERSION in lake.ts): one flat row per event.
 *
 * This table is the contract shared by every stage: the collector produces rows with these keys (as JSON, see
 * `LakeRow`), the buffer stores them opaquely, the writer casts them to these DuckDB types when it writes Parquet,
 * and the query layer exposes them as the view `events`. Column names are public and stable: add, never rename.
 * docs/lake-schema.md documents the same table for users.
 */
export interface LakeColumn {
  readonly name: string;
  /** DuckDB type used when writing Parquet and when reading the hot (not yet written) tail. */
  readonly type: 'VARCHAR' | 'TIMESTAMPTZ' | 'BIGINT' | 'INTEGER' | 'BOOLEAN';
  /** Lake schema version that added the column (1: the first schema). */
  readonly since?: number;
  readonly doc: string;
}

export const LAKE_COLUMNS: readonly LakeColumn[] = [
  { name: 'event_id', type: 'VARCHAR', doc: 'UUID of the event; sent by the client or made by the collector. Unique in the lake.' },
  { name: 'event_type', type: 'VARCHAR', doc: 'page_view, click, scroll, submit, custom, identify, ...' },
  { name: 'event_name', type: 'VARCHAR', doc: 'Name of a custom event (the `name` field).' },
  { name: 'ts', type: 'TIMESTAMPTZ', doc: 'Event time (UTC): the client time when sane, else received_at. Partitions the lake.' },
  { name: 'client_ts', type: 'TIMESTAMPTZ', doc: 'The device time the client sent as `ts` when `ts` differs from it (out of bounds, or corrected for clock skew); NULL when `ts` is the device time as sent. The device time is always `coalesce(client_ts, ts)`.' },
  { name: 'received_at', type: 'TIMESTAMPTZ', doc: 'Server time at which the collector received the event.' },
  { name: 'site_id', type: 'VARCHAR', doc: 'Site the event belongs to (`default` when the client sent none).' },
  { name: 'anonymous_id', type: 'VARCHAR', doc: 'Device/browser identifier.' },
  { name: 'user_id', type: 'VARCHAR', doc: 'Identified user, after identify.' },
  { name: 'session_id', type: 'VARCHAR', doc: 'Session identifier.' },
  { name: 'seq', type: 'BIGINT', doc: 'Per-client monotonic counter (detects gaps).' },
  { name: 'page_url', type: 'VARCHAR', doc: 'Full page URL.' },
  { name: 'page_host', type: 'VARCHAR', doc: 'Host of page_url.' },
  { name: 'page_path', type: 'VARCHAR', doc: 'Path of page_url (no query string or fragment).' },
  { name: 'page_title', type: 'VARCHAR', doc: 'Document title.' },
  { name: 'referrer', type: 'VARCHAR', doc: 'Referrer URL.' },
  { name: 'element_tag', type: 'VARCHAR', doc: 'Tag of the clicked element (lower case).' },
  { name: 'element_id', type: 'VARCHAR', doc: 'id attribute of the element.' },
  { name: 'element_classes', type: 'VARCHAR', doc: 'Space-separated class list of the element.' },
  { name: 'element_text', type: 'VARCHAR', doc: 'Trimmed visible text of the element.' },
  { name: 'element_selector', type: 'VARCHAR', doc: 'Bounded CSS selector path of the element.' },
  { name: 'element_href', type: 'VARCHAR', doc: 'href of the element (links).' },
  { name: 'x', type: 'INTEGER', doc: 'Click x position in the document (px).' },
  { name: 'y', type: 'INTEGER', doc: 'Click y position in the document (px).' },
  { name: 'scroll_depth', type: 'INTEGER', doc: 'Maximum scroll depth of the page view, percent 0-100.' },
  { name: 'viewport_w', type: 'INTEGER', doc: 'Viewport width (px).' },
  { name: 'viewport_h', type: 'INTEGER', doc: 'Viewport height (px).' },
  { name: 'screen_w', type: 'INTEGER', doc: 'Screen width (px).' },
  { name: 'screen_h', type: 'INTEGER', doc: 'Screen height (px).' },
  { name: 'language', type: 'VARCHAR', doc: 'Browser language (BCP 47).' },
  { name: 'timezone', type: 'VARCHAR', doc: 'IANA time zone of the browser.' },
  { name: 'user_agent', type: 'VARCHAR', doc: 'User-Agent header of the request.' },
  { name: 'properties', type: 'VARCHAR', doc: 'The event `props` object as JSON text (`{}` when none).' },
  // Version 2: enrichment (done by the collector at the edge; docs/enrichment.md).
  { name: 'browser', type: 'VARCHAR', since: 2, doc: 'Browser name parsed from the user agent (and client hints), e.g. Chrome.' },
  { name: 'browser_version', type: 'VARCHAR', since: 2, doc: 'Browser version, e.g. 131.0.0.0.' },
  { name: 'os', type: 'VARCHAR', since: 2, doc: 'Operating system name, e.g. Windows, iOS, Android.' },
  { name: 'os_version', type: 'VARCHAR', since: 2, doc: 'Operating system version.' },
  { name: 'device_type', type: 'VARCHAR', since: 2, doc: 'desktop, mobile, tablet, smarttv, console, wearable, embedded, xr or bot.' },
  { name: 'device_vendor', type: 'VARCHAR', since: 2, doc: 'Device vendor, e.g. Apple, Samsung (NULL when unknown).' },
  { name: 'device_model', type: 'VARCHAR', since: 2, doc: 'Device model, e.g. iPhone, SM-S918B (NULL when unknown).' },
  { name: 'is_bot', type: 'BOOLEAN', since: 2, doc: 'True for events from a detected bot (kept only when collector.bots is "keep").' },
  { name: 'bot_reason', type: 'VARCHAR', since: 2, doc: 'Why the event was classed as a bot (NULL for humans).' },
  { name: 'country', type: 'VARCHAR', since: 2, doc: 'ISO 3166-1 alpha-2 country of the client IP (offline database).' },
  { name: 'region', type: 'VARCHAR', since: 2, doc: 'Region/state of the client IP, where the database has it.' },
  { name: 'city', type: 'VARCHAR', since: 2, doc: 'City of the client IP, where the database has it.' },
  { name: 'ip', type: 'VARCHAR', since: 2, doc: 'Client IP truncated to /24 (IPv4) or /48 (IPv6) when privacy.ip is "truncate"; NULL by default (never the raw IP).' },
  { name: 'referrer_host', type: 'VARCHAR', since: 2, doc: 'Host of referrer (NULL when none or same site).' },
  { name: 'channel', type: 'VARCHAR', since: 2, doc: 'direct, organic_search, paid_search, organic_social, paid_social, email, referral or paid_other.' },
  { name: 'utm_source', type: 'VARCHAR', since: 2, doc: 'utm_source from the page URL.' },
  { name: 'utm_medium', type: 'VARCHAR', since: 2, doc: 'utm_medium from the page URL.' },
  { name: 'utm_campaign', type: 'VARCHAR', since: 2, doc: 'utm_campaign from the page URL.' },
  { name: 'utm_term', type: 'VARCHAR', since: 2, doc: 'utm_term from the page URL.' },
  { name: 'utm_content', type: 'VARCHAR', since: 2, doc: 'utm_content from the page URL.' },
  { name: 'click_id_type', type: 'VARCHAR', since: 2, doc: 'Ad click id parameter found in the page URL: gclid, fbclid or msclkid (the id itself is not kept).' },
  { name: 'dropped', type: 'INTEGER', since: 2, doc: 'Events the tracker reports it dropped on this device since its previous sent event (queue overflow); NULL when not reported.' },
];

/** Hive partition columns, derived from `ts` (UTC) by the writer and present in the path: dt=YYYY-MM-DD/hour=HH. */
export const PARTITION_COLUMNS = ['dt', 'hour'] as const;

/**
 * One event as the collector hands it to the buffer (JSON-serialised). Keys are exactly LAKE_COLUMNS' names.
 * Timestamps are ISO-8601 strings in UTC with a `Z` suffix (e.g. `2026-11-27T10:00:00.000Z`).
 */
export interface LakeRow {
  event_id: string;
  event_type: string;
  event_name: string | null;
  ts: string;
  client_ts: string | null;
  received_at: string;
  site_id: string;
  anonymous_id: string | null;
  user_id: string | null;
  session_id: string | null;
  seq: number | null;
  page_url: string | null;
  page_host: string | null;
  page_path: string | null;
  page_title: string | null;
  referrer: string | null;
  element_tag: string | null;
  element_id: string | null;
  element_classes: string | null;
  element_text: string | null;
  element_selector: string | null;
  element_href: string | null;
  x: number | null;
  y: number | null;
  scroll_depth: number | null;
  viewport_w: number | null;
  viewport_h: number | null;
  screen_w: number | null;
  screen_h: number | null;
  language: string | null;
  timezone: string | null;
  user_agent: string | null;
  properties: string;
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  os_version: string | null;
  device_type: string | null;
  device_vendor: string | null;
  device_model: string | null;
  is_bot: boolean | null;
  bot_reason: string | null;
  country: string | null;
  region: string | null;
  city: string | null;
  ip: string | null;
  referrer_host: string | null;
  channel: string | null;
  utm_source: string | null;
  utm_medium: string | null;
  utm_campaign: string | null;
  utm_term: string | null;
  utm_content: string | null;
  click_id_type: string | null;
  dropped: number | null;
}

/** `columns` argument for DuckDB's read_json / structure for from_json: {"event_id":"VARCHAR", ...}. */
export function duckdbColumnsStruct(): string {
  return '{' + LAKE_COLUMNS.map((c) => `'${c.name}': '${c.type}'`).join(', ') + '}';
}

/** Partition path segment of a timestamp, e.g. `dt=2026-11-27/hour=09`. */
export function partitionOf(tsIso: string): string {
  return `dt=${tsIso.slice(0, 10)}/hour=${tsIso.slice(11, 13)}`;
}

/** The schema-v2 enrichment columns of LakeRow. */
export type EnrichmentFields = Pick<
  LakeRow,
  | 'browser' | 'browser_version' | 'os' | 'os_version' | 'device_type' | 'device_vendor' | 'device_model'
  | 'is_bot' | 'bot_reason' | 'country' | 'region' | 'city' | 'ip' | 'referrer_host' | 'channel'
  | 'utm_source' | 'utm_medium' | 'utm_campaign' | 'utm_term' | 'utm_content' | 'click_id_type' | 'dropped'
>;

/** Every enrichment column NULL: rows of generators and tests that do not enrich. */
export const NO_ENRICHMENT: Readonly<EnrichmentFields> = Object.freeze({
  browser: null, browser_version: null, os: null, os_version: null, device_type: null, device_vendor: null,
  device_model: null, is_bot: null, bot_reason: null, country: null, region: null, city: null, ip: null,
  referrer_host: null, channel: null, utm_source: null, utm_medium: null, utm_campaign: null, utm_term: null,
  utm_content: null, click_id_type: null, dropped: null,
});
