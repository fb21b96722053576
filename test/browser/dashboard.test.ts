// The dashboard in real Chromium against the real server (in-process, seeded through POST /collect with the known
// data of dashboard-stack.ts): without a login every page redirects to /login and every API answers 401; after
// logging in with the admin token the overview shows the API's numbers, the range and a filter change them (and
// live in the URL), the table views render, a 3-step funnel is built and run, a SQL query runs and downloads as
// CSV, a newly posted event appears in Realtime within 1 s of its acknowledgement, and logging out ends the
// session. A screenshot of each view is saved under test-results/screenshots/. Every wait is bounded.
// Chromium: /usr/bin/chromium (skipped outside CI when missing, a failure in CI).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { makeEvent, requireComponent } from '../helpers/components.js';
import { hashPassword } from '../../src/auth/index.js';
import { TEST_TOKEN } from '../helpers/server.js';
import { SITE, apiGet, apiPost, kpi, postEvents, screenshot, seedEvents } from './dashboard-stack.js';
import { hasChromium, startStack, waitForRows, type Stack } from './stack.js';

const VIEWS = ['overview', 'realtime', 'pages', 'sources', 'clicks', 'audience', 'funnels', 'retention', 'paths', 'events', 'sql'];
const USER_PASSWORD = 'correct horse battery staple';
const METRICS = ['visitors', 'sessions', 'page_views', 'bounce_rate', 'avg_session_seconds', 'views_per_session'] as const;

/** The query string (site, from, to, filter...) of the last request the page made to `path`. */
function lastApiQuery(requests: string[], path: string): string {
  const hit = [...requests].reverse().find((u) => new URL(u).pathname === path);
  assert.ok(hit, `the page requested ${path}`);
  return new URL(hit).search;
}

