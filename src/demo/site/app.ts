// The demo shop (browser code, bundled by scripts/build-tracker.mjs into dist/demo/app.js): a small single-page app
// with history-API navigation, so the tracker's SPA page views, clicks, scroll depth, outbound links and form
// submits all have something real to capture. All content is static; the cart lives in memory.
import { PRODUCTS, type Product } from './products.js';
import { ARTICLE } from './article.js';

interface Clicklake {
  track(name: string, props?: Record<string, unknown>): void;
  identify(userId: string, traits?: Record<string, unknown>): void;
}

// The documented stub snippet: calls made before tracker.js ran (or if it is blocked) are queued, not lost.
const w = window as unknown as { clicklake?: Clicklake & { q?: unknown[][] } };
const clicklake =
  w.clicklake ??
  (w.clicklake = ((stub: Record<string, unknown> & { q: unknown[][] }) => {
    for (const m of ['track', 'identify', 'page', 'reset', 'consent']) stub[m] = (...args: unknown[]) => stub.q.push([m, ...args]);
    return stub as unknown as Clicklake & { q: unknown[][] };
  })({ q: [] }));
const api = () => w.clicklake ?? clicklake;

const SHOP = 'Lakeside Supply Co.';
const cart = new Map<string, number>();
const root = document.getElementById('app')!;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const euro = (n: number) => `€${n.toFixed(2)}`;
const bySlug = (slug: string) => PRODUCTS.find((p) => p.slug === slug);

function card(p: Product): string {
  return `<li><a class="product-card" href="/demo/products/${p.slug}">
    <div class="swatch swatch-${p.swatch}"></div>
    <div class="info"><strong>${esc(p.name)}</strong><br><span class="price">${euro(p.price)}</span></div></a></li>`;
}

function home(): [string, string] {
  return [
    SHOP,
    `<section class="hero">
      <h1>Gear for days by the water</h1>
      <p>Mugs, packs and wool for early swims and long walks around the lake.</p>
      <a id="hero-cta" class="button" href="/demo/products">Shop the collection</a>
    </section>
    <h2>Featured</h2>
    <ul class="grid featured">${PRODUCTS.slice(0, 3).map(card).join('')}</ul>
    <h2>From the journal</h2>
    <p><a id="journal-teaser" href="/demo/journal/lake-swimming">${esc(ARTICLE.title)}</a>: ${esc(ARTICLE.teaser)}</p>`,
  ];
}

function products(): [string, string] {
  return [`Shop · ${SHOP}`, `<h1>Shop</h1><ul class="grid products">${PRODUCTS.map(card).join('')}</ul>`];
}

function product(p: Product): [string, string] {
  return [
    `${p.name} · ${SHOP}`,
    `<div class="product" id="product-${p.slug}">
      <div class="swatch swatch-${p.swatch}"></div>
      <div>
        <h1>${esc(p.name)}</h1>
        <p class="price">${euro(p.price)}</p>
        <p>${esc(p.description)}</p>
        <div class="buy">
          <label>Quantity <select id="quantity">${[1, 2, 3, 4].map((n) => `<option>${n}</option>`).join('')}</select></label>
          <button id="add-to-cart" type="button" data-clicklake-event="add_to_cart" data-slug="${p.slug}">Add to cart</button>
        </div>
        <p id="added" class="notice" hidden>Added to your cart. <a href="/demo/cart">View cart</a></p>
        <p><a class="back" href="/demo/products">← Back to the shop</a></p>
      </div>
    </div>`,
  ];
}

function cartTotal(): number {
  let total = 0;
  for (const [slug, qty] of cart) total += (bySlug(slug)?.price ?? 0) * qty;
  return total;
}

function cartPage(): [string, string] {
  if (cart.size === 0) {
    return [`Cart · ${SHOP}`, `<h1>Your cart</h1><p>Your cart is empty.</p><a class="button" href="/demo/products">Browse the shop</a>`];
  }
  const rows = [...cart]
    .map(([slug, qty]) => {
      const p = bySlug(slug)!;
      return `<tr><td>${esc(p.name)}</td><td>${qty}</td><td>${euro(p.price * qty)}</td>
        <td><button class="secondary remove" type="button" data-slug="${slug}">Remove</button></td></tr>`;
    })
    .join('');
  return [
    `Cart · ${SHOP}`,
    `<h1>Your cart</h1>
    <table class="cart-table"><thead><tr><th>Item</th><th>Qty</th><th>Price</th><th></th></tr></thead><tbody>${rows}</tbody></table>
    <p>Total: <strong id="cart-total">${euro(cartTotal())}</strong></p>
    <p><a class="button secondary" href="/demo/products">Continue shopping</a> <a id="checkout" class="button" href="/demo/checkout">Checkout</a></p>`,
  ];
}

