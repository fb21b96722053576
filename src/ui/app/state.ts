// The dashboard's state lives in the URL query string, so that a link can be shared and the back button works:
//   ?view=overview&site=shop&range=30d&filter=country:DE&filter=device!:mobile&page=/pricing
// `range` is a preset (today, yesterday, 7d, 30d, 90d, 12mo) or `custom` with `from`/`to` (UTC days, inclusive).
// View-specific values (the page of the paths view, the funnel being edited, ...) are kept as further parameters.
// Pure functions only (no DOM), so they are unit-tested under Node.

export const VIEWS = [
  'overview',
  'realtime',
  'pages',
  'sources',
  'clicks',
  'audience',
  'funnels',
  'retention',
  'paths',
  'events',
  'sql',
] as const;
export type View = (typeof VIEWS)[number];

/** The filter names of the dashboard API (docs/dashboard-api.md), with the label shown in the filter bar. */
export const FILTER_NAMES = {
  page: 'Page',
  referrer: 'Referrer',
  channel: 'Channel',
  country: 'Country',
  device: 'Device',
  browser: 'Browser',
  os: 'OS',
  utm_source: 'UTM source',
  utm_medium: 'UTM medium',
  utm_campaign: 'UTM campaign',
  event: 'Event name',
  type: 'Event type',
} as const;
export type FilterName = keyof typeof FILTER_NAMES;

export const PRESETS = {
  today: 'Today',
  yesterday: 'Yesterday',
  '7d': 'Last 7 days',
  '30d': 'Last 30 days',
  '90d': 'Last 90 days',
  '12mo': 'Last 12 months',
  custom: 'Custom',
} as const;
export type Preset = keyof typeof PRESETS;

export interface Filter {
  readonly name: FilterName;
  readonly op: 'eq' | 'neq';
  readonly value: string;
}

