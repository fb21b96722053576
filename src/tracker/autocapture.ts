import type { Emit } from './core.js';
import { describe } from './element.js';
import { INTERACTIVE, RAGE_CLICKS, RAGE_WINDOW_MS } from './limits.js';
import type { AutocaptureFeature } from './types.js';

/**
 * Page views and DOM listeners (browser only). Each feature can be turned off. Listeners use the capture phase,
 * so an app's stopPropagation cannot hide an interaction. (The core listens for pagehide, visibilitychange and
 * online itself, for delivery.)
 *
 * - pageviews: the first load, history.pushState/replaceState (wrapped, behaviour unchanged), popstate and
 *   hashchange. Sent only when the URL changed, one tick after the navigation so the app can set the new title
 *   first. The referrer of an SPA page view is the previous page's URL.
 * - clicks: the nearest interactive element (INTERACTIVE) of the target; `data-clicklake-event="name"` names it.
 * - outbound: a click on an http(s) link to another host is an `outbound` event instead of a `click`.
 * - forms: submits, named by the form's name attribute; element.href is its action attribute.
 * - rage: RAGE_CLICKS clicks on one element (any element) within RAGE_WINDOW_MS: one `rage_click` per burst.
 * - scroll: a page view lasts until the next one. Meanwhile the deepest scroll position (percent of the document
 *   seen, 0-100) and the visible time are measured; when the page is hidden or left, and at the next page view,
 *   a `scroll` event (with the page view's url and title) reports `scroll_depth` and `props.engaged_ms` (visible
 *   ms since the previous report; no report when the page was not visible). Reports of one page view add up:
 *   sum engaged_ms, take the max scroll_depth. The first screen counts: a page that needs no scrolling is 100.
 *
 * Returns `page(props)`: a page view now (the API's `clicklake.page()`).
 */

export function autocapture(
  emit: Emit,
  w: Window,
  on: (f: AutocaptureFeature) => boolean,
): (props?: Record<string, unknown>) => void {
  const doc = w.document;
  const loc = w.location;
  const measure = on('scroll');
  const listen = (target: EventTarget, type: string, fn: (ev: any) => void) => target.addEventListener(type, fn, true);
  const visibleSince = () => doc.visibilityState != 'hidden' && Date.now();
  let referrer = doc.referrer;
  // The current page view: its URL and title, deepest scroll (%), visible ms not yet reported, and since when the
  // page is visible (0: hidden).
  let pageUrl = loc.href;
  let title = doc.title;
  let depth = 0;
  let ms = 0;
  let since: number | false = 0; // measuring starts with the first page view
  let rageEl: EventTarget | undefined;
  let rageAt = 0;
  let rageN = 0;

  const scrolled = () => {
    const h = doc.documentElement.scrollHeight;
    // A fraction of a percent is fine: the collector rounds.
    if (loc.href == pageUrl && h) depth = Math.max(depth, Math.min(100, ((w.scrollY + w.innerHeight) / h) * 100));
  };

  const leave = () => {
    if (!measure) return;
    scrolled();
    const now = Date.now();
    if (since) (ms += now - since), (since = now);
    if (ms) emit('scroll', { url: pageUrl, title, scroll_depth: depth, props: { engaged_ms: ms } });
    ms = 0;
  };

  const page = (props?: Record<string, unknown>) => {
    leave();
    emit('page_view', { referrer, props });
    referrer = pageUrl = loc.href;
    title = doc.title;
    depth = ms = 0;
    since = visibleSince();
    scrolled(); // what the first screen shows counts
  };

  const changed = () => w.setTimeout(() => loc.href != pageUrl && page());

  if (on('pageviews')) {
    const h = w.history as any;
    ['pushState', 'replaceState'].forEach((m) => {
      const orig = h[m];
      h[m] = function (this: History) {
        changed();
        return orig.apply(this, arguments);
      };
    });
    listen(w, 'popstate', changed);
    listen(w, 'hashchange', changed);
    page();
  }

  listen(doc, 'click', (ev: MouseEvent) => {
    const t = ev.target as Element;
    const now = Date.now();
    if (t != rageEl || now - rageAt > RAGE_WINDOW_MS) (rageEl = t), (rageAt = now), (rageN = 0);
    if (++rageN == RAGE_CLICKS && on('rage')) emit('rage_click', { element: describe(t, ev) });
    const el = t.closest && (t.closest(INTERACTIVE) as HTMLAnchorElement | null);
    if (!el) return;
    const element = describe(el, ev);
    const out = element.href && /^http/.test(el.protocol) && el.host != loc.host;
    if (on(out ? 'outbound' : 'clicks')) {
      emit(out ? 'outbound' : 'click', { element, name: el.getAttribute('data-clicklake-event') });
    }
  });

  if (on('forms')) {
    listen(doc, 'submit', (ev: Event) => {
      const f = ev.target as HTMLFormElement;
      const element = describe(f);
      // The action as written. getAttribute: a field named "action" or "name" shadows the form's properties.
      element.href = f.getAttribute('action') || '';
      emit('submit', { element, name: f.getAttribute('name') });
    });
  }

  if (measure) listen(w, 'scroll', scrolled);
  // These run before the core's own listeners (registered after this), so a report is in the last beacon.
  const hide = () => {
    leave();
    since = 0;
  };
  listen(doc, 'visibilitychange', () => (visibleSince() ? (since = since || Date.now()) : hide()));
  listen(w, 'pagehide', hide);
  return page;
}
