import { type Rng, WeightedIndex, pick, seededRng, zipf } from './rng.js';

/**
 * The synthetic web the generators browse: a few sites, each with a few hundred pages of Zipf-like popularity,
 * the clickable elements on them, referrers and devices. Cardinalities are chosen to look like a real
 * mid-sized property (they drive Parquet dictionary sizes, so they matter for the bytes/event figure).
 */
export interface Element {
  readonly tag: string;
  readonly id: string | null;
  readonly classes: string;
  readonly text: string;
  readonly selector: string;
  readonly href: string | null;
}

export interface Page {
  readonly path: string;
  readonly title: string;
  /** Elements a visitor can click on this page (global navigation included). */
  readonly elements: readonly Element[];
}

export interface Site {
  readonly id: string;
  readonly host: string;
  readonly pages: readonly Page[];
  readonly popularity: WeightedIndex;
}

export interface Device {
  readonly viewport: { w: number; h: number };
  readonly screen: { w: number; h: number };
  readonly userAgent: string;
}

const WORDS = (
  'alpine amber arctic atlas aurora basil birch blaze bloom breeze canyon cedar cinder citrus clay cobalt coral ' +
  'cotton crystal dawn delta drift dune ember fern fjord flint forest frost garnet glacier harbor hazel horizon ' +
  'indigo iris ivory jade juniper lagoon lark lava linen lotus lunar maple marble meadow mesa mint misty moss ' +
  'nectar nova oak ocean olive onyx orchid pearl pebble pine plum prairie quartz rain raven reef river ruby sage ' +
  'sand sierra slate solar spruce stone storm summit sunset thistle tide timber topaz tundra velvet willow zephyr'
).split(' ');
const NOUNS = 'backpack jacket boots tent lamp mug bottle scarf hat gloves chair table sofa rug blanket pillow'.split(' ');
const TOPICS = 'duckdb parquet analytics privacy tracking sql performance design testing deploy scaling'.split(' ');

function titleCase(s: string): string {
  return s.replace(/(^|[- ])(\w)/g, (_m, sep: string, c: string) => (sep === '-' ? ' ' : sep) + c.toUpperCase());
}

function nav(host: string, links: readonly string[]): Element[] {
  return links.map((path, i) => ({
    tag: 'a',
    id: null,
    classes: 'nav-link',
    text: path === '/' ? 'Home' : titleCase(path.split('/').pop()!),
    selector: `body > header > nav > ul > li:nth-child(${i + 1}) > a.nav-link`,
    href: `https://${host}${path}`,
  }));
}

function shopPages(rng: Rng, host: string): Page[] {
  const navLinks = ['/', '/category/new', '/category/sale', '/cart', '/account', '/search'];
  const common = nav(host, navLinks);
  const pages: Page[] = [];
  const add = (path: string, title: string, own: Element[]) =>
    pages.push({ path, title: `${title} | Example Shop`, elements: [...own, ...common] });
  add('/', 'Outdoor gear and home goods', [
    { tag: 'a', id: 'hero-cta', classes: 'btn btn-primary hero__cta', text: 'Shop the sale', selector: 'main > section.hero > a#hero-cta', href: `https://${host}/category/sale` },
    { tag: 'button', id: null, classes: 'carousel__next', text: 'Next', selector: 'main > section.featured > div.carousel > button.carousel__next', href: null },
  ]);
  for (let i = 0; i < 20; i++) {
    const cat = i < 2 ? ['new', 'sale'][i]! : `${pick(rng, WORDS)}-${pick(rng, NOUNS)}s`;
    add(`/category/${cat}`, titleCase(cat), [
      { tag: 'select', id: 'sort', classes: 'form-select', text: 'Sort by', selector: 'main > div.toolbar > select#sort', href: null },
      { tag: 'a', id: null, classes: 'product-card__link', text: 'View product', selector: 'main > ul.grid > li.product-card > a.product-card__link', href: null },
      { tag: 'button', id: null, classes: 'pagination__next', text: 'Next page', selector: 'main > nav.pagination > button.pagination__next', href: null },
    ]);
  }
  for (let i = 0; i < 300; i++) {
    const slug = `${pick(rng, WORDS)}-${pick(rng, WORDS)}-${pick(rng, NOUNS)}`;
    add(`/products/${slug}-${100 + i}`, titleCase(slug), [
      { tag: 'button', id: 'add-to-cart', classes: 'btn btn-primary product__add', text: 'Add to cart', selector: 'main > div.product > form.product__form > button#add-to-cart', href: null },
      { tag: 'button', id: null, classes: 'swatch', text: pick(rng, ['Red', 'Blue', 'Black', 'Green', 'Sand']), selector: 'main > div.product > div.product__swatches > button.swatch', href: null },
      { tag: 'img', id: null, classes: 'gallery__thumb', text: '', selector: 'main > div.product > div.gallery > ul > li > img.gallery__thumb', href: null },
      { tag: 'a', id: null, classes: 'reviews__link', text: 'Read reviews', selector: 'main > div.product > div.product__meta > a.reviews__link', href: null },
    ]);
  }
  add('/cart', 'Your cart', [
    { tag: 'button', id: 'checkout', classes: 'btn btn-primary cart__checkout', text: 'Checkout', selector: 'main > div.cart > div.cart__summary > button#checkout', href: null },
    { tag: 'button', id: null, classes: 'cart__remove', text: 'Remove', selector: 'main > div.cart > ul > li.cart__item > button.cart__remove', href: null },
  ]);
  add('/checkout', 'Checkout', [
    { tag: 'button', id: 'pay', classes: 'btn btn-primary', text: 'Pay now', selector: 'main > form#checkout-form > button#pay', href: null },
  ]);
  add('/account', 'Your account', []);
  add('/search', 'Search', [
    { tag: 'input', id: 'q', classes: 'search__input', text: '', selector: 'main > form.search > input#q', href: null },
  ]);
  return pages;
}

