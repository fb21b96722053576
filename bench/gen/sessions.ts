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
  /** Per-visitor counter, set by SessionFactory.session once the session's events are ordered. */
  seq: number;
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

const SCROLL_STEPS = [[25, 0.75], [50, 0.65], [75, 0.6], [100, 0.5]] as const;

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
      for (const d of drafts) {
        d.seq = ++v.seq;
        out.push(d);
      }
      t = drafts[drafts.length - 1]!.tsMs + intBetween(rng, 2_000, 40_000);
      referrer = url;
    }
    return out;
  }

  private pageView(v: Visitor, sessionId: string, page: Page, url: string, referrer: string | null, t0: number): SimEvent[] {
    const rng = this.rng;
    // One monomorphic object literal per event (spreads made this the generator's hot spot).
    const mk = (type: SimEvent['type'], tsMs: number, more?: Partial<SimEvent>): SimEvent => ({
      type, name: more?.name ?? null, tsMs, site: v.site, visitorId: v.id, sessionId, seq: 0, url, path: page.path,
      title: page.title, referrer, element: more?.element ?? null, x: more?.x ?? null, y: more?.y ?? null,
      scrollDepth: more?.scrollDepth ?? null, device: v.device, locale: v.locale, props: more?.props ?? null,
    });
    const events: SimEvent[] = [mk('page_view', t0)];
    let t = t0;
    for (const [depth, p] of SCROLL_STEPS) {
      if (rng() >= p) break;
      t += intBetween(rng, 1_500, 20_000);
      events.push(mk('scroll', t, { scrollDepth: depth }));
    }
    const clicks = rng() < 0.45 ? 0 : rng() < 0.65 ? 1 : rng() < 0.75 ? 2 : 3;
    for (let c = 0; c < clicks; c++) {
      const own = page.elements;
      const element = own[Math.min(own.length - 1, Math.floor(expo(rng, 1.8)))]!;
      const x = Math.min(v.device.viewport.w - 1, intBetween(rng, 20, v.device.viewport.w - 20));
      const y = intBetween(rng, 60, 2400);
      events.push(mk('click', t0 + intBetween(rng, 800, 45_000), { element, x, y }));
    }
    if (rng() < 0.04) {
      const name = pick(rng, CUSTOM[v.site.id] ?? ['custom']);
      const props: Record<string, string | number> =
        name === 'search'
          ? { query: pick(rng, ['tent', 'boots', 'duckdb', 'parquet', 'install', 'api key', 'red jacket']) }
          : name === 'purchase' || name === 'add_to_cart'
            ? { value: intBetween(rng, 9, 400) + 0.99, currency: 'USD', items: intBetween(rng, 1, 4) }
            : { location: pick(rng, ['header', 'footer', 'inline']) };
      events.push(mk('custom', t0 + intBetween(rng, 1_000, 30_000), { name, props }));
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
  private readonly startMs: number;
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
    // Sessions start half an hour early and events before startMs are skipped, so the stream opens in steady
    // state (already-running sessions) rather than with a burst of landing page views.
    this.startMs = opts.startMs;
    this.nextStart = opts.startMs - 30 * 60_000;
  }

  next(): SimEvent {
    for (;;) {
      const ev = this.nextAny();
      if (ev.tsMs >= this.startMs) return ev;
    }
  }

  private nextAny(): SimEvent {
    while (this.heap.length === 0 || this.nextStart <= this.time(0)) {
      this.push({ events: this.factory.session(Math.round(this.nextStart)), i: 0 });
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
