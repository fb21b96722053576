import type { Catalog, Device, Element, Page, Site } from './catalog.js';
import { type Rng, WeightedIndex, expo, intBetween, pick, seededRng, uuidFrom, zipf } from './rng.js';

/**
 * Simulated browsing: visitors open sessions, view pages, scroll, click and fire the odd custom event.
 * `EventStream` interleaves many concurrent sessions and emits their events in time order, the way a live site's
 * traffic arrives. Formatting (collector JSON, LakeRow) is done elsewhere from these neutral events.
 */
export interface SimEvent {
  readonly type: 'page_view' | 'click' | 'scroll' | 'custom';
  readonly name: string | null;
  readonly tsMs: number;
  readonly site: Site;
  readonly visitorId: string;
  readonly sessionId: string;
  readonly seq: number;
  readonly url: string;
  readonly path: string;
  readonly title: string;
  readonly referrer: string | null;
  readonly element: Element | null;
  readonly x: number | null;
  readonly y: number | null;
  readonly scrollDepth: number | null;
  readonly device: Device;
  readonly locale: { language: string; timezone: string };
  readonly props: Record<string, string | number> | null;
}

interface Visitor {
  readonly id: string;
  readonly site: Site;
  readonly device: Device;
  readonly locale: { language: string; timezone: string };
  seq: number;
}

type Draft = Omit<SimEvent, 'seq'>;

const CUSTOM: Record<string, readonly string[]> = {
  'shop-example': ['add_to_cart', 'begin_checkout', 'purchase', 'search'],
  'blog-example': ['newsletter_signup', 'share', 'outbound_click'],
  'docs-example': ['copy_code', 'search', 'feedback'],
};

export class SessionFactory {
  private readonly visitors: (Visitor | undefined)[];
  private readonly visitorPick: WeightedIndex;

  constructor(
    private readonly catalog: Catalog,
    private readonly rng: Rng,
    visitorCount: number,
  ) {
    this.visitors = new Array(visitorCount);
    this.visitorPick = zipf(visitorCount, 0.6); // a minority of visitors come back often
  }

  private visitor(i: number): Visitor {
    let v = this.visitors[i];
    if (!v) {
      const r = seededRng(i * 7919 + 17);
      v = {
        id: uuidFrom(r),
        site: this.catalog.sites[this.catalog.siteWeights.sample(r)]!,
        device: this.catalog.devices[this.catalog.deviceWeights.sample(r)]!,
        locale: this.catalog.locales[this.catalog.localeWeights.sample(r)]!,
        seq: 0,
      };
      this.visitors[i] = v;
    }
    return v;
  }

  /** One session's events (time ordered, starting at startMs), seq assigned. */
  session(startMs: number): SimEvent[] {
    const rng = this.rng;
    const v = this.visitor(this.visitorPick.sample(rng));
    const sessionId = uuidFrom(rng);
    const pageViews = rng() < 0.4 ? 1 : 2 + Math.floor(expo(rng, 2.5));
    const out: SimEvent[] = [];
    let t = startMs;
    let referrer = this.catalog.referrers[this.catalog.referrerWeights.sample(rng)] ?? null;
    for (let i = 0; i < pageViews; i++) {
      const page = v.site.pages[v.site.popularity.sample(rng)]!;
      let url = `https://${v.site.host}${page.path}`;
      if (i === 0 && rng() < 0.08) {
        url += `?utm_source=${pick(rng, ['newsletter', 'google', 'facebook', 'twitter'])}&utm_medium=${pick(rng, ['email', 'cpc', 'social'])}&utm_campaign=${pick(rng, this.catalog.campaigns)}`;
      }
      const drafts = this.pageView(v, sessionId, page, url, referrer, t);
      for (const d of drafts) out.push({ ...d, seq: ++v.seq });
      t = drafts[drafts.length - 1]!.tsMs + intBetween(rng, 2_000, 40_000);
      referrer = url;
    }
    return out;
  }

