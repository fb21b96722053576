import { PRODUCTS, type Product } from './site/products.js';
import { ARTICLE } from './site/article.js';

/**
 * Synthetic visitors of the demo shop (pure and seeded: the same options give the same events). They walk the
 * same pages and click the same elements (ids, selectors, texts) as a real visitor of /demo/, so dashboards show
 * something realistic before anyone has clicked: varied devices, languages, referrers and UTM campaigns, returning
 * visitors, and a shopping funnel with drop-off at every step (FUNNEL). replay.ts sends them over HTTP.
 *
 * Every visitor carries its own User-Agent (sent as the request header: the collector takes user_agent from it)
 * and native-protocol events with event_id, seq (per visitor, no gaps), ts and sent_at inside [now - days, now).
 */
export const SYNTHETIC_SITE = 'demo-synthetic';

/** Probability of going on at each funnel step (the rest leave there). */
export const FUNNEL = {
  browse: 0.7, // landing page -> product list (when not landing there)
  product: 0.75, // product list -> a product page
  addToCart: 0.45, // product page -> add to cart
  cart: 0.7, // -> cart
  checkout: 0.6, // cart -> checkout form
  purchase: 0.65, // checkout form -> order placed
} as const;

export interface SyntheticOptions {
  readonly visitors: number;
  readonly seed: number;
  /** Epoch ms; visits fall in [now - days, now - 10 min]. */
  readonly now: number;
  /** 1-7: the collector keeps client times up to maxClockSkewMs (default 7 days) old. */
  readonly days: number;
  /** Origin of the page URLs, e.g. http://localhost:8080 (pages are <origin>/demo/...). */
  readonly origin: string;
  readonly site?: string;
}

export interface SyntheticVisitor {
  readonly userAgent: string;
  readonly events: Record<string, unknown>[];
}

/** mulberry32: a small, fast, seedable PRNG (not for secrets). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Device {
  readonly ua: string;
  readonly viewport: { w: number; h: number };
  readonly screen: { w: number; h: number };
  readonly weight: number;
  readonly bot?: boolean;
}

const DEVICES: readonly Device[] = [
  { weight: 24, ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', viewport: { w: 1536, h: 730 }, screen: { w: 1536, h: 864 } },
  { weight: 14, ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', viewport: { w: 1440, h: 789 }, screen: { w: 1440, h: 900 } },
  { weight: 9, ua: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15', viewport: { w: 1512, h: 823 }, screen: { w: 1512, h: 982 } },
  { weight: 7, ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0', viewport: { w: 1920, h: 955 }, screen: { w: 1920, h: 1080 } },
  { weight: 5, ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', viewport: { w: 1280, h: 609 }, screen: { w: 1280, h: 720 } },
  { weight: 2, ua: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0', viewport: { w: 1920, h: 969 }, screen: { w: 1920, h: 1080 } },
  { weight: 20, ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1', viewport: { w: 390, h: 664 }, screen: { w: 390, h: 844 } },
  { weight: 13, ua: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', viewport: { w: 412, h: 839 }, screen: { w: 412, h: 915 } },
  { weight: 3, ua: 'Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1', viewport: { w: 820, h: 1106 }, screen: { w: 820, h: 1180 } },
  { weight: 3, bot: true, ua: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', viewport: { w: 1024, h: 1024 }, screen: { w: 1024, h: 1024 } },
];

const LOCALES: readonly { language: string; timezone: string; weight: number }[] = [
  { language: 'en-US', timezone: 'America/New_York', weight: 22 },
  { language: 'en-US', timezone: 'America/Los_Angeles', weight: 10 },
  { language: 'en-GB', timezone: 'Europe/London', weight: 18 },
  { language: 'de-DE', timezone: 'Europe/Berlin', weight: 14 },
  { language: 'fr-FR', timezone: 'Europe/Paris', weight: 9 },
  { language: 'nl-NL', timezone: 'Europe/Amsterdam', weight: 7 },
  { language: 'es-ES', timezone: 'Europe/Madrid', weight: 6 },
  { language: 'sv-SE', timezone: 'Europe/Stockholm', weight: 4 },
  { language: 'ja-JP', timezone: 'Asia/Tokyo', weight: 4 },
  { language: 'en-AU', timezone: 'Australia/Sydney', weight: 6 },
];

type Landing = 'home' | 'products' | 'product' | 'journal';

interface Source {
  readonly weight: number;
  readonly referrer?: string;
  readonly utm?: string;
  readonly landing: readonly Landing[];
}

const SOURCES: readonly Source[] = [
  { weight: 28, landing: ['home', 'home', 'products'] },
  { weight: 24, referrer: 'https://www.google.com/', landing: ['product', 'journal', 'home'] },
  { weight: 5, referrer: 'https://www.bing.com/', landing: ['product', 'home'] },
  { weight: 4, referrer: 'https://duckduckgo.com/', landing: ['journal', 'product'] },
  { weight: 10, utm: 'utm_source=newsletter&utm_medium=email&utm_campaign=spring_sale', landing: ['products', 'product'] },
  { weight: 8, referrer: 'https://l.instagram.com/', utm: 'utm_source=instagram&utm_medium=paid_social&utm_campaign=summer_launch', landing: ['product', 'home'] },
  { weight: 6, referrer: 'https://www.facebook.com/', utm: 'utm_source=facebook&utm_medium=cpc&utm_campaign=spring_sale', landing: ['products', 'product'] },
  { weight: 5, referrer: 'https://www.reddit.com/r/coldwaterswimming/', landing: ['journal'] },
  { weight: 7, referrer: 'https://swimgear-blog.example/best-gear-2026', utm: 'utm_source=swimgear_blog&utm_medium=referral&utm_campaign=gear_guide', landing: ['product', 'products'] },
];

const SHOP = 'Lakeside Supply Co.';

function pickWeighted<T extends { weight: number }>(rand: () => number, items: readonly T[]): T {
  let r = rand() * items.reduce((s, i) => s + i.weight, 0);
  for (const item of items) if ((r -= item.weight) < 0) return item;
  return items[items.length - 1];
}

const pick = <T>(rand: () => number, items: readonly T[]): T => items[Math.floor(rand() * items.length)];

function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rand() * 4)];
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const euro = (n: number) => `€${n.toFixed(2)}`;

/** One visitor's walk; appends events through `emit`, advancing the clock. */
class Walk {
  private seq = 0;
  private session = '';
  private url = '';
  private title = '';
  private referrer: string | undefined;
  private userId: string | undefined;
  private cartItems = 0;
  private cartValue = 0;
  readonly events: Record<string, unknown>[] = [];

