import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Tests that need an outside component (pyarrow, Chromium, a server) skip only outside CI. In CI (CI=true) a missing
 * component fails the test, and .ci/run fails the run if anything was skipped.
 */
export function requireComponent(t: TestContext, available: boolean, what: string): boolean {
  if (available) return true;
  if (process.env.CI) throw new Error(`${what} is required in CI but is not available`);
  t.skip(`${what} not available (install it to run this test)`);
  return false;
}

export function hasPyarrow(): boolean {
  return spawnSync('python3', ['-c', 'import pyarrow'], { stdio: 'ignore' }).status === 0;
}

let counter = 0;
/** A valid native-protocol event with sensible defaults. */
export function makeEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  return {
    event_id: crypto.randomUUID(),
    type: 'click',
    ts: Date.now(),
    sent_at: Date.now(),
    site_id: 'e2e',
    anonymous_id: 'anon-1',
    session_id: 'sess-1',
    seq: counter,
    url: `https://shop.example/products/${counter % 7}?utm_source=test`,
    referrer: 'https://www.google.com/',
    title: 'Product <b>page</b>',
    element: { tag: 'button', id: 'buy', classes: ['btn', 'primary'], text: 'Add to cart', selector: 'main > button#buy', x: 10, y: 20 },
    viewport: { w: 1280, h: 720 },
    screen: { w: 1920, h: 1080 },
    language: 'en-US',
    timezone: 'Europe/Berlin',
    props: { plan: 'pro', n: counter },
    ...overrides,
  };
}
