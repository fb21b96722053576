import { NO_ENRICHMENT, type LakeRow } from '../core/schema.js';

/**
 * A generated data set for the dashboard tests, with its answers known by construction (test/helpers/stats-lake.ts
 * puts it behind a real query engine). Deterministic: everything derives from the visitor and session numbers.
 *
 * Visitor v (0 <= v < visitors): anonymous_id `v<v>`, country COUNTRIES[v % 4], device/browser/os by v % 3,
 * language by v % 2, screen by v % 2, 1 + v % 3 sessions. Session s of visitor v:
 *   - starts on day (v + 2s) % days at hour (7v + 5s) % 24, minute v % 60;
 *   - 1 + (v + s) % 4 page views, 60 s apart, pages PAGES[(v + s + k) % PAGES.length];
 *   - the first page view carries the session's source SOURCES[(v + s) % SOURCES.length];
 *   - each page view k is followed 10 s later by a scroll event (scroll_depth (17(v + k)) % 101,
 *     engaged_ms 1000(k + 1)) and, when (v + s + k) % 3 == 0, 20 s later by a click on `button.buy` "Buy" at
 *     x = (13v) % 400, y = 100 + 50k, viewport 1280;
 *   - session 0 of every visitor with v % 4 == 1 ends with a custom `signup` event {plan, seats} 30 s after its
 *     last page view.
 * `truth` is accumulated while generating (not computed from the rows): what the overview must answer.
 */
export const COUNTRIES = ['DE', 'US', 'FR', null] as const;
export const DEVICES = ['desktop', 'mobile', 'tablet'] as const;
export const BROWSERS = ['Chrome', 'Safari', 'Firefox'] as const;
export const OSES = ['Windows', 'iOS', 'Android'] as const;
export const PAGES = ['/', '/pricing', '/docs', '/blog/a', '/signup'] as const;
export const SOURCES = [
  { referrer_host: null, channel: null, utm_source: null, utm_medium: null, utm_campaign: null },
  { referrer_host: 'www.google.com', channel: 'organic_search', utm_source: null, utm_medium: null, utm_campaign: null },
  { referrer_host: 'news.ycombinator.com', channel: 'referral', utm_source: null, utm_medium: null, utm_campaign: null },
  { referrer_host: null, channel: 'email', utm_source: 'newsletter', utm_medium: 'email', utm_campaign: 'launch' },
  { referrer_host: 't.co', channel: 'organic_social', utm_source: 'twitter', utm_medium: 'social', utm_campaign: 'launch' },
] as const;

export interface DatasetOptions {
  readonly visitors?: number;
  readonly days?: number;
  /** First day, YYYY-MM-DD. */
  readonly start?: string;
  readonly site?: string;
}

export interface SessionTruth {
  readonly visitor: string;
  readonly session: string;
  readonly day: string;
  readonly pageViews: number;
  readonly interactions: number;
  readonly durationMs: number;
  readonly entry: string;
  readonly exit: string;
}

export interface Dataset {
  readonly rows: LakeRow[];
  readonly sessions: SessionTruth[];
  readonly site: string;
  readonly start: string;
  readonly days: number;
}

const SECOND = 1000;
const DAY_MS = 86_400_000;