export interface UrlState {
  readonly view: View;
  readonly site: string | null;
  readonly range: Preset;
  /** Only for range=custom: UTC days YYYY-MM-DD, inclusive. */
  readonly from: string | null;
  readonly to: string | null;
  readonly filters: readonly Filter[];
  /** Other parameters (view-specific), in order. */
  readonly extra: Readonly<Record<string, string>>;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MAX_FILTERS = 20;
const MAX_VALUE = 500;
const OWN = new Set(['view', 'site', 'range', 'from', 'to', 'filter']);

export function isDay(s: string | null | undefined): s is string {
  if (!s || !DAY.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

/** `name:value` or `name!:value`; null when the name is not a known filter or the value is empty. */
export function parseFilter(text: string): Filter | null {
  const m = /^([a-z_]+)(!?):([\s\S]+)$/.exec(text);
  if (!m || !Object.hasOwn(FILTER_NAMES, m[1]!)) return null;
  const value = m[3]!.slice(0, MAX_VALUE);
  return { name: m[1] as FilterName, op: m[2] ? 'neq' : 'eq', value };
}

export function formatFilter(f: Filter): string {
  return `${f.name}${f.op === 'neq' ? '!' : ''}:${f.value}`;
}

/** Reads the state from a query string; anything unknown or malformed falls back to the defaults. */
export function parseState(search: string): UrlState {
  const p = new URLSearchParams(search);
  const viewParam = p.get('view');
  const view: View = (VIEWS as readonly string[]).includes(viewParam ?? '') ? (viewParam as View) : 'overview';
  const rangeParam = p.get('range') ?? '';
  let range: Preset = Object.hasOwn(PRESETS, rangeParam) ? (rangeParam as Preset) : '7d';
  let from: string | null = null;
  let to: string | null = null;
  if (range === 'custom' || (!p.has('range') && (p.has('from') || p.has('to')))) {
    from = p.get('from');
    to = p.get('to');
    if (isDay(from) && isDay(to) && from <= to) range = 'custom';
    else [range, from, to] = ['7d', null, null];
  }
  const filters: Filter[] = [];
  const seen = new Set<string>();
  for (const text of p.getAll('filter')) {
    const f = parseFilter(text);
    if (!f || seen.has(formatFilter(f)) || filters.length >= MAX_FILTERS) continue;
    seen.add(formatFilter(f));
    filters.push(f);
  }
  const extra: Record<string, string> = {};
  for (const [k, v] of p) if (!OWN.has(k) && !Object.hasOwn(extra, k)) extra[k] = v.slice(0, 10_000);
  const site = p.get('site');
  return { view, site: site ? site.slice(0, 200) : null, range, from, to, filters, extra };
}

/** The query string of a state (without "?"); defaults are left out so links stay short. */
export function serializeState(s: UrlState): string {
  const p = new URLSearchParams();
  p.set('view', s.view);
  if (s.site) p.set('site', s.site);
  if (s.range === 'custom' && s.from && s.to) {
    p.set('range', 'custom');
    p.set('from', s.from);
    p.set('to', s.to);
  } else if (s.range !== '7d' && s.range !== 'custom') p.set('range', s.range);
  for (const f of s.filters) p.append('filter', formatFilter(f));
  for (const [k, v] of Object.entries(s.extra)) if (!OWN.has(k) && v !== '') p.set(k, v);
  return p.toString();
}

export function withFilter(s: UrlState, f: Filter): UrlState {
  const rest = s.filters.filter((x) => !(x.name === f.name && x.op === f.op && x.value === f.value));
  return { ...s, filters: [...rest, f] };
}

export function withoutFilter(s: UrlState, index: number): UrlState {
  return { ...s, filters: s.filters.filter((_, i) => i !== index) };
}

export function withExtra(s: UrlState, values: Record<string, string | null>): UrlState {
  const extra: Record<string, string> = { ...s.extra };
  for (const [k, v] of Object.entries(values)) {
    if (v === null || v === '') delete extra[k];
    else extra[k] = v;
  }
  return { ...s, extra };
}

export function day(d: Date): string {
  return d.toISOString().slice(0, 10);
}

export function addDays(dayText: string, n: number): string {
  const d = new Date(`${dayText}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return day(d);
}

/** Days between two YYYY-MM-DD, inclusive of both. */
export function spanDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1;
}

/** The UTC days (inclusive) the state covers at `now`. */
export function resolveRange(s: Pick<UrlState, 'range' | 'from' | 'to'>, now: Date): { from: string; to: string } {
  const today = day(now);
  switch (s.range) {
    case 'today':
      return { from: today, to: today };
    case 'yesterday':
      return { from: addDays(today, -1), to: addDays(today, -1) };
    case '30d':
      return { from: addDays(today, -29), to: today };
    case '90d':
      return { from: addDays(today, -89), to: today };
    case '12mo':
      return { from: addDays(today, -364), to: today };
    case 'custom':
      if (isDay(s.from) && isDay(s.to) && s.from <= s.to) return { from: s.from, to: s.to };
      return { from: addDays(today, -6), to: today };
    default:
      return { from: addDays(today, -6), to: today };
  }
}

/** The period of the same length right before [from, to]. */
export function previousRange(r: { from: string; to: string }): { from: string; to: string } {
  const n = spanDays(r.from, r.to);
  return { from: addDays(r.from, -n), to: addDays(r.from, -1) };
}

/** The common query parameters of the stats API for this state. */
export function apiParams(s: UrlState, now: Date, range = resolveRange(s, now)): URLSearchParams {
  const p = new URLSearchParams();
  if (s.site) p.set('site', s.site);
  p.set('from', range.from);
  p.set('to', range.to);
  for (const f of s.filters) p.append('filter', formatFilter(f));
  return p;
}

/**
 * Where to go after logging in: only a path on this origin (a leading "/" but not "//" or "/\"), else "/".
 * Protects against open redirects through /login?next=https://evil.example.
 */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f]/.test(next) || next.startsWith('/login')) return '/';
  return next.slice(0, 2000);
}