  constructor(
    private readonly rand: () => number,
    private readonly o: SyntheticOptions & { site: string },
    private readonly device: Device,
    private readonly locale: { language: string; timezone: string },
    private readonly anonymousId: string,
    private t: number,
  ) {}

  startSession(at: number, referrer: string | undefined): void {
    this.t = at;
    this.session = uuid(this.rand);
    this.referrer = referrer;
    this.url = '';
  }

  private wait(minS: number, maxS: number): void {
    this.t += Math.round((minS + this.rand() * (maxS - minS)) * 1000);
  }

  private emit(type: string, fields: Record<string, unknown> = {}): void {
    this.events.push({
      event_id: uuid(this.rand),
      type,
      ts: this.t,
      sent_at: this.t + 300 + Math.floor(this.rand() * 1500),
      site_id: this.o.site,
      anonymous_id: this.anonymousId,
      session_id: this.session,
      user_id: this.userId,
      seq: ++this.seq,
      url: this.url,
      title: this.title,
      viewport: this.device.viewport,
      screen: this.device.screen,
      language: this.locale.language,
      timezone: this.locale.timezone,
      ...fields,
    });
  }

  private click(type: string, element: Record<string, unknown>, name?: string): void {
    const x = Math.round(this.rand() * this.device.viewport.w);
    const y = Math.round(this.rand() * this.device.viewport.h * 2);
    this.emit(type, { name, element: { x, y, ...element } });
    this.wait(0.3, 2);
  }

  /** Leaves the current page (the tracker's scroll report), then views `path`. */
  view(path: string, title: string, query = ''): void {
    if (this.url) this.leave(20 + Math.round(this.rand() * 80));
    const referrer = this.url || this.referrer;
    this.url = `${this.o.origin}/demo${path}${query}`;
    this.title = title;
    this.emit('page_view', { referrer });
    this.wait(3, 40);
  }

  leave(depth: number): void {
    if (this.device.bot) return;
    this.emit('scroll', { scroll_depth: Math.min(100, depth), props: { engaged_ms: Math.round(2000 + this.rand() * 60_000) } });
  }

  /** The article's outbound link: the visitor leaves the shop. */
  outbound(): void {
    const href = 'https://example.com/lake-safety';
    this.click('outbound', { tag: 'a', id: 'outbound-safety', text: 'lake safety guidance', selector: 'a#outbound-safety', href });
  }

  clickLink(path: string, element: Record<string, unknown>): void {
    this.click('click', { tag: 'a', href: `${this.o.origin}/demo${path}`, ...element });
  }

  addToCart(p: Product): void {
    const qty = this.rand() < 0.8 ? 1 : 2;
    this.click('click', { tag: 'button', id: 'add-to-cart', text: 'Add to cart', selector: 'button#add-to-cart' }, 'add_to_cart');
    this.cartItems += qty;
    this.cartValue += p.price * qty;
    if (this.rand() < 0.04) {
      // A frustrated visitor hammering the price.
      this.emit('rage_click', { element: { tag: 'p', classes: 'price', text: euro(p.price), selector: `div#product-${p.slug} > div:nth-child(2) > p.price:nth-child(2)`, x: 700, y: 260 } });
    }
  }

