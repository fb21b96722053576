// Shared setup of the real-browser tests: the real server in-process (collector -> spool -> query) on a loopback
// port with a temp data dir, headless Chromium driven by playwright-core, and helpers to load the demo shop with
// tracker options and to read back what reached the lake. Every wait is bounded.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type LaunchOptions, type Page } from 'playwright-core';
import { pino } from 'pino';
import { parseConfig } from '../../src/core/config.js';
import { startClicklake, type RunningClicklake } from '../../src/server/index.js';
import { apiQuery, TEST_TOKEN, tempDir, waitFor } from '../helpers/server.js';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = (): boolean => existsSync(CHROMIUM);

const LAUNCH: LaunchOptions = {
  executablePath: CHROMIUM,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    // Nothing leaves the machine: every host but the loopback server fails to resolve (the demo's outbound link
    // then ends on an error page, which still unloads the shop page like a real visit elsewhere).
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
  timeout: 30_000,
};

export interface Stack {
  readonly url: string;
  readonly server: RunningClicklake;
  readonly browser: Browser;
  /** A fresh persistent Chromium profile with Do-Not-Track switched on in its preferences. */
  dntContext(): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** `config`: further config keys (e.g. `auth.users` for the dashboard tests). */
export async function startStack(config: Record<string, unknown> = {}): Promise<Stack> {
  const tmp = tempDir('browser');
  const server = await startClicklake(
    // Headless Chromium says "HeadlessChrome": a bot, whose events are dropped by default; keep them (is_bot = true).
    parseConfig({ port: 0, host: '127.0.0.1', dataDir: join(tmp.path, 'data'), adminToken: TEST_TOKEN, writer: { intervalMs: 1000 }, collector: { bots: 'keep' }, ...config }),
    { logger: pino({ level: 'silent' }) },
  );
  let browser: Browser;
  try {
    browser = await chromium.launch(LAUNCH);
  } catch (err) {
    await server.stop();
    tmp.cleanup();
    throw err;
  }
  const extra: BrowserContext[] = [];
  return {
    url: `http://127.0.0.1:${server.port}`,
    server,
    browser,
    async dntContext() {
      // Chromium's own "Send a Do Not Track request" setting, so navigator.doNotTrack is really "1".
      const profile = join(tmp.path, `profile-${extra.length}`);
      mkdirSync(join(profile, 'Default'), { recursive: true });
      writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ enable_do_not_track: true }));
      const context = await chromium.launchPersistentContext(profile, LAUNCH);
      extra.push(context);
      return context;
    },
    async close() {
      for (const c of extra) await c.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.stop();
      tmp.cleanup();
    },
  };
}

/**
 * Opens the demo shop in `context` with the tracker's <script> attributes replaced by `attrs` (e.g.
 * `data-site="t1" data-cookieless`), so each test has its own site id. Only the first document is rewritten; the
 * route is removed once the page loaded, so that no later request (fetches, beacons of an unloading page) passes
 * through Playwright's interception, which would change what a real browser does.
 */
export async function openDemo(
  context: BrowserContext,
  base: string,
  attrs: string | ((html: string) => string),
  path = '/demo/',
): Promise<Page> {
  const pattern = `${base}/demo/**`;
  await context.route(pattern, async (route) => {
    if (route.request().resourceType() !== 'document') return route.continue();
    const response = await route.fetch();
    const text = await response.text();
    if (typeof attrs === 'string') return route.fulfill({ response, body: text.replace('data-site="demo"', attrs) });
    // A page of the test's own making: without the demo's CSP, which forbids inline scripts.
    const headers = { ...response.headers() };
    delete headers['content-security-policy'];
    return route.fulfill({ response, headers, body: attrs(text) });
  });
  const page = context.pages()[0] ?? (await context.newPage());
  await page.goto(base + path);
  await page.waitForFunction(() => (window as any).clicklake && !(window as any).clicklake.q, null, { timeout: 10_000 });
  await context.unroute(pattern);
  return page;
}

/** Every request the context sends to /collect (fetch and beacons). */
export function collectRequests(context: BrowserContext, base: string): string[] {
  const seen: string[] = [];
  context.on('request', (r) => {
    if (r.url().startsWith(`${base}/collect`)) seen.push(r.method());
  });
  return seen;
}

export type Row = Record<string, any>;

/** Rows of `site` in the lake (through the query API), ordered by seq. */
export async function lakeRows(url: string, site: string): Promise<Row[]> {
  if (!/^[a-z0-9-]+$/.test(site)) throw new Error(`bad site id ${site}`);
  return apiQuery(url, `SELECT * EXCLUDE (dt, hour) FROM events WHERE site_id = '${site}' ORDER BY seq, event_type`);
}

/** Waits until `site` has exactly `n` rows (failing fast when there are more), then returns them. */
export async function waitForRows(url: string, site: string, n: number, timeoutMs = 20_000): Promise<Row[]> {
  let rows: Row[] = [];
  await waitFor(
    async () => {
      rows = await lakeRows(url, site);
      if (rows.length > n) throw new Error(`more than ${n} rows: ${summary(rows)}`);
      return rows.length === n;
    },
    timeoutMs,
    `${n} events of site ${site}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}\nin the lake: ${summary(rows)}`);
  });
  return rows;
}

export function summary(rows: Row[]): string {
  return rows.map((r) => `${r.seq}:${r.event_type}${r.event_name ? `(${r.event_name})` : ''}@${r.page_path}`).join(', ');
}

/** The number of events stored by the tracker on the device (localStorage keys clicklake:<site>:e:<id>). */
export function storedEvents(page: Page): Promise<number> {
  return page.evaluate(() => Object.keys(localStorage).filter((k) => k.includes(':e:')).length);
}
