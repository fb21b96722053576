/**
 * Query-string work on page URLs, referrers and link hrefs (docs/enrichment.md "Campaigns", docs/privacy.md
 * "Query parameter redaction"), by hand so that the rest of the URL stays byte for byte as sent (URL and
 * URLSearchParams would re-encode it) and so that a URL without a query costs one indexOf.
 *
 * - Redaction removes every parameter whose name (percent-decoded, case-insensitive) is in the set: from the query
 *   and from the fragment when the fragment carries parameters (`#/route?token=x`, `#access_token=x&state=y`,
 *   as SPA routers and OAuth implicit flows put them there). The ad click ids gclid, fbclid and msclkid are always
 *   removed too: their type is kept (click_id_type), their value is not.
 * - UTM: utm_source, utm_medium, utm_campaign, utm_term, utm_content from the page URL's query, percent-decoded
 *   (`+` is a space), trimmed, at most 256 characters; the first occurrence wins; '' is NULL.
 */
export const CLICK_IDS = ['gclid', 'msclkid', 'fbclid'] as const;
export type ClickIdType = (typeof CLICK_IDS)[number];

export const MAX_UTM = 256;

export interface PageUrlFacts {
  /** The URL with redacted parameters removed (the same string when nothing was removed). */
  readonly url: string;
  readonly utm_source: string | null;
  readonly utm_medium: string | null;
  readonly utm_campaign: string | null;
  readonly utm_term: string | null;
  readonly utm_content: string | null;
  readonly click_id_type: ClickIdType | null;
}

/** The set of parameter names to remove: the configured ones (lower case) plus the click ids. */
export function redactionSet(names: readonly string[]): ReadonlySet<string> {
  return new Set([...names.map((n) => n.toLowerCase()), ...CLICK_IDS]);
}

function decode(s: string): string {
  if (s.indexOf('%') < 0 && s.indexOf('+') < 0) return s;
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced;
  }
}

type Visit = (name: string, rawValue: string) => void;

/** Removes the redacted parameters of "a=1&b=2"; calls `visit` for each parameter (kept or not). */
function filterParams(params: string, redact: ReadonlySet<string>, visit: Visit | null): string {
  const parts = params.split('&');
  let removed = false;
  const kept: string[] = [];
  for (const part of parts) {
    const eq = part.indexOf('=');
    const name = decode(eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    if (visit !== null) visit(name, eq < 0 ? '' : part.slice(eq + 1));
    if (redact.has(name)) removed = true;
    else kept.push(part);
  }
  return removed ? kept.join('&') : params;
}

/** `url` without the redacted parameters; the same string when none is present. */
export function redactUrl(url: string, redact: ReadonlySet<string>, visitQuery: Visit | null = null): string {
  const hash = url.indexOf('#');
  const q = url.indexOf('?');
  if (q < 0 && hash < 0) return url;
  let out = url;
  // Fragment first (its offsets are past the query's).
  if (hash >= 0) {
    const frag = url.slice(hash + 1);
    const fq = frag.indexOf('?');
    const start = fq >= 0 ? fq + 1 : frag.indexOf('=') >= 0 ? 0 : -1;
    if (start >= 0) {
      const params = frag.slice(start);
      const filtered = filterParams(params, redact, null);
      if (filtered !== params) {
        const newFrag = frag.slice(0, start) + filtered;
        out = url.slice(0, hash) + (newFrag === '' || newFrag === '?' ? '' : '#' + (newFrag.endsWith('?') ? newFrag.slice(0, -1) : newFrag));
      }
    }
  }
  if (q >= 0 && (hash < 0 || q < hash)) {
    const end = hash < 0 ? out.length : hash;
    const query = out.slice(q + 1, end);
    const filtered = filterParams(query, redact, visitQuery);
    if (filtered !== query) out = out.slice(0, filtered === '' ? q : q + 1) + filtered + out.slice(end);
  }
  return out;
}

function utmValue(raw: string): string | null {
  const v = decode(raw).trim();
  return v === '' ? null : v.slice(0, MAX_UTM);
}

/** Page URL -> redacted URL, UTM values and click id type (one pass over the query). */
export function scanPageUrl(url: string, redact: ReadonlySet<string>): PageUrlFacts {
  const f = {
    url,
    utm_source: null as string | null,
    utm_medium: null as string | null,
    utm_campaign: null as string | null,
    utm_term: null as string | null,
    utm_content: null as string | null,
    click_id_type: null as ClickIdType | null,
  };
  let clickRank: number = CLICK_IDS.length;
  f.url = redactUrl(url, redact, (name, raw) => {
    if (name.startsWith('utm_')) {
      const key = name as keyof typeof f;
      if ((key === 'utm_source' || key === 'utm_medium' || key === 'utm_campaign' || key === 'utm_term' || key === 'utm_content') && f[key] === null) {
        f[key] = utmValue(raw);
      }
      return;
    }
    const rank = CLICK_IDS.indexOf(name as ClickIdType);
    if (rank >= 0 && rank < clickRank && raw !== '') {
      clickRank = rank;
      f.click_id_type = CLICK_IDS[rank]!;
    }
  });
  return f;
}
