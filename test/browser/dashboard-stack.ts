// Setup of the dashboard's real-browser tests: the shared browser stack (stack.ts: the real server in-process,
// headless Chromium), seeded through POST /collect with a small, fully known data set, and helpers to call the
// dashboard API with the admin token (the reference the UI's numbers are compared against).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { makeEvent } from '../helpers/components.js';
import { REPO_ROOT, TEST_TOKEN } from '../helpers/server.js';

export const SITE = 'dash';
/** Screenshots of every view, for a reviewer: test-results/screenshots/<view>.png (ignored by git). */
export const SCREENSHOTS = join(REPO_ROOT, 'test-results', 'screenshots');

/**
 * The seed, by design:
 * - today: visitor a (session sa): / (from google, utm news/email/launch) -> /pricing -> click "Buy" at (300, 420)
 *   -> custom signup {plan: pro}, and a scroll to 80 % with 12 s engaged on /pricing; visitor b (sb): / -> /pricing
 *   -> signup {plan: free}; visitor c (sc): / only (a bounce), on a phone.
 * - yesterday: visitor d (sd): / -> /about.
 * Last 7 days: 4 visitors, 4 sessions, 7 page views. Today: 3 visitors, 5 page views. Funnel / -> /pricing -> signup
 * today: 3 -> 2 -> 2.
 */
export function seedEvents(now = Date.now()): { userAgent: string; events: Record<string, unknown>[] }[] {
  const todayStart = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  // Today: within the last minute but never before midnight (UTC); yesterday: 3 hours before midnight.
  const today = (i: number) => Math.max(todayStart + i * 1000, now - 60_000 + i * 1000);
  const yesterday = (i: number) => todayStart - 3 * 3600_000 + i * 1000;
  const base = (anon: string, session: string, ts: number, seq: number, url: string, extra: Record<string, unknown> = {}) => {
    const e = makeEvent({ site_id: SITE, anonymous_id: anon, session_id: session, ts, sent_at: now, seq, url, props: {}, title: 'Shop' });
    delete e.referrer;
    delete e.element;
    return { ...e, ...extra };
  };
  const pv = (anon: string, session: string, ts: number, seq: number, path: string, extra: Record<string, unknown> = {}) =>
    base(anon, session, ts, seq, `https://shop.example${path}`, { type: 'page_view', ...extra });
  return [
    {
      userAgent: DESKTOP_UA,
      events: [
        pv('a', 'sa', today(1), 1, '/?utm_source=news&utm_medium=email&utm_campaign=launch', { referrer: 'https://www.google.com/' }),
        pv('a', 'sa', today(5), 2, '/pricing'),
        base('a', 'sa', today(6), 3, 'https://shop.example/pricing', {
          type: 'click',
          element: { tag: 'button', id: 'buy', classes: ['btn'], text: 'Buy <now>', selector: 'main > button#buy', x: 300, y: 420 },
          viewport: { w: 1000, h: 800 },
        }),
        base('a', 'sa', today(7), 4, 'https://shop.example/pricing', { type: 'custom', name: 'signup', props: { plan: 'pro' } }),
        base('a', 'sa', today(5) + 500, 5, 'https://shop.example/pricing', { type: 'scroll', scroll_depth: 80, props: { engaged_ms: 12_000 } }),
        pv('b', 'sb', today(2), 1, '/'),
        pv('b', 'sb', today(8), 2, '/pricing'),
        base('b', 'sb', today(9), 3, 'https://shop.example/pricing', { type: 'custom', name: 'signup', props: { plan: 'free' } }),
        pv('d', 'sd', yesterday(1), 1, '/'),
        pv('d', 'sd', yesterday(30), 2, '/about'),
      ],
    },
    { userAgent: PHONE_UA, events: [pv('c', 'sc', today(3), 1, '/', { screen: { w: 390, h: 844 }, viewport: { w: 390, h: 700 } })] },
  ];
}

/** Browser user agents: the collector drops events from bots by default, and Node's fetch looks like one. */
export const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
export const PHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';

export async function postEvents(url: string, events: Record<string, unknown>[], userAgent = DESKTOP_UA): Promise<void> {
  const res = await fetch(`${url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': userAgent },
    body: JSON.stringify(events),
  });
  if (res.status !== 200) throw new Error(`POST /collect answered ${res.status}: ${await res.text()}`);
}

/** GET an API path with the admin token; throws on a non-200 answer. */
export async function apiGet<T = any>(url: string, path: string): Promise<T> {
  const res = await fetch(url + path, { headers: { authorization: `Bearer ${TEST_TOKEN}` } });
  if (res.status !== 200) throw new Error(`GET ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function apiPost<T = any>(url: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`POST ${path} answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as T;
}

export async function screenshot(page: Page, view: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${view}.png`), fullPage: true });
}

/** The value of an overview number (data-value of its .kpi-value), once it is shown. */
export async function kpi(page: Page, metric: string): Promise<number> {
  const el = page.locator(`.kpi[data-metric="${metric}"] .kpi-value`);
  await el.waitFor({ timeout: 10_000 });
  return Number(await el.getAttribute('data-value'));
}