  placeOrder(): void {
    this.click('click', { tag: 'button', id: 'place-order', text: `Place order (${euro(this.cartValue)})`, selector: 'button#place-order' });
    this.emit('submit', { name: 'checkout', element: { tag: 'form', id: 'checkout-form', classes: 'checkout-form', selector: 'form#checkout-form', href: '/demo/checkout' } });
    this.emit('custom', { name: 'purchase', props: { value: this.cartValue, currency: 'EUR', items: this.cartItems } });
    this.userId = `customer-${uuid(this.rand).slice(0, 8)}`;
    this.emit('identify', { props: { first_order: true } });
    this.cartItems = this.cartValue = 0;
  }

  get cart(): number {
    return this.cartItems;
  }
}

function productCard(p: Product): Record<string, unknown> {
  const k = PRODUCTS.indexOf(p) + 1;
  return {
    classes: 'product-card',
    text: `${p.name} ${euro(p.price)}`,
    selector: `main#app > ul.grid.products:nth-child(2) > li${k > 1 ? `:nth-child(${k})` : ''} > a.product-card`,
  };
}

function visit(w: Walk, rand: () => number, landing: Landing, query: string, bot: boolean): void {
  let product = pick(rand, PRODUCTS);
  const journal = () => {
    w.view('/journal/lake-swimming', `${ARTICLE.title} · ${SHOP}`, query);
    if (!bot && rand() < 0.12) {
      w.leave(60 + Math.round(rand() * 40));
      w.outbound();
      return true;
    }
    return false;
  };

  if (landing === 'home') w.view('/', SHOP, query);
  else if (landing === 'products') w.view('/products', `Shop · ${SHOP}`, query);
  else if (landing === 'product') w.view(`/products/${product.slug}`, `${product.name} · ${SHOP}`, query);
  else if (journal()) return;
  if (bot) {
    for (const p of PRODUCTS.slice(0, 1 + Math.floor(rand() * 3))) w.view(`/products/${p.slug}`, `${p.name} · ${SHOP}`);
    return;
  }

  if (landing === 'home' || landing === 'journal') {
    if (rand() < 0.15 && landing === 'home') {
      w.clickLink('/journal/lake-swimming', { id: 'journal-teaser', text: ARTICLE.title, selector: 'a#journal-teaser' });
      if (journal()) return;
    }
    if (rand() > FUNNEL.browse) return w.leave(30 + Math.round(rand() * 70));
    w.clickLink('/products', { id: 'hero-cta', classes: 'button', text: 'Shop the collection', selector: 'a#hero-cta' });
    w.view('/products', `Shop · ${SHOP}`);
  }
  if (landing !== 'product') {
    if (rand() > FUNNEL.product) return w.leave(20 + Math.round(rand() * 80));
    product = pick(rand, PRODUCTS);
    w.clickLink(`/products/${product.slug}`, productCard(product));
    w.view(`/products/${product.slug}`, `${product.name} · ${SHOP}`);
  }
  if (rand() > FUNNEL.addToCart) return w.leave(40 + Math.round(rand() * 60));
  w.addToCart(product);
  if (rand() > FUNNEL.cart) return w.leave(60 + Math.round(rand() * 40));
  w.clickLink('/cart', { id: 'cart-link', text: `Cart (${w.cart})`, selector: 'a#cart-link' });
  w.view('/cart', `Cart · ${SHOP}`);
  if (rand() > FUNNEL.checkout) return w.leave(100);
  w.clickLink('/checkout', { id: 'checkout', classes: 'button', text: 'Checkout', selector: 'a#checkout' });
  w.view('/checkout', `Checkout · ${SHOP}`);
  if (rand() > FUNNEL.purchase) return w.leave(70 + Math.round(rand() * 30));
  w.placeOrder();
  w.view('/thanks', `Thank you · ${SHOP}`);
  w.leave(100);
}

export function generateVisitors(options: SyntheticOptions): SyntheticVisitor[] {
  const o = { ...options, site: options.site ?? SYNTHETIC_SITE };
  const rand = prng(o.seed);
  const from = o.now - o.days * 86_400_000 + 3_600_000; // an hour of margin for the collector's skew check
  const to = o.now - 600_000;
  const out: SyntheticVisitor[] = [];
  for (let i = 0; i < o.visitors; i++) {
    const device = pickWeighted(rand, DEVICES);
    const locale = pickWeighted(rand, LOCALES);
    const w = new Walk(rand, o, device, locale, uuid(rand), from);
    const sessions = device.bot ? 1 : rand() < 0.25 ? 2 + Math.floor(rand() * 2) : 1;
    let at = from + rand() * (to - from) * 0.7;
    for (let s = 0; s < sessions && at < to - 3_600_000; s++) {
      const source = s === 0 ? pickWeighted(rand, SOURCES) : SOURCES[0]; // returning visitors come back directly
      w.startSession(Math.round(at), device.bot ? undefined : source.referrer);
      visit(w, rand, device.bot ? 'home' : pick(rand, source.landing), source.utm ? `?${source.utm}` : '', Boolean(device.bot));
      at += 3_600_000 * (2 + rand() * 48); // the next visit 2-50 hours later
    }
    out.push({ userAgent: device.ua, events: w.events.filter((e) => (e.ts as number) < o.now) });
  }
  return out;
}