describe('dashboard in Chromium', { timeout: 240_000 }, () => {
  let stack: Stack | undefined;
  let context: BrowserContext;
  let page: Page;
  const requests: string[] = [];
  const problems: string[] = [];

  before(async () => {
    if (!hasChromium()) return;
    stack = await startStack({ auth: { users: [{ name: 'ana', passwordHash: await hashPassword(USER_PASSWORD) }] } });
    for (const batch of seedEvents()) await postEvents(stack.url, batch.events, batch.userAgent);
    await waitForRows(stack.url, SITE, 11);
    context = await stack.browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
    page = await context.newPage();
    page.on('request', (r) => {
      if (r.url().includes('/api/')) requests.push(r.url());
    });
    // A CSP violation or a script error would mean a broken page even if the assertions pass.
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Uncaught/i.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (err) => problems.push(String(err)));
  });
  after(async () => {
    await context?.close().catch(() => {});
    await stack?.close();
  });

  it('without a login, every view redirects to /login and every API answers 401', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    for (const view of VIEWS) {
      const res = await fetch(`${url}/?view=${view}&site=${SITE}`, { redirect: 'manual' });
      assert.equal(res.status, 302, view);
      assert.equal(res.headers.get('location'), `/login?next=${encodeURIComponent(`/?view=${view}&site=${SITE}`)}`);
    }
    const gets = ['/api/sites', `/api/stats/overview?site=${SITE}`, `/api/stats/pages?site=${SITE}`, '/api/funnels', '/api/saved-queries', `/api/realtime/stream?site=${SITE}`, '/api/auth/me'];
    for (const path of gets) {
      const res = await fetch(url + path);
      assert.equal(res.status, 401, path);
      assert.equal(((await res.json()) as any).error.code, 'CLK_ERR_UNAUTHORIZED', path);
    }
    const query = await fetch(`${url}/api/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"sql":"SELECT 1"}' });
    assert.equal(query.status, 401);
    // In the browser: the view link ends on the login page with the way back in ?next=.
    await page.goto(`${url}/?view=pages&site=${SITE}`);
    await page.waitForURL(/\/login\?next=/, { timeout: 10_000 });
    await screenshot(page, 'login');
  });

  it('rejects a wrong token and logs in with the admin token, back to the requested view', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    await page.fill('input[name="token"]', 'not-the-token-0123456789');
    await page.click('button[type="submit"]');
    await page.locator('[role="alert"]').waitFor({ timeout: 10_000 });
    assert.match(await page.locator('[role="alert"]').innerText(), /Wrong credentials/);
    await page.fill('input[name="token"]', TEST_TOKEN);
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('view') === 'pages', { timeout: 10_000 });
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'clicklake_session');
    assert.ok(session, `a session cookie: ${cookies.map((c) => c.name).join(', ')}`);
    assert.equal(session.httpOnly, true);
  });

  it('shows the overview numbers the API gives for the same query', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    await page.click('nav.views >> text=Overview');
    await page.waitForURL(/view=overview/, { timeout: 10_000 });
    assert.equal(await kpi(page, 'visitors'), 4);
    const qs = lastApiQuery(requests, '/api/stats/overview');
    const api = await apiGet(url, `/api/stats/overview${qs}`);
    for (const m of METRICS) assert.equal(await kpi(page, m), api.data.current[m], m);
    assert.deepEqual([api.data.current.visitors, api.data.current.sessions, api.data.current.page_views], [4, 4, 7]);
    assert.equal(await page.locator('[data-tile="trend"] canvas').count() >= 1, true, 'the trend chart is drawn');
    await screenshot(page, 'overview');
  });

  it('is usable with the keyboard and fits a phone screen', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    // Tab from the top: the skip link first, then the site selector; Enter on a focused view link navigates.
    await page.reload();
    await kpi(page, 'visitors');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.className), 'skip');
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'site');
    await page.focus('nav.views a:has-text("Pages")');
    await page.keyboard.press('Enter');
    await page.waitForURL(/view=pages/, { timeout: 10_000 });
    await page.goBack();
    await page.waitForURL(/view=overview/, { timeout: 10_000 });
    // Every form control has a label (an accessible name).
    const unlabeled = await page.evaluate(() =>
      [...document.querySelectorAll('input, select, textarea')].filter((el) => !(el as HTMLInputElement).labels?.length && !el.getAttribute('aria-label')).map((el) => el.outerHTML),
    );
    assert.deepEqual(unlabeled, []);
    await page.setViewportSize({ width: 390, height: 844 });
    await kpi(page, 'visitors');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth + 1), 'no horizontal scrolling on a phone');
    await screenshot(page, 'overview-mobile');
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('changing the range changes the numbers and the URL', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    await page.selectOption('[data-testid="range"]', 'today');
    await page.waitForURL(/range=today/, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('.kpi[data-metric="page_views"] .kpi-value')?.getAttribute('data-value') === '5', null, { timeout: 10_000 });
    const api = await apiGet(url, `/api/stats/overview${lastApiQuery(requests, '/api/stats/overview')}`);
    const today = new Date().toISOString().slice(0, 10);
    assert.equal(api.from.slice(0, 10), today);
    for (const m of METRICS) assert.equal(await kpi(page, m), api.data.current[m], m);
    assert.equal(api.data.current.visitors, 3);

    // A custom range: yesterday only (visitor d: 2 page views).
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await page.selectOption('[data-testid="range"]', 'custom');
    await page.fill('input[type="date"] >> nth=0', yesterday);
    await page.fill('input[type="date"] >> nth=1', yesterday);
    await page.click('button:has-text("Apply")');
    await page.waitForURL((u) => u.searchParams.get('range') === 'custom' && u.searchParams.get('from') === yesterday && u.searchParams.get('to') === yesterday, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('.kpi[data-metric="page_views"] .kpi-value')?.getAttribute('data-value') === '2', null, { timeout: 10_000 });
    const custom = await apiGet(url, `/api/stats/overview${lastApiQuery(requests, '/api/stats/overview')}`);
    assert.equal(custom.from.slice(0, 10), yesterday);
    for (const m of METRICS) assert.equal(await kpi(page, m), custom.data.current[m], m);
    await page.selectOption('[data-testid="range"]', 'today');
    await page.waitForURL(/range=today/, { timeout: 10_000 });
  });

  it('a filter applies to the tiles, lives in the URL and survives a reload', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    await page.selectOption('[data-testid="filter-name"]', 'page');
    await page.fill('[data-testid="filter-value"]', '/pricing');
    await page.click('button:has-text("Add filter")');
    await page.waitForURL(/filter=page%3A%2Fpricing/, { timeout: 10_000 });
    await page.waitForFunction(() => document.querySelector('.kpi[data-metric="page_views"] .kpi-value')?.getAttribute('data-value') === '2', null, { timeout: 10_000 });
    const api = await apiGet(url, `/api/stats/overview${lastApiQuery(requests, '/api/stats/overview')}`);
    assert.deepEqual(api.filters, [{ name: 'page', op: 'eq', value: '/pricing' }]);
    for (const m of METRICS) assert.equal(await kpi(page, m), api.data.current[m], m);
    await page.reload();
    await page.locator('.chip[data-filter="page:/pricing"]').waitFor({ timeout: 10_000 });
    assert.equal(await kpi(page, 'visitors'), 2);
    // Removing the filter restores today's numbers.
    await page.click('.chip button');
    await page.waitForFunction(() => document.querySelector('.kpi[data-metric="page_views"] .kpi-value')?.getAttribute('data-value') === '5', null, { timeout: 10_000 });
    await page.selectOption('[data-testid="range"]', '7d');
    await page.waitForFunction(() => document.querySelector('.kpi[data-metric="page_views"] .kpi-value')?.getAttribute('data-value') === '7', null, { timeout: 10_000 });
  });

  it('renders the table views with the seeded data, visitor text as text', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    const go = async (view: string, extra = '') => {
      await page.goto(`${url}/?view=${view}&site=${SITE}${extra}`);
      await page.waitForFunction(() => document.querySelectorAll('.state.loading').length === 0 && document.querySelectorAll('section.tile').length > 0, null, { timeout: 15_000 });
    };
    await go('pages');
    const top = page.locator('[data-tile="top-pages"] tbody tr');
    const pagesApi = await apiGet(url, `/api/stats/pages${lastApiQuery(requests, '/api/stats/pages')}`);
    assert.equal(await top.count(), pagesApi.data.top.length);
    assert.equal(await top.first().locator('td').first().innerText(), pagesApi.data.top[0].page);
    // Engaged time and scroll depth of /pricing: 12 s over its 2 views, and the one scroll to 80 %.
    const pricing = pagesApi.data.top.find((r: any) => r.page === '/pricing');
    assert.deepEqual([pricing.avg_engaged_ms, pricing.avg_scroll_depth], [6000, 80]);
    const cells = await page.locator('[data-tile="top-pages"] tbody tr:has-text("/pricing") td').allInnerTexts();
    assert.deepEqual(cells.slice(3), ['6s', '80.0%']);
    await screenshot(page, 'pages');

    await go('sources');
    assert.match(await page.locator('[data-tile="referrers"]').innerText(), /google/);
    assert.match(await page.locator('[data-tile="utm_campaigns"]').innerText(), /launch/);
    await screenshot(page, 'sources');

    await go('clicks', '&page=%2Fpricing');
    const clickRow = page.locator('[data-tile="top-clicks"] tbody tr').first();
    assert.match(await clickRow.innerText(), /main > button#buy/);
    // Element text from a visitor is shown as text, not markup.
    assert.match(await clickRow.innerText(), /Buy <now>/);
    assert.equal(await page.locator('[data-tile="top-clicks"] now').count(), 0);
    await page.locator('[data-tile="click-map"] svg circle').first().waitFor({ timeout: 10_000 });
    await screenshot(page, 'clicks');

    await go('audience');
    assert.match(await page.locator('[data-tile="screens"]').innerText(), /390x844/);
    await screenshot(page, 'audience');

    await go('events');
    assert.match(await page.locator('[data-tile="custom-events"]').innerText(), /signup/);
    assert.match(await page.locator('[data-tile="event-signup"]').innerText(), /plan[\s\S]*(pro|free)/);
    await screenshot(page, 'events');

    await go('paths', '&page=%2F');
    const next = await page.locator('[data-tile="paths-next"]').innerText();
    assert.match(next, /\/pricing/);
    assert.match(next, /\(exit\)/);
    await screenshot(page, 'paths');

    await go('retention');
    const retentionApi = await apiGet(url, `/api/stats/retention${lastApiQuery(requests, '/api/stats/retention')}`);
    assert.equal(await page.locator('[data-tile="retention"] tbody tr').count(), retentionApi.data.cohorts.length);
    assert.ok(retentionApi.data.cohorts.length >= 1);
    await screenshot(page, 'retention');
  });

  it('builds and runs a 3-step funnel that matches the API, and saves it', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    await page.goto(`${url}/?view=funnels&site=${SITE}&range=today`);
    await page.fill('[aria-label="Step 1 value"]', '/');
    await page.fill('[aria-label="Step 2 value"]', '/pricing');
    await page.click('button:has-text("+ Add step")');
    await page.selectOption('[aria-label="Step 3 kind"]', 'event');
    await page.fill('[aria-label="Step 3 value"]', 'signup');
    await page.click('button:has-text("Run funnel")');
    await page.waitForURL(/funnel=/, { timeout: 10_000 });
    const rows = page.locator('[data-tile="funnel-result"] tbody tr');
    await rows.nth(2).waitFor({ timeout: 10_000 });
    const today = new Date().toISOString().slice(0, 10);
    const api = await apiPost(url, '/api/stats/funnel', { site: SITE, from: today, to: today, steps: [{ page: '/' }, { page: '/pricing' }, { event: 'signup' }] });
    assert.deepEqual(api.data.steps.map((s: any) => s.visitors), [3, 2, 2]);
    for (let i = 0; i < 3; i++) {
      const cells = await rows.nth(i).locator('td').allInnerTexts();
      assert.equal(Number(cells[1]), api.data.steps[i].visitors, `step ${i + 1}: ${cells.join(' | ')}`);
    }
    await page.fill('input[maxlength="100"]', 'Signup funnel');
    await page.click('button:has-text("Save funnel")');
    await page.locator('[data-tile="saved-funnels"] button.link:has-text("Signup funnel")').waitFor({ timeout: 10_000 });
    const saved = await apiGet(url, '/api/funnels');
    assert.deepEqual(saved.data.map((f: any) => f.name), ['Signup funnel']);
    await screenshot(page, 'funnels');
    // A fresh funnels view loads the saved funnel into the builder and runs it.
    await page.goto(`${url}/?view=funnels&site=${SITE}&range=today`);
    await page.click('[data-tile="saved-funnels"] button.link:has-text("Signup funnel")');
    await rows.nth(2).waitFor({ timeout: 10_000 });
    assert.equal(await page.inputValue('[aria-label="Step 3 value"]'), 'signup');
    assert.deepEqual((await rows.allInnerTexts()).map((r) => Number(r.split('\t')[1])), [3, 2, 2]);
  });

  it('runs a SQL query and downloads the result as CSV', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    await page.goto(`${url}/?view=sql&site=${SITE}`);
    const sql = `SELECT page_path, count(*) AS views FROM events WHERE site_id = '${SITE}' AND event_type = 'page_view' GROUP BY ALL ORDER BY views DESC, page_path`;
    await page.fill('[data-testid="sql-text"]', sql);
    await page.click('button:has-text("Run")');
    const rows = page.locator('[data-tile="sql-result"] tbody tr');
    await rows.first().waitFor({ timeout: 10_000 });
    assert.deepEqual(await rows.allInnerTexts(), ['/\t4', '/pricing\t2', '/about\t1']);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), page.click('button:has-text("Download CSV")')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    assert.equal(csv, 'page_path,views\r\n/,4\r\n/pricing,2\r\n/about,1\r\n');
    // Saved queries: saved under a name, listed, and stored by the API.
    await page.fill('[data-tile="sql-editor"] input[type="text"]', 'Page views by path');
    await page.click('button:has-text("Save query")');
    await page.locator('[data-tile="saved-queries"] button.link:has-text("Page views by path")').waitFor({ timeout: 10_000 });
    const saved = await apiGet(url, '/api/saved-queries');
    assert.deepEqual(saved.data.map((q: any) => [q.name, q.sql]), [['Page views by path', sql]]);
    await screenshot(page, 'sql');
  });

  it('shows a newly posted event in Realtime within 1 s of its acknowledgement', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    await page.goto(`${url}/?view=realtime&site=${SITE}`);
    await page.waitForFunction(() => document.querySelector('[data-testid="stream-status"]')?.textContent?.includes('live'), null, { timeout: 15_000 });
    await kpi(page, 'visitors');
    const event = makeEvent({ site_id: SITE, type: 'custom', name: 'realtime_probe', url: 'https://shop.example/live', ts: Date.now(), sent_at: Date.now(), anonymous_id: 'rt', session_id: 'rt' });
    const shown = page.locator(`[data-event-id="${event.event_id as string}"]`).waitFor({ timeout: 5_000 });
    await postEvents(url, [event]);
    const acked = Date.now();
    await shown;
    const ms = Date.now() - acked;
    t.diagnostic(`the event appeared in Realtime ${ms} ms after its acknowledgement`);
    assert.ok(ms <= 1000, `the event appeared ${ms} ms after its acknowledgement`);
    assert.match(await page.locator(`[data-event-id="${event.event_id as string}"]`).innerText(), /realtime_probe/);
    await screenshot(page, 'realtime');
  });

  it('has no CSP violations or script errors; logging out ends the session; a configured user can log in', async (t) => {
    if (!requireComponent(t, hasChromium(), 'Chromium (/usr/bin/chromium)')) return;
    const { url } = stack!;
    assert.deepEqual(problems, []);
    await page.goto(`${url}/?view=overview&site=${SITE}`);
    await page.click('button:has-text("Log out")');
    await page.waitForURL(/\/login$/, { timeout: 10_000 });
    await page.goto(`${url}/?view=overview&site=${SITE}`);
    await page.waitForURL(/\/login\?next=/, { timeout: 10_000 });
    const me = await page.evaluate(async () => (await fetch('/api/auth/me')).status);
    assert.equal(me, 401);
    // A user from the config file logs in with name and password, and is shown as logged in.
    await page.check('input[type="radio"] >> nth=1');
    await page.fill('input[name="name"]', 'ana');
    await page.fill('input[name="password"]', USER_PASSWORD);
    await page.click('button[type="submit"]');
    await page.waitForURL((u) => u.pathname === '/' && u.searchParams.get('view') === 'overview', { timeout: 10_000 });
    await page.locator('[data-testid="who"]:has-text("ana")').waitFor({ timeout: 10_000 });
    // 4 seeded visitors and the realtime probe's.
    assert.equal(await kpi(page, 'visitors'), 5);
  });
});