function checkout(): [string, string] {
  return [
    `Checkout · ${SHOP}`,
    `<h1>Checkout</h1>
    <p class="notice">This is a demo: do not enter real data. The tracker records that the form was submitted,
      never what is typed into it.</p>
    <form id="checkout-form" class="checkout-form" name="checkout" action="/demo/checkout" method="post">
      <label>Full name <input name="name" autocomplete="name" required></label>
      <label>Email <input name="email" type="email" autocomplete="email" required></label>
      <label>Address <input name="address" autocomplete="street-address"></label>
      <label>Card number <input name="card" inputmode="numeric" placeholder="4242 4242 4242 4242"></label>
      <label class="terms"><input name="terms" type="checkbox" required> I accept that nothing will be delivered</label>
      <button id="place-order" type="submit">Place order (${euro(cartTotal())})</button>
    </form>`,
  ];
}

function thanks(): [string, string] {
  return [`Thank you · ${SHOP}`, `<h1>Thank you!</h1><p>Your (imaginary) order is on its way.</p><a class="button" href="/demo/">Back to the shop</a>`];
}

function journal(): [string, string] {
  const toc = ARTICLE.sections.map((s) => `<li><a href="#${s.id}">${esc(s.heading)}</a></li>`).join('');
  const body = ARTICLE.sections
    .map((s) => `<h2 id="${s.id}">${esc(s.heading)}</h2>${s.paragraphs.map((p) => `<p>${p}</p>`).join('')}`)
    .join('');
  return [`${ARTICLE.title} · ${SHOP}`, `<article><h1>${esc(ARTICLE.title)}</h1><nav class="toc"><ol>${toc}</ol></nav>${body}</article>`];
}

function notFound(): [string, string] {
  return [`Not found · ${SHOP}`, `<h1>Page not found</h1><a href="/demo/">Home</a>`];
}

function view(path: string): [string, string] {
  const p = path.replace(/^\/demo/, '').replace(/\/+$/, '') || '/';
  if (p === '/') return home();
  if (p === '/products') return products();
  const m = /^\/products\/([a-z0-9-]+)$/.exec(p);
  if (m) {
    const found = bySlug(m[1]);
    return found ? product(found) : notFound();
  }
  if (p === '/cart') return cartPage();
  if (p === '/checkout') return checkout();
  if (p === '/thanks') return thanks();
  if (p === '/journal/lake-swimming') return journal();
  return notFound();
}

function render(): void {
  const [title, html] = view(location.pathname);
  root.innerHTML = html;
  document.title = title;
  document.getElementById('cart-count')!.textContent = String([...cart.values()].reduce((a, b) => a + b, 0));
}

function navigate(url: string): void {
  history.pushState(null, '', url);
  render();
  if (!url.includes('#')) window.scrollTo(0, 0);
}

document.addEventListener('click', (ev) => {
  const target = ev.target as Element;
  const a = target.closest('a');
  if (a && !a.target && a.origin === location.origin && a.pathname.startsWith('/demo')) {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    if (a.hash && a.pathname === location.pathname) return; // an in-page anchor: the browser scrolls
    ev.preventDefault();
    navigate(a.pathname + a.search + a.hash);
    return;
  }
  const add = target.closest<HTMLButtonElement>('#add-to-cart');
  if (add) {
    const slug = add.dataset.slug!;
    const qty = Number((document.getElementById('quantity') as HTMLSelectElement).value) || 1;
    cart.set(slug, (cart.get(slug) ?? 0) + qty);
    render();
    document.getElementById('added')!.hidden = false;
    return;
  }
  const remove = target.closest<HTMLButtonElement>('button.remove');
  if (remove) {
    cart.delete(remove.dataset.slug!);
    render();
  }
});

document.addEventListener('submit', (ev) => {
  const form = ev.target as HTMLFormElement;
  if (form.id !== 'checkout-form') return;
  ev.preventDefault();
  const items = [...cart.values()].reduce((a, b) => a + b, 0);
  api().track('purchase', { value: cartTotal(), currency: 'EUR', items });
  // A made-up customer id: never identify visitors by something they typed (an email is personal data).
  api().identify(`customer-${Math.random().toString(36).slice(2, 10)}`, { first_order: true });
  cart.clear();
  navigate('/demo/thanks');
});

window.addEventListener('popstate', render);
render();