export function generateDataset(options: DatasetOptions = {}): Dataset {
  const visitors = options.visitors ?? 40;
  const days = options.days ?? 7;
  const start = options.start ?? '2026-11-20';
  const site = options.site ?? 'shop';
  const t0 = Date.parse(`${start}T00:00:00Z`);
  const rows: LakeRow[] = [];
  const sessions: SessionTruth[] = [];
  let id = 0;
  for (let v = 0; v < visitors; v++) {
    const visitor = {
      anonymous_id: `v${v}`,
      country: COUNTRIES[v % 4]!,
      device_type: DEVICES[v % 3]!,
      browser: BROWSERS[v % 3]!,
      os: OSES[v % 3]!,
      language: v % 2 === 0 ? 'en' : 'de',
      screen_w: v % 2 === 0 ? 1920 : 390,
      screen_h: v % 2 === 0 ? 1080 : 844,
    };
    for (let s = 0; s < 1 + (v % 3); s++) {
      const session_id = `v${v}-s${s}`;
      const dayIndex = (v + 2 * s) % days;
      const begin = t0 + dayIndex * DAY_MS + ((7 * v + 5 * s) % 24) * 3_600_000 + (v % 60) * 60 * SECOND;
      const pages = 1 + ((v + s) % 4);
      const source = SOURCES[(v + s) % SOURCES.length]!;
      let last = begin;
      let interactions = 0;
      let seq = 0;
      const event = (type: string, ts: number, page: string, extra: Partial<LakeRow>): void => {
        last = Math.max(last, ts);
        rows.push(baseRow(site, { ...visitor, session_id, event_id: `e${id++}`, seq: ++seq, event_type: type, ts: new Date(ts).toISOString(), received_at: new Date(ts).toISOString(), page_path: page, page_url: `https://shop.example${page}`, ...extra }));
      };
      const visited: string[] = [];
      for (let k = 0; k < pages; k++) {
        const page = PAGES[(v + s + k) % PAGES.length]!;
        visited.push(page);
        const at = begin + k * 60 * SECOND;
        event('page_view', at, page, k === 0 ? { ...source, referrer: source.referrer_host ? `https://${source.referrer_host}/` : null } : {});
        event('scroll', at + 10 * SECOND, page, { scroll_depth: (17 * (v + k)) % 101, properties: JSON.stringify({ engaged_ms: 1000 * (k + 1) }) });
        if ((v + s + k) % 3 === 0) {
          interactions++;
          event('click', at + 20 * SECOND, page, {
            element_tag: 'button', element_selector: 'button.buy', element_text: 'Buy', x: (13 * v) % 400, y: 100 + 50 * k, viewport_w: 1280,
          });
        }
      }
      if (s === 0 && v % 4 === 1) {
        interactions++;
        event('custom', begin + (pages - 1) * 60 * SECOND + 30 * SECOND, visited[visited.length - 1]!, {
          event_name: 'signup', properties: JSON.stringify({ plan: v % 8 === 1 ? 'pro' : 'free', seats: v % 3 }),
        });
      }
      sessions.push({
        visitor: visitor.anonymous_id, session: session_id, day: new Date(t0 + dayIndex * DAY_MS).toISOString().slice(0, 10),
        pageViews: pages, interactions, durationMs: last - begin, entry: visited[0]!, exit: visited[visited.length - 1]!,
      });
    }
  }
  return { rows, sessions, site, start, days };
}

function baseRow(site: string, fields: Partial<LakeRow>): LakeRow {
  return {
    ...NO_ENRICHMENT,
    event_id: '', event_type: 'page_view', event_name: null, ts: '', client_ts: null, received_at: '', site_id: site,
    anonymous_id: null, user_id: null, session_id: null, seq: null, page_url: null, page_host: 'shop.example',
    page_path: null, page_title: null, referrer: null, element_tag: null, element_id: null, element_classes: null,
    element_text: null, element_selector: null, element_href: null, x: null, y: null, scroll_depth: null,
    viewport_w: 1280, viewport_h: 720, screen_w: null, screen_h: null, language: null, timezone: 'UTC',
    user_agent: 'testkit', properties: '{}',
    ...fields,
  };
}

/** Sessions of `dataset` whose start day is in [fromDay, toDay] (inclusive, YYYY-MM-DD); sessions never cross days. */
export function sessionsBetween(dataset: Dataset, fromDay: string, toDay: string): SessionTruth[] {
  return dataset.sessions.filter((s) => s.day >= fromDay && s.day <= toDay);
}

/** The overview's expected totals for a set of sessions (no filters), from the generator's truth. */
export function expectedTotals(sessions: readonly SessionTruth[]) {
  const n = sessions.length;
  const pageViews = sessions.reduce((a, s) => a + s.pageViews, 0);
  const bounces = sessions.filter((s) => s.pageViews === 1 && s.interactions === 0).length;
  const duration = sessions.reduce((a, s) => a + s.durationMs, 0);
  const r4 = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    visitors: new Set(sessions.map((s) => s.visitor)).size,
    sessions: n,
    page_views: pageViews,
    bounce_rate: n === 0 ? 0 : r4(bounces / n),
    avg_session_seconds: n === 0 ? 0 : Math.round((duration / n / 1000) * 1000) / 1000,
    views_per_session: n === 0 ? 0 : r4(pageViews / n),
  };
}

/** Rows of one site in [from, to) (ISO instants), optionally matching a predicate. */
export function rowsIn(rows: readonly LakeRow[], site: string, from: string, to: string, where: (r: LakeRow) => boolean = () => true): LakeRow[] {
  const a = Date.parse(from);
  const b = Date.parse(to);
  return rows.filter((r) => r.site_id === site && Date.parse(r.ts) >= a && Date.parse(r.ts) < b && where(r));
}

/** Counts per key, sorted like the API (count desc, then key), cut to `limit`. */
export function topCounts<T>(items: readonly T[], key: (t: T) => string, count: (group: T[]) => number, limit: number): { value: string; n: number }[] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.entries()]
    .map(([value, group]) => ({ value, n: count(group) }))
    .sort((x, y) => y.n - x.n || (x.value < y.value ? -1 : x.value > y.value ? 1 : 0))
    .slice(0, limit);
}

export function distinct<T>(items: readonly T[], key: (t: T) => string | null): number {
  return new Set(items.map(key).filter((k) => k !== null)).size;
}