function blogPages(rng: Rng, host: string): Page[] {
  const common = nav(host, ['/', '/about', '/tags', '/newsletter']);
  const pages: Page[] = [{ path: '/', title: 'Example Blog', elements: common }];
  for (let i = 0; i < 220; i++) {
    const slug = `${pick(rng, TOPICS)}-${pick(rng, WORDS)}-${pick(rng, WORDS)}-${i}`;
    pages.push({
      path: `/posts/${slug}`,
      title: `${titleCase(slug.replace(/-\d+$/, ''))} - Example Blog`,
      elements: [
        { tag: 'a', id: null, classes: 'post__tag', text: pick(rng, TOPICS), selector: 'main > article > footer > ul.tags > li > a.post__tag', href: null },
        { tag: 'button', id: 'subscribe', classes: 'btn newsletter__submit', text: 'Subscribe', selector: 'main > aside.newsletter > form > button#subscribe', href: null },
        { tag: 'a', id: null, classes: 'share share--x', text: 'Share', selector: 'main > article > div.share > a.share--x', href: null },
        { tag: 'pre', id: null, classes: 'code-block', text: '', selector: 'main > article > div.content > pre.code-block', href: null },
        ...common,
      ],
    });
  }
  for (const t of TOPICS) pages.push({ path: `/tags/${t}`, title: `Posts tagged ${t} - Example Blog`, elements: common });
  pages.push({ path: '/about', title: 'About - Example Blog', elements: common });
  return pages;
}

function docsPages(rng: Rng, host: string): Page[] {
  const common = nav(host, ['/', '/docs/getting-started/install', '/docs/reference/api', '/changelog']);
  const pages: Page[] = [{ path: '/', title: 'Example Docs', elements: common }];
  for (const section of ['getting-started', 'guides', 'reference', 'deploy', 'faq']) {
    for (let i = 0; i < 24; i++) {
      const page = `${pick(rng, TOPICS)}-${pick(rng, WORDS)}`;
      pages.push({
        path: `/docs/${section}/${page}`,
        title: `${titleCase(page)} · ${titleCase(section)} · Example Docs`,
        elements: [
          { tag: 'button', id: null, classes: 'copy-button', text: 'Copy', selector: 'main > article > div.highlight > button.copy-button', href: null },
          { tag: 'a', id: null, classes: 'toc__link', text: 'On this page', selector: 'aside.toc > ul > li > a.toc__link', href: null },
          { tag: 'a', id: null, classes: 'pager__next', text: 'Next', selector: 'main > nav.pager > a.pager__next', href: null },
          ...common,
        ],
      });
    }
  }
  return pages;
}

function site(id: string, host: string, pages: Page[]): Site {
  return { id, host, pages, popularity: zipf(pages.length, 1.05) };
}

