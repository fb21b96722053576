import { randomUUID } from 'node:crypto';
import type { LakeRow } from '../../core/schema.js';

/** A LakeRow with every column set (deterministic apart from the event_id); override what the test is about. */
export function lakeRow(overrides: Partial<LakeRow> = {}): LakeRow {
  const ts = overrides.ts ?? '2026-11-27T09:15:00.000Z';
  const received = new Date(Date.parse(ts) + 250).toISOString();
  return {
    event_id: randomUUID(),
    event_type: 'click',
    event_name: null,
    ts,
    client_ts: null, // NULL when the device time is ts itself (core/schema.ts)
    received_at: received,
    site_id: 'shop',
    anonymous_id: 'anon-1',
    user_id: 'user-7',
    session_id: 'sess-1',
    seq: 42,
    page_url: 'https://shop.example/products/42?ref=mail',
    page_host: 'shop.example',
    page_path: '/products/42',
    page_title: 'Tent «Ultra» — 2 persons',
    referrer: 'https://www.example.org/',
    element_tag: 'button',
    element_id: 'buy',
    element_classes: 'btn btn-primary',
    element_text: 'Buy now',
    element_selector: 'main > div.card > button#buy',
    element_href: null,
    x: 120,
    y: 640,
    scroll_depth: 75,
    viewport_w: 1280,
    viewport_h: 720,
    screen_w: 1920,
    screen_h: 1080,
    language: 'de-DE',
    timezone: 'Europe/Berlin',
    user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0',
    properties: '{"plan":"pro","n":3}',
    browser: 'Firefox',
    browser_version: '121.0',
    os: 'Linux',
    os_version: null,
    device_type: 'desktop',
    device_vendor: null,
    device_model: null,
    is_bot: false,
    bot_reason: null,
    country: 'DE',
    region: 'Berlin',
    city: 'Berlin',
    ip: null,
    referrer_host: 'www.example.org',
    channel: 'referral',
    utm_source: 'newsletter',
    utm_medium: 'email',
    utm_campaign: 'winter',
    utm_term: null,
    utm_content: null,
    click_id_type: null,
    dropped: null,
    ...overrides,
  };
}

export function payloadsOf(rows: readonly LakeRow[]): string[] {
  return rows.map((r) => JSON.stringify(r));
}
