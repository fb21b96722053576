// The tracker in real Chromium against the real server: the demo shop is loaded, navigated by SPA links, clicked,
// scrolled and checked out, partly offline; the page is then left. Every event must reach the lake exactly once,
// with the right fields and seq without gaps. Privacy modes (Do-Not-Track, consent, cookieless) are checked the
// same way. Chromium: /usr/bin/chromium (skipped outside CI when missing, a failure in CI).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { requireComponent } from '../helpers/components.js';
import { waitFor } from '../helpers/server.js';
import { collectRequests, hasChromium, lakeRows, openDemo, startStack, storedEvents, summary, waitForRows, type Row, type Stack } from './stack.js';

const SECRETS = ['Ada Secretname', 'ada.secret@example.org', '4242424242424242', '1 Hidden Lane'];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The document rectangle of the first element matching `selector`. */
function rect(page: Page, selector: string) {
  return page.evaluate((sel) => {
    const r = document.querySelector(sel)!.getBoundingClientRect();
    return { left: r.left + scrollX, top: r.top + scrollY, right: r.right + scrollX, bottom: r.bottom + scrollY };
  }, selector);
}

describe('tracker in Chromium', { timeout: 180_000 }, () => {
  let stack: Stack | undefined;
  before(async () => {
    if (hasChromium()) stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  it('delivers a whole visit, partly offline, exactly once with the right fields', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url, browser } = stack!;
    const site = 'browser-visit';
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    t.after(() => context.close());
    const metric = async () => {
      const m = /clicklake_collector_events_accepted_total (\d+)/.exec(await (await fetch(`${url}/metrics`)).text());
      return m ? Number(m[1]) : 0;
    };
    const acceptedBefore = await metric();
    const page = await openDemo(context, url, `data-site="${site}"`, '/demo/?utm_source=newsletter&token=s3cret');

    // SPA navigation by links, a click on a button, a rage click.
    await page.click('#hero-cta');
    await page.waitForURL('**/demo/products');
    await page.click('a.product-card >> nth=0');
    await page.waitForURL('**/demo/products/lake-mug');
    await page.selectOption('#quantity', '2');
    const button = await rect(page, '#add-to-cart');
    await page.click('#add-to-cart');
    const price = await rect(page, 'p.price');
    await page.click('p.price', { clickCount: 3 });

    // The button and the rage-clicked text: the recorded selectors find them again, the positions lie on them.
    const early = await waitForRows(url, site, 9);
    const add = early.find((r) => r.event_type === 'click' && r.event_name === 'add_to_cart')!;
    const rage = early.find((r) => r.event_type === 'rage_click')!;
    assert.ok(add && rage, summary(early));
    assert.deepEqual(
      [add.element_tag, add.element_id, add.element_text, add.element_selector],
      ['button', 'add-to-cart', 'Add to cart', 'button#add-to-cart'],
    );
    assert.equal(await page.evaluate((s) => document.querySelector(s)?.id, add.element_selector), 'add-to-cart');
    assert.equal(await page.evaluate((s) => document.querySelector(s)?.className, rage.element_selector), 'price');
    assert.equal(rage.element_text, '€18.00');
    for (const [row, box] of [[add, button], [rage, price]] as const) {
      assert.ok(row.x >= box.left && row.x <= box.right && row.y >= box.top && row.y <= box.bottom, `${row.event_type} at ${row.x},${row.y} in ${JSON.stringify(box)}`);
    }
    assert.deepEqual([add.viewport_w, add.viewport_h], [1280, 720]);

    // The long article: scroll to the end, then follow an in-page anchor (a hash navigation).
    await page.click('nav >> text=Journal');
    await page.waitForURL('**/journal/lake-swimming');
    await page.mouse.move(600, 400);
    for (let i = 0; i < 40 && (await page.evaluate(() => scrollY + innerHeight < document.documentElement.scrollHeight - 1)); i++) {
      await page.mouse.wheel(0, 600);
      await page.waitForTimeout(50);
    }
    await page.click('.toc a[href="#safety"]');
    await page.waitForURL('**#safety');

    // Offline: the cart, checkout and the order stay on the device until the network is back.
    await waitFor(async () => (await storedEvents(page)) === 0, 10_000, 'the outbox to empty before going offline');
    await context.setOffline(true);
    const offlineAt = Date.now();
    await page.click('#cart-link');
    await page.waitForURL('**/demo/cart');
    await page.click('#checkout');
    await page.waitForURL('**/demo/checkout');
    await page.fill('input[name=name]', SECRETS[0]);
    await page.fill('input[name=email]', SECRETS[1]);
    await page.fill('input[name=card]', SECRETS[2]);
    await page.fill('input[name=address]', SECRETS[3]);
    await page.check('input[name=terms]');
    await page.click('#place-order');
    await page.waitForURL('**/demo/thanks');
    await page.waitForTimeout(1500); // batches are due and fail
    assert.ok((await storedEvents(page)) >= 8, 'kept in localStorage while offline');
    const whileOffline = await lakeRows(url, site);
    assert.ok(!whileOffline.some((r) => r.page_path === '/demo/checkout'), 'nothing from the offline part arrived yet');
    await context.setOffline(false);
    await waitFor(async () => (await storedEvents(page)) === 0, 10_000, 'the outbox to empty after going online');

    // Leave the shop by the outbound link in the article: the last events go as beacons.
    await page.click('nav >> text=Journal');
    await page.waitForURL('**/journal/lake-swimming');
    // (Once the outbox is empty: a keepalive fetch cut off by the unload may or may not arrive, which is the
    // browser's business, not this test's.)
    await waitFor(async () => (await storedEvents(page)) === 0, 10_000, 'the outbox to empty before leaving');
    await page.click('#outbound-safety');
    await page.waitForURL((u) => !u.href.startsWith(url), { timeout: 10_000 }); // an error page: nothing leaves the machine
    await page.close();

    const expected: [string, string][] = [
      ['page_view', '/demo/'],
      ['click', '/demo/'],
      ['scroll', '/demo/'],
      ['page_view', '/demo/products'],
      ['click', '/demo/products'],
      ['scroll', '/demo/products'],
      ['page_view', '/demo/products/lake-mug'],
      ['click', '/demo/products/lake-mug'],
      ['rage_click', '/demo/products/lake-mug'],
      ['click', '/demo/products/lake-mug'],
      ['scroll', '/demo/products/lake-mug'],
      ['page_view', '/demo/journal/lake-swimming'],
      ['click', '/demo/journal/lake-swimming'],
      ['scroll', '/demo/journal/lake-swimming'],
      ['page_view', '/demo/journal/lake-swimming'],
      ['click', '/demo/journal/lake-swimming'],
      ['scroll', '/demo/journal/lake-swimming'],
      ['page_view', '/demo/cart'],
      ['click', '/demo/cart'],
      ['scroll', '/demo/cart'],
      ['page_view', '/demo/checkout'],
      ['click', '/demo/checkout'],
      ['submit', '/demo/checkout'],
      ['custom', '/demo/checkout'],
      ['identify', '/demo/checkout'],
      ['scroll', '/demo/checkout'],
      ['page_view', '/demo/thanks'],
      ['click', '/demo/thanks'],
      ['scroll', '/demo/thanks'],
      ['page_view', '/demo/journal/lake-swimming'],
      ['outbound', '/demo/journal/lake-swimming'],
      ['scroll', '/demo/journal/lake-swimming'],
    ];
    const rows = await waitForRows(url, site, expected.length);
    // Exactly once: one row per event id, every event the collector accepted is one of them, seq has no gaps.
    assert.equal(new Set(rows.map((r) => r.event_id)).size, rows.length);
    assert.ok(rows.every((r) => UUID.test(r.event_id)));
    await waitFor(async () => (await metric()) - acceptedBefore === expected.length, 5000, 'the accepted counter').catch(async () => {
      assert.fail(`collector accepted ${(await metric()) - acceptedBefore} events, the lake has ${rows.length}`);
    });
    assert.deepEqual(rows.map((r) => Number(r.seq)), expected.map((_, i) => i + 1), 'seq 1..n without gaps');
    assert.deepEqual(rows.map((r) => [r.event_type, r.page_path]), expected, summary(rows));
    assert.equal(new Set(rows.map((r) => r.anonymous_id)).size, 1);
    assert.equal(new Set(rows.map((r) => r.session_id)).size, 1);
    for (const r of rows) {
      assert.deepEqual([r.page_host, r.viewport_w, r.viewport_h, r.screen_w > 0, r.language], [new URL(url).host, 1280, 720, true, 'en-US'], `${r.seq}`);
    }

    // Page views: title, URL (token redacted, utm kept), referrer (the previous page for SPA navigations).
    const views = rows.filter((r) => r.event_type === 'page_view');
    // The tracker sends token=REDACTED; the collector's privacy.redactQueryParams then removes the parameter.
    assert.equal(views[0].page_url, `${url}/demo/?utm_source=newsletter`);
    assert.equal(views[0].page_title, 'Lakeside Supply Co.');
    assert.equal(views[1].referrer, views[0].page_url);
    assert.equal(views[1].page_title, 'Shop · Lakeside Supply Co.');
    assert.equal(views[2].page_title, 'Lake Mug · Lakeside Supply Co.');
    assert.equal(views[4].page_url, `${url}/demo/journal/lake-swimming#safety`);

    // Clicks: element fields, bounded selector, trimmed text, href.
    const cta = rows[1];
    assert.deepEqual([cta.element_tag, cta.element_id, cta.element_classes, cta.element_text, cta.element_href], ['a', 'hero-cta', 'button', 'Shop the collection', `${url}/demo/products`]);
    assert.equal(cta.element_selector, 'a#hero-cta');
    const cardClick = rows[4];
    assert.equal(cardClick.element_selector, 'main#app > ul.grid.products:nth-child(2) > li > a.product-card');
    assert.ok(cardClick.element_text.startsWith('Lake Mug') && cardClick.element_text.length <= 100);
    for (const r of rows.filter((x) => x.element_selector)) assert.ok(r.element_selector.split(' > ').length <= 5);

    // Scroll depth and engaged time: the article was read to the end.
    const articleScroll = rows[13];
    assert.equal(articleScroll.scroll_depth, 100);
    assert.ok(rows[2].scroll_depth > 0 && rows[2].scroll_depth <= 100);
    for (const r of rows.filter((x) => x.event_type === 'scroll')) {
      assert.ok(JSON.parse(r.properties).engaged_ms > 0, `engaged time of ${r.page_path}`);
    }

    // The offline part: sent later than it happened, and intact.
    const order = rows.filter((r) => r.page_path === '/demo/checkout');
    const submit = order.find((r) => r.event_type === 'submit')!;
    assert.deepEqual([submit.element_tag, submit.element_id, submit.event_name, submit.element_href], ['form', 'checkout-form', 'checkout', '/demo/checkout']);
    const happened = Date.parse(submit.client_ts ?? submit.ts);
    assert.ok(Date.parse(submit.received_at) - happened >= 1000, 'received after the network came back');
    assert.ok(happened >= offlineAt - 1000);
    const purchase = order.find((r) => r.event_type === 'custom')!;
    assert.equal(purchase.event_name, 'purchase');
    assert.deepEqual(JSON.parse(purchase.properties), { value: 36, currency: 'EUR', items: 2 });
    const identify = order.find((r) => r.event_type === 'identify')!;
    assert.match(identify.user_id, /^customer-/);
    assert.ok(rows.slice(rows.indexOf(identify)).every((r) => r.user_id === identify.user_id), 'user_id on later events');
    assert.ok(rows.slice(0, rows.indexOf(identify)).every((r) => r.user_id === null));

    // Outbound link.
    const outbound = rows[30];
    assert.deepEqual([outbound.element_id, outbound.element_href, outbound.element_text], ['outbound-safety', 'https://example.com/lake-safety', 'lake safety guidance']);

    // Never a value typed into a form, anywhere.
    const all = JSON.stringify(rows);
    for (const s of SECRETS) assert.ok(!all.includes(s), `"${s}" must not be in the lake`);
  });

  it('Do-Not-Track: nothing is sent and nothing is stored', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    const site = 'browser-dnt';
    const context = await stack!.dntContext();
    const requests = collectRequests(context, url);
    const page = await openDemo(context, url, `data-site="${site}"`);
    assert.equal(await page.evaluate(() => navigator.doNotTrack), '1', 'the browser setting is on');
    await page.click('#hero-cta');
    await page.click('a.product-card >> nth=1');
    await page.click('#add-to-cart');
    await page.evaluate(() => (window as any).clicklake.track('custom_call'));
    await page.waitForTimeout(2000);
    assert.equal(await page.evaluate(() => localStorage.length), 0);
    await page.close();
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(requests, [], 'no request to /collect');
    assert.deepEqual(await lakeRows(url, site), []);
  });

  it('consent required: nothing is sent or stored until consent, then everything held arrives', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url, browser } = stack!;
    const site = 'browser-consent';
    const context = await browser.newContext();
    t.after(() => context.close());
    const requests = collectRequests(context, url);
    const page = await openDemo(context, url, `data-site="${site}" data-consent="required"`);
    await page.click('#hero-cta');
    await page.waitForURL('**/demo/products');
    await page.waitForTimeout(2000);
    assert.deepEqual(requests, [], 'nothing sent before consent');
    assert.equal(await page.evaluate(() => localStorage.length), 0, 'nothing stored before consent');

    await page.evaluate(() => (window as any).clicklake.consent(true));
    // page_view, click, scroll, page_view were held; they arrive with seq 1..4.
    const rows = await waitForRows(url, site, 4);
    assert.deepEqual(rows.map((r) => [Number(r.seq), r.event_type]), [[1, 'page_view'], [2, 'click'], [3, 'scroll'], [4, 'page_view']]);
    assert.ok(await page.evaluate(() => localStorage.getItem(Object.keys(localStorage).find((k) => k.startsWith('clicklake:'))!)), 'stored after consent');
    await page.click('a.product-card >> nth=0');
    await waitForRows(url, site, 7);
  });

  it('calls made before the script loaded are replayed in order (the stub snippet of docs/tracker.md)', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url, browser } = stack!;
    const site = 'browser-stub';
    const docs = readFileSync(new URL('../../../docs/tracker.md', import.meta.url), 'utf8');
    const snippet = /### Calls before the script has loaded[\s\S]*?```html\n(<script>[\s\S]*?<\/script>)\n```/.exec(docs)![1];
    const early = `${snippet}<script>clicklake.track('early', { n: 1 }); clicklake.identify('early-user', { plan: 'pro' });</script>`;
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await openDemo(context, url, (html) =>
      html.replace('<script defer src="/tracker', `${early}<script defer src="/tracker`).replace('data-site="demo"', `data-site="${site}"`),
    );
    assert.equal(await page.evaluate(() => typeof (window as any).clicklake.q), 'undefined', 'the stub was replaced');
    const rows = await waitForRows(url, site, 3);
    assert.deepEqual(
      rows.map((r) => [Number(r.seq), r.event_type, r.event_name, r.user_id, r.properties]),
      [
        [1, 'page_view', null, null, '{}'],
        [2, 'custom', 'early', null, '{"n":1}'],
        [3, 'identify', null, 'early-user', '{"plan":"pro"}'],
      ],
    );
  });

  it('cookieless: events arrive without device ids and nothing is written to storage; history changes are page views', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url, browser } = stack!;
    const site = 'browser-cookieless';
    const context = await browser.newContext();
    t.after(() => context.close());
    const page = await openDemo(context, url, `data-site="${site}" data-cookieless`);
    await page.click('#hero-cta');
    await page.waitForURL('**/demo/products');
    await page.click('a.product-card >> nth=2');
    await page.waitForURL('**/demo/products/merino-beanie');
    await page.click('#add-to-cart');
    await page.goBack(); // popstate
    await page.waitForURL('**/demo/products');
    await page.evaluate(() => history.replaceState(null, '', location.href)); // same URL: no page view
    await page.evaluate(() => history.replaceState(null, '', '/demo/products?sort=price'));
    await page.evaluate(() => (window as any).clicklake.identify('cookieless-user'));
    const storage = await page.evaluate(async () => ({
      local: localStorage.length,
      session: sessionStorage.length,
      cookie: document.cookie,
      idb: (await indexedDB.databases()).length,
    }));
    assert.deepEqual(storage, { local: 0, session: 0, cookie: '', idb: 0 });
    await page.close(); // the last scroll report goes as a beacon
    const expected = [
      ['page_view', '/demo/'],
      ['click', '/demo/'],
      ['scroll', '/demo/'],
      ['page_view', '/demo/products'],
      ['click', '/demo/products'],
      ['scroll', '/demo/products'],
      ['page_view', '/demo/products/merino-beanie'],
      ['click', '/demo/products/merino-beanie'],
      ['scroll', '/demo/products/merino-beanie'],
      ['page_view', '/demo/products'],
      ['scroll', '/demo/products'],
      ['page_view', '/demo/products'],
      ['identify', '/demo/products'],
      ['scroll', '/demo/products'],
    ];
    const rows: Row[] = await waitForRows(url, site, expected.length);
    assert.deepEqual(rows.map((r) => [r.event_type, r.page_path]), expected, summary(rows));
    assert.deepEqual(rows.map((r) => Number(r.seq)), expected.map((_, i) => i + 1));
    assert.ok(rows.every((r) => r.session_id === null), 'no session id from the device');
    // No device id either: the server derives one per day from its salt, the site, the IP and the User-Agent
    // (privacy.cookielessIds, docs/privacy.md), the same for every event of this browser.
    assert.equal(new Set(rows.map((r) => r.anonymous_id)).size, 1, 'one server-derived visitor id');
    assert.match(String(rows[0].anonymous_id), /^[0-9a-f]{32}$/);
    assert.equal(rows[9].referrer, `${url}/demo/products/merino-beanie`, 'back: the referrer is the page left');
    assert.equal(rows[11].page_url, `${url}/demo/products?sort=price`);
    assert.equal(rows[12].user_id, 'cookieless-user');
    assert.equal(rows[13].user_id, 'cookieless-user');
  });
});