export interface Catalog {
  readonly sites: readonly Site[];
  /** Traffic share of each site. */
  readonly siteWeights: WeightedIndex;
  /** External referrers of a landing page view (null: direct). */
  readonly referrers: readonly (string | null)[];
  readonly referrerWeights: WeightedIndex;
  readonly devices: readonly Device[];
  readonly deviceWeights: WeightedIndex;
  readonly locales: readonly { language: string; timezone: string }[];
  readonly localeWeights: WeightedIndex;
  readonly campaigns: readonly string[];
}

const UA = {
  chromeWin: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  chromeMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariMac: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
  firefox: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0',
  iphone: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  android: 'Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
};

export function buildCatalog(seed = 42): Catalog {
  const rng = seededRng(seed);
  const sites = [
    site('shop-example', 'shop.example.com', shopPages(rng, 'shop.example.com')),
    site('blog-example', 'blog.example.org', blogPages(rng, 'blog.example.org')),
    site('docs-example', 'docs.example.io', docsPages(rng, 'docs.example.io')),
  ];
  const blogs = Array.from({ length: 60 }, (_, i) => `https://${pick(rng, WORDS)}${pick(rng, WORDS)}.dev/${pick(rng, TOPICS)}-${i}`);
  const referrers: (string | null)[] = [
    null, 'https://www.google.com/', 'https://www.bing.com/', 'https://duckduckgo.com/', 'https://t.co/',
    'https://news.ycombinator.com/', 'https://www.reddit.com/', 'https://www.facebook.com/', 'https://www.linkedin.com/',
    'https://github.com/', ...blogs,
  ];
  const refWeights = [40, 28, 5, 3, 3, 2, 2, 2, 1, 1, ...blogs.map((_, i) => 10 / (i + 1) ** 1.1 / 4)];
  const devices: Device[] = [
    { viewport: { w: 1903, h: 969 }, screen: { w: 1920, h: 1080 }, userAgent: UA.chromeWin },
    { viewport: { w: 1519, h: 730 }, screen: { w: 1536, h: 864 }, userAgent: UA.chromeWin },
    { viewport: { w: 1440, h: 789 }, screen: { w: 1440, h: 900 }, userAgent: UA.chromeMac },
    { viewport: { w: 1512, h: 859 }, screen: { w: 1512, h: 982 }, userAgent: UA.safariMac },
    { viewport: { w: 1903, h: 937 }, screen: { w: 1920, h: 1080 }, userAgent: UA.firefox },
    { viewport: { w: 1903, h: 955 }, screen: { w: 1920, h: 1080 }, userAgent: UA.edge },
    { viewport: { w: 390, h: 664 }, screen: { w: 390, h: 844 }, userAgent: UA.iphone },
    { viewport: { w: 393, h: 659 }, screen: { w: 393, h: 852 }, userAgent: UA.iphone },
    { viewport: { w: 412, h: 783 }, screen: { w: 412, h: 915 }, userAgent: UA.android },
    { viewport: { w: 360, h: 668 }, screen: { w: 360, h: 800 }, userAgent: UA.android },
  ];
  const locales = [
    { language: 'en-US', timezone: 'America/New_York' }, { language: 'en-US', timezone: 'America/Chicago' },
    { language: 'en-US', timezone: 'America/Los_Angeles' }, { language: 'en-GB', timezone: 'Europe/London' },
    { language: 'de-DE', timezone: 'Europe/Berlin' }, { language: 'fr-FR', timezone: 'Europe/Paris' },
    { language: 'es-ES', timezone: 'Europe/Madrid' }, { language: 'pt-BR', timezone: 'America/Sao_Paulo' },
    { language: 'ja-JP', timezone: 'Asia/Tokyo' }, { language: 'en-IN', timezone: 'Asia/Kolkata' },
  ];
  return {
    sites,
    siteWeights: new WeightedIndex([60, 30, 10]),
    referrers,
    referrerWeights: new WeightedIndex(refWeights),
    devices,
    deviceWeights: new WeightedIndex([22, 8, 10, 8, 6, 5, 18, 8, 10, 5]),
    locales,
    localeWeights: new WeightedIndex([20, 12, 12, 12, 10, 8, 6, 8, 5, 7]),
    campaigns: ['spring_sale', 'newsletter_w12', 'retargeting', 'launch', 'black_friday'],
  };
}
