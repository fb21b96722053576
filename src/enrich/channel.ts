import type { ClickIdType } from './url.js';
import { SEARCH, SOCIAL, WEBMAIL, type SourceList } from './sources-data.js';

/**
 * referrer_host and channel (docs/enrichment.md, "Channels"). The rules, first match wins:
 *
 * 1. gclid or msclkid in the page URL -> paid_search (Google / Microsoft Ads auto-tagging).
 * 2. utm_medium paid (cpc, ppc, retargeting, paid*, anything with "cp" such as cpm/cpv, as in GA4) ->
 *    paid_search / paid_social when utm_source or else the referrer is a search engine / social network,
 *    else paid_other. display, banner, interstitial, expandable -> paid_other.
 * 3. utm_medium email / e-mail / e_mail / newsletter -> email; social / social-network / social-media / sm ->
 *    organic_social; organic -> organic_search; referral / affiliate -> referral.
 * 4. utm_source names a search engine / social network / mail tool -> organic_search / organic_social / email.
 * 5. fbclid -> organic_social (Facebook adds it to every outbound link, ads or not; tag ads with utm_medium).
 * 6. The referrer host is a search engine / social network / webmail -> organic_search / organic_social / email;
 *    any other host -> referral.
 * 7. Any utm_source or utm_medium (a tagged link that matched nothing above) -> referral; else direct.
 */
export type Channel =
  | 'direct' | 'organic_search' | 'paid_search' | 'organic_social' | 'paid_social' | 'email' | 'referral' | 'paid_other';

export type SourceKind = 'search' | 'social' | 'email';

const exact = new Map<string, SourceKind>();
const wildcard = new Map<string, SourceKind>();
const names = new Map<string, SourceKind>();
function add(list: SourceList, kind: SourceKind): void {
  for (const h of list.hosts) {
    if (h.endsWith('.*')) wildcard.set(h.slice(0, -2), kind);
    else exact.set(h, kind);
  }
  for (const n of list.names) names.set(n, kind);
}
add(SEARCH, 'search');
add(SOCIAL, 'social');
add(WEBMAIL, 'email');

const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go', 'gob', 'nic']);

/** Is `labels` (1 or 2 labels) a public suffix such as "de", "com", "co.uk", "com.br"? */
function isSuffix(labels: string[]): boolean {
  if (labels.length === 1) return /^[a-z]{2,}$/.test(labels[0]!);
  return labels.length === 2 && SECOND_LEVEL.has(labels[0]!) && /^[a-z]{2}$/.test(labels[1]!);
}

/** What kind of source a host is (most specific pattern wins: mail.google.com is webmail, google.com search). */
export function kindOfHost(host: string | null): SourceKind | null {
  if (host === null) return null;
  const known = hostKinds.get(host);
  if (known !== undefined) return known;
  const kind = lookupHost(host);
  if (hostKinds.size >= MAX_HOST_KINDS) hostKinds.clear();
  hostKinds.set(host, kind);
  return kind;
}

/** Memo of kindOfHost (referrer hosts repeat); cleared when full. */
const hostKinds = new Map<string, SourceKind | null>();
const MAX_HOST_KINDS = 10_000;

function lookupHost(host: string): SourceKind | null {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  for (let i = 0; i < labels.length - 1; i++) {
    const hit = exact.get(labels.slice(i).join('.'));
    if (hit !== undefined) return hit;
    const rest = labels.slice(i + 1);
    if (rest.length <= 2 && isSuffix(rest)) {
      const w = wildcard.get(labels[i]!);
      if (w !== undefined) return w;
    }
  }
  return null;
}

export function kindOfSource(utmSource: string | null): SourceKind | null {
  if (utmSource === null) return null;
  const s = utmSource.toLowerCase().trim();
  return names.get(s) ?? kindOfHost(s.includes('.') ? s : null);
}

const PAID = /^(.*cp.*|ppc|retargeting|paid.*)$/;
const DISPLAY = new Set(['display', 'banner', 'interstitial', 'expandable']);
const EMAIL = new Set(['email', 'e-mail', 'e_mail', 'e mail', 'newsletter']);
const SOCIAL_MEDIA = new Set(['social', 'social-network', 'social-media', 'social_network', 'social_media', 'social network', 'social media', 'sm']);
const REFERRAL = new Set(['referral', 'affiliate', 'affiliates']);

export interface ChannelInput {
  readonly referrerHost: string | null;
  readonly utmSource: string | null;
  readonly utmMedium: string | null;
  readonly clickId: ClickIdType | null;
}

export function classifyChannel(i: ChannelInput): Channel {
  if (i.clickId === 'gclid' || i.clickId === 'msclkid') return 'paid_search';
  const medium = i.utmMedium === null ? null : i.utmMedium.toLowerCase().trim();
  if (medium !== null) {
    if (PAID.test(medium)) {
      const kind = kindOfSource(i.utmSource) ?? kindOfHost(i.referrerHost);
      return kind === 'search' ? 'paid_search' : kind === 'social' ? 'paid_social' : 'paid_other';
    }
    if (DISPLAY.has(medium)) return 'paid_other';
    if (EMAIL.has(medium)) return 'email';
    if (SOCIAL_MEDIA.has(medium)) return 'organic_social';
    if (medium === 'organic') return 'organic_search';
    if (REFERRAL.has(medium)) return 'referral';
  }
  const source = kindOfSource(i.utmSource);
  if (source !== null) return source === 'search' ? 'organic_search' : source === 'social' ? 'organic_social' : 'email';
  if (i.clickId === 'fbclid') return 'organic_social';
  const host = kindOfHost(i.referrerHost);
  if (host !== null) return host === 'search' ? 'organic_search' : host === 'social' ? 'organic_social' : 'email';
  if (i.referrerHost !== null) return 'referral';
  return i.utmSource !== null || medium !== null ? 'referral' : 'direct';
}

/**
 * The referrer's host name (lower case, no port), or null: no referrer, not an absolute URL, or the page's own
 * host (an internal navigation; "www." is ignored on both sides). Read by hand (scheme "://" authority), without
 * the URL parser: it runs for every distinct referrer on the ingest path.
 */
export function referrerHostOf(referrer: string | null, pageHost: string | null): string | null {
  if (referrer === null) return null;
  const host = hostOf(referrer);
  if (host === null) return null;
  if (pageHost !== null && bare(hostnameOf(pageHost)) === bare(host)) return null;
  return host;
}

/** scheme "://" [userinfo "@"] host: the host is group 1 (a bracketed IPv6 literal or a name up to : / ? # \\). */
const AUTHORITY = /^[a-z][a-z0-9+.-]{0,31}:\/\/(?:[^/?#\\@]*@)?(\[[0-9a-f:.]+\]|[^/?#\\:@]*)/i;

function hostOf(url: string): string | null {
  const m = AUTHORITY.exec(url);
  if (m === null) return null;
  let host = m[1]!.toLowerCase();
  if (host.endsWith('.')) host = host.slice(0, -1);
  return host === '' || host.length > 253 ? null : host;
}

/** URL.host ("Example.com:8080", "[::1]:80") -> its host name in lower case. */
function hostnameOf(host: string): string {
  const colon = host.startsWith('[') ? host.indexOf(':', host.indexOf(']')) : host.indexOf(':');
  return (colon >= 0 ? host.slice(0, colon) : host).toLowerCase();
}

const bare = (h: string): string => (h.startsWith('www.') ? h.slice(4) : h);