  private pageView(v: Visitor, sessionId: string, page: Page, url: string, referrer: string | null, t0: number): Draft[] {
    const rng = this.rng;
    const base = {
      name: null, site: v.site, visitorId: v.id, sessionId, url, path: page.path, title: page.title, referrer,
      element: null, x: null, y: null, scrollDepth: null, device: v.device, locale: v.locale, props: null,
    };
    const events: Draft[] = [{ ...base, type: 'page_view', tsMs: t0 }];
    let t = t0;
    for (const [depth, p] of [[25, 0.75], [50, 0.65], [75, 0.6], [100, 0.5]] as const) {
      if (rng() >= p) break;
      t += intBetween(rng, 1_500, 20_000);
      events.push({ ...base, type: 'scroll', tsMs: t, scrollDepth: depth });
    }
    const clicks = rng() < 0.45 ? 0 : rng() < 0.65 ? 1 : rng() < 0.75 ? 2 : 3;
    for (let c = 0; c < clicks; c++) {
      const own = page.elements;
      const el = own[Math.min(own.length - 1, Math.floor(expo(rng, 1.8)))]!;
      const x = Math.min(v.device.viewport.w - 1, intBetween(rng, 20, v.device.viewport.w - 20));
      const y = intBetween(rng, 60, 2400);
      events.push({ ...base, type: 'click', tsMs: t0 + intBetween(rng, 800, 45_000), element: el, x, y });
    }
    if (rng() < 0.04) {
      const name = pick(rng, CUSTOM[v.site.id] ?? ['custom']);
      const props =
        name === 'search'
          ? { query: pick(rng, ['tent', 'boots', 'duckdb', 'parquet', 'install', 'api key', 'red jacket']) }
          : name === 'purchase' || name === 'add_to_cart'
            ? { value: intBetween(rng, 9, 400) + 0.99, currency: 'USD', items: intBetween(rng, 1, 4) }
            : { location: pick(rng, ['header', 'footer', 'inline']) };
      events.push({ ...base, type: 'custom', name, tsMs: t0 + intBetween(rng, 1_000, 30_000), props });
    }
    return events.sort((a, b) => a.tsMs - b.tsMs);
  }
}

export interface StreamOptions {
  readonly catalog: Catalog;
  readonly seed: number;
  readonly startMs: number;
  readonly endMs: number;
  /** Events the stream is expected to produce over [startMs, endMs]; sets the session arrival rate. */
  readonly expectedEvents: number;
  readonly visitors: number;
}

/** Time-ordered events of overlapping sessions (min-heap of sessions keyed by their next event time). */
export class EventStream {
  private readonly factory: SessionFactory;
  private readonly rng: Rng;
  private readonly meanSessionGapMs: number;
  private nextStart: number;
  private readonly heap: { events: SimEvent[]; i: number }[] = [];

  constructor(opts: StreamOptions) {
    this.rng = seededRng(opts.seed);
    this.factory = new SessionFactory(opts.catalog, this.rng, opts.visitors);
    const probe = new SessionFactory(opts.catalog, seededRng(opts.seed ^ 0x5eed), 1000);
    let n = 0;
    for (let i = 0; i < 400; i++) n += probe.session(0).length;
    const sessions = opts.expectedEvents / (n / 400);
    this.meanSessionGapMs = (opts.endMs - opts.startMs) / Math.max(1, sessions);
    this.nextStart = opts.startMs;
  }

  next(): SimEvent {
    while (this.heap.length === 0 || this.nextStart <= this.time(0)) {
      this.push({ events: this.factory.session(this.nextStart), i: 0 });
      this.nextStart += expo(this.rng, this.meanSessionGapMs);
    }
    const top = this.heap[0]!;
    const ev = top.events[top.i++]!;
    if (top.i === top.events.length) {
      const last = this.heap.pop()!;
      if (this.heap.length > 0) {
        this.heap[0] = last;
        this.down(0);
      }
    } else {
      this.down(0);
    }
    return ev;
  }

  private time(k: number): number {
    const s = this.heap[k]!;
    return s.events[s.i]!.tsMs;
  }

  private push(s: { events: SimEvent[]; i: number }): void {
    this.heap.push(s);
    let k = this.heap.length - 1;
    while (k > 0) {
      const p = (k - 1) >> 1;
      if (this.time(p) <= this.time(k)) break;
      [this.heap[p], this.heap[k]] = [this.heap[k]!, this.heap[p]!];
      k = p;
    }
  }

  private down(k: number): void {
    const n = this.heap.length;
    for (;;) {
      const l = 2 * k + 1;
      const r = l + 1;
      let m = k;
      if (l < n && this.time(l) < this.time(m)) m = l;
      if (r < n && this.time(r) < this.time(m)) m = r;
      if (m === k) return;
      [this.heap[m], this.heap[k]] = [this.heap[k]!, this.heap[m]!];
      k = m;
    }
  }
}
