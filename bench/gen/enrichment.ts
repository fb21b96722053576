/**
 * What the collector's enrichment (src/enrich) would add to the synthetic events, as fixed tables keyed by the
 * catalog's user agents, time zones and referrers, so both bench generators (lake-rows.ts for the writer, the SQL
 * lake generator for the queries) produce realistic browser/os/device/country/referrer_host/channel/utm columns
 * without running the parsers per event. Approximates src/enrich's rules (docs/enrichment.md); it is test data.
 */
export interface UaInfo {
  readonly browser: string;
  readonly browser_version: string;
  readonly os: string;
  readonly os_version: string;
  readonly device_type: string;
  readonly device_vendor: string | null;
  readonly device_model: string | null;
}

/** Matched in order against the user agent. */
const UA_RULES: readonly [RegExp, UaInfo][] = [
  [/Edg\//, { browser: 'Edge', browser_version: '131.0.0.0', os: 'Windows', os_version: '10', device_type: 'desktop', device_vendor: null, device_model: null }],
  [/iPhone/, { browser: 'Mobile Safari', browser_version: '18.1', os: 'iOS', os_version: '18.1', device_type: 'mobile', device_vendor: 'Apple', device_model: 'iPhone' }],
  [/Android/, { browser: 'Chrome', browser_version: '131.0.0.0', os: 'Android', os_version: '10', device_type: 'mobile', device_vendor: null, device_model: 'K' }],
  [/Firefox\//, { browser: 'Firefox', browser_version: '133.0', os: 'Windows', os_version: '10', device_type: 'desktop', device_vendor: null, device_model: null }],
  [/Macintosh.*Version\/[\d.]+ Safari/, { browser: 'Safari', browser_version: '18.1', os: 'macOS', os_version: '10.15.7', device_type: 'desktop', device_vendor: 'Apple', device_model: 'Macintosh' }],
  [/Macintosh/, { browser: 'Chrome', browser_version: '131.0.0.0', os: 'macOS', os_version: '10.15.7', device_type: 'desktop', device_vendor: 'Apple', device_model: 'Macintosh' }],
  [/Windows/, { browser: 'Chrome', browser_version: '131.0.0.0', os: 'Windows', os_version: '10', device_type: 'desktop', device_vendor: null, device_model: null }],
];

export function uaInfo(userAgent: string): UaInfo | null {
  for (const [re, info] of UA_RULES) if (re.test(userAgent)) return info;
  return null;
}

const COUNTRY_BY_TZ: Readonly<Record<string, string>> = {
  'America/New_York': 'US', 'America/Chicago': 'US', 'America/Los_Angeles': 'US', 'Europe/London': 'GB',
  'Europe/Berlin': 'DE', 'Europe/Paris': 'FR', 'Europe/Madrid': 'ES', 'America/Sao_Paulo': 'BR', 'Asia/Tokyo': 'JP',
  'Asia/Kolkata': 'IN',
};

export function countryOf(timezone: string | null): string | null {
  return timezone === null ? null : COUNTRY_BY_TZ[timezone] ?? null;
}

const SEARCH = /(^|\.)(google|bing|duckduckgo)\./;
const SOCIAL = /(^|\.)(t\.co|reddit\.com|facebook\.com|linkedin\.com|twitter\.com)$/;

/** referrer_host (NULL for none or the same site) and channel, from the referrer and the page URL's utm values. */
export function sourceOf(referrer: string | null, pageHost: string | null, utm: { source: string | null; medium: string | null }): { referrer_host: string | null; channel: string } {
  let host: string | null = null;
  if (referrer) {
    try {
      host = new URL(referrer).hostname;
    } catch {
      host = null;
    }
  }
  if (host !== null && host === pageHost) host = null;
  const medium = utm.medium?.toLowerCase() ?? null;
  let channel = 'direct';
  if (medium === 'cpc') channel = utm.source === 'facebook' || utm.source === 'twitter' ? 'paid_social' : 'paid_search';
  else if (medium === 'email') channel = 'email';
  else if (medium === 'social') channel = 'organic_social';
  else if (host !== null) channel = SEARCH.test(host) ? 'organic_search' : SOCIAL.test(host) ? 'organic_social' : 'referral';
  else if (utm.source || utm.medium) channel = 'referral';
  return { referrer_host: host, channel };
}

/** The same channel rules in DuckDB SQL over expressions `host` (referrer_host) and `medium`/`source` (utm). */
export function channelSql(host: string, source: string, medium: string): string {
  return `CASE WHEN ${medium} = 'cpc' THEN CASE WHEN ${source} IN ('facebook', 'twitter') THEN 'paid_social' ELSE 'paid_search' END
    WHEN ${medium} = 'email' THEN 'email' WHEN ${medium} = 'social' THEN 'organic_social'
    WHEN ${host} IS NOT NULL THEN CASE WHEN regexp_matches(${host}, '(^|\\.)(google|bing|duckduckgo)\\.') THEN 'organic_search'
      WHEN regexp_matches(${host}, '(^|\\.)(t\\.co|reddit\\.com|facebook\\.com|linkedin\\.com|twitter\\.com)$') THEN 'organic_social'
      ELSE 'referral' END
    WHEN ${source} IS NOT NULL OR ${medium} IS NOT NULL THEN 'referral' ELSE 'direct' END`;
}
