import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LakeRow } from '../../../core/schema.js';
import { LAKE_COLUMNS } from '../../../core/schema.js';
import { createNormalizeContext, type NormalizeContextInput } from './context.js';
import { normalizeEvent } from './normalize.js';

const NOW = Date.parse('2026-11-27T10:00:00.000Z');
const ID = '11111111-2222-4333-8444-555555555555';
const DAY = 86_400_000;

function ctx(over: Partial<NormalizeContextInput> = {}) {
  return createNormalizeContext({
    receivedAt: NOW,
    userAgent: 'TestAgent/1.0',
    origin: 'https://shop.example',
    newId: () => ID,
    limits: { maxBodyBytes: 1 << 20, maxEventsPerRequest: 500, maxEventBytes: 32 * 1024, maxClockSkewMs: 7 * DAY },
    sites: { locked: { allowedOrigins: ['https://Shop.example/'] }, open: { allowedOrigins: ['*'] } },
    ...over,
  });
}

function row(input: unknown, c = ctx()): LakeRow {
  const r = normalizeEvent(input, c);
  if (!('row' in r)) assert.fail(`expected a row, got ${r.code}: ${r.message}`);
  return JSON.parse(r.row) as LakeRow;
}

interface Case {
  name: string;
  input: unknown;
  /** Expected subset of the row. */
  row?: Partial<LakeRow>;
  /** Expected rejection code, and a fragment of its message. */
  code?: string;
  message?: string;
}

const long = (n: number) => 'a'.repeat(n);

const cases: Case[] = [
  // Defaults and basics
  {
    name: 'minimal event gets defaults',
    input: { type: 'page_view' },
    row: {
      event_id: ID, event_type: 'page_view', event_name: null, ts: '2026-11-27T10:00:00.000Z', client_ts: null,
      received_at: '2026-11-27T10:00:00.000Z', site_id: 'default', seq: null, page_url: null,
      page_host: null, page_path: null, user_agent: 'TestAgent/1.0', properties: '{}',
    },
  },
  { name: 'event_id lower-cased', input: { type: 'click', event_id: 'ABCDEF01-2345-6789-ABCD-EF0123456789' }, row: { event_id: 'abcdef01-2345-6789-abcd-ef0123456789' } },
  { name: 'event_id not a uuid', input: { type: 'click', event_id: 'nope' }, code: 'CLK_ERR_EVENT_INVALID', message: 'event_id: must be a UUID' },
  { name: 'type lower-cased', input: { type: 'Page_View' }, row: { event_type: 'page_view' } },
  { name: 'type missing', input: { name: 'x' }, code: 'CLK_ERR_EVENT_INVALID', message: 'type:' },
  { name: 'type empty', input: { type: '' }, code: 'CLK_ERR_EVENT_INVALID', message: 'type:' },
  { name: 'type bad charset', input: { type: 'page view' }, code: 'CLK_ERR_EVENT_INVALID', message: 'type: must be a token' },
  { name: 'type too long', input: { type: long(65) }, code: 'CLK_ERR_EVENT_INVALID', message: 'type:' },
  { name: 'type wrong type', input: { type: 5 }, code: 'CLK_ERR_EVENT_INVALID', message: 'type:' },
  { name: 'event not an object', input: [1, 2], code: 'CLK_ERR_EVENT_INVALID', message: 'event:' },
  { name: 'event null', input: null, code: 'CLK_ERR_EVENT_INVALID', message: 'event:' },
  { name: 'unknown fields ignored', input: { type: 'click', future_field: { a: 1 } }, row: { event_type: 'click' } },
  { name: 'null means absent', input: { type: 'click', name: null, url: null, element: null, props: null }, row: { event_name: null, page_url: null, element_tag: null, properties: '{}' } },
  { name: 'empty strings mean absent', input: { type: 'page_view', referrer: '', title: '', site_id: '' }, row: { referrer: null, page_title: null, site_id: 'default' } },
  // Times
  { name: 'client ts ISO within skew', input: { type: 'click', ts: '2026-11-27T09:59:00Z' }, row: { ts: '2026-11-27T09:59:00.000Z', client_ts: null } },
  { name: 'client ts with offset', input: { type: 'click', ts: '2026-11-27T11:59:00.5+02:00' }, row: { client_ts: null, ts: '2026-11-27T09:59:00.500Z' } },
  { name: 'client ts epoch ms', input: { type: 'click', ts: NOW - 1234 }, row: { ts: '2026-11-27T09:59:58.766Z', client_ts: null } },
  { name: 'client ts beyond skew -> received_at', input: { type: 'click', ts: NOW - 8 * DAY }, row: { ts: '2026-11-27T10:00:00.000Z', client_ts: '2026-11-19T10:00:00.000Z' } },
  { name: 'client ts in the future beyond skew', input: { type: 'click', ts: '2027-01-01T00:00:00Z' }, row: { ts: '2026-11-27T10:00:00.000Z', client_ts: '2027-01-01T00:00:00.000Z' } },
  { name: 'ts without offset', input: { type: 'click', ts: '2026-11-27T10:00:00' }, code: 'CLK_ERR_EVENT_INVALID', message: 'ts: must be an ISO-8601' },
  { name: 'ts impossible date', input: { type: 'click', ts: '2026-02-30T10:00:00Z' }, code: 'CLK_ERR_EVENT_INVALID', message: 'ts: is not a valid' },
  { name: 'ts free text', input: { type: 'click', ts: 'yesterday' }, code: 'CLK_ERR_EVENT_INVALID', message: 'ts:' },
  { name: 'ts negative epoch', input: { type: 'click', ts: -1 }, code: 'CLK_ERR_EVENT_INVALID', message: 'ts: is out of range' },
  { name: 'ts wrong type', input: { type: 'click', ts: true }, code: 'CLK_ERR_EVENT_INVALID', message: 'ts:' },
  { name: 'sent_at validated, not stored', input: { type: 'click', sent_at: '2026-11-27T10:00:01.000Z' }, row: { ts: '2026-11-27T10:00:00.000Z', client_ts: null } },
  { name: 'sent_at bad', input: { type: 'click', sent_at: '2026-13-01T00:00:00Z' }, code: 'CLK_ERR_EVENT_INVALID', message: 'sent_at:' },
  // Identity and counters
  { name: 'ids kept', input: { type: 'identify', anonymous_id: 'anon-1', user_id: 'user@example.com', session_id: 's1', seq: 42 }, row: { anonymous_id: 'anon-1', user_id: 'user@example.com', session_id: 's1', seq: 42 } },
  { name: 'seq negative', input: { type: 'click', seq: -1 }, code: 'CLK_ERR_EVENT_INVALID', message: 'seq:' },
  { name: 'seq fractional', input: { type: 'click', seq: 1.5 }, code: 'CLK_ERR_EVENT_INVALID', message: 'seq:' },
  { name: 'user_id too long', input: { type: 'click', user_id: long(257) }, code: 'CLK_ERR_EVENT_INVALID', message: 'user_id:' },
  { name: 'control char in id', input: { type: 'click', anonymous_id: 'a\u0000b' }, code: 'CLK_ERR_EVENT_INVALID', message: 'anonymous_id: must not contain control characters' },
  // Page
  {
    name: 'url split into host and path',
    input: { type: 'page_view', url: 'https://Shop.Example:8443/a/b?q=1#top', title: 'Home', referrer: 'https://google.com/' },
    row: { page_url: 'https://Shop.Example:8443/a/b?q=1#top', page_host: 'shop.example:8443', page_path: '/a/b', page_title: 'Home', referrer: 'https://google.com/' },
  },
  { name: 'unparsable url kept, parts null', input: { type: 'page_view', url: '/relative/path' }, row: { page_url: '/relative/path', page_host: null, page_path: null } },
  { name: 'opaque url has no path', input: { type: 'page_view', url: 'mailto:a@b.c' }, row: { page_host: null, page_path: null } },
  { name: 'url too long', input: { type: 'page_view', url: 'https://a.example/' + long(4096) }, code: 'CLK_ERR_EVENT_INVALID', message: 'url:' },
  { name: 'url with newline', input: { type: 'page_view', url: 'https://a.example/\nx' }, code: 'CLK_ERR_EVENT_INVALID', message: 'url: must not contain control' },
  { name: 'title control chars replaced, newline kept', input: { type: 'page_view', title: 'a\u0001b\nc' }, row: { page_title: 'a\uFFFDb\nc' } },
  { name: 'title lone surrogate replaced', input: { type: 'page_view', title: 'x\ud800y' }, row: { page_title: 'x\uFFFDy' } },
  { name: 'title emoji kept', input: { type: 'page_view', title: 'hi \u{1F600}' }, row: { page_title: 'hi \u{1F600}' } },
  { name: 'title too long', input: { type: 'page_view', title: long(1025) }, code: 'CLK_ERR_EVENT_INVALID', message: 'title:' },
  // Element
  {
    name: 'element flattened',
    input: { type: 'click', element: { tag: 'BUTTON', id: 'buy', classes: ['btn', ' primary ', ''], text: '  Buy now ', selector: 'main > button#buy', href: 'https://a.example/x', x: 10.6, y: 20 } },
    row: { element_tag: 'button', element_id: 'buy', element_classes: 'btn primary', element_text: 'Buy now', element_selector: 'main > button#buy', element_href: 'https://a.example/x', x: 11, y: 20 },
  },
  { name: 'classes string collapsed', input: { type: 'click', element: { classes: ' a  b\n c ' } }, row: { element_classes: 'a b c' } },
  { name: 'classes wrong type', input: { type: 'click', element: { classes: 5 } }, code: 'CLK_ERR_EVENT_INVALID', message: 'element.classes:' },
  { name: 'classes too many items', input: { type: 'click', element: { classes: Array(101).fill('c') } }, code: 'CLK_ERR_EVENT_INVALID', message: 'element.classes:' },
  { name: 'element tag too long', input: { type: 'click', element: { tag: long(65) } }, code: 'CLK_ERR_EVENT_INVALID', message: 'element.tag:' },
  { name: 'element x wrong type', input: { type: 'click', element: { x: '10' } }, code: 'CLK_ERR_EVENT_INVALID', message: 'element.x:' },
  { name: 'element not an object', input: { type: 'click', element: 'a' }, code: 'CLK_ERR_EVENT_INVALID', message: 'element:' },
  // Device
  { name: 'scroll depth rounded', input: { type: 'scroll', scroll_depth: 74.6 }, row: { scroll_depth: 75 } },
  { name: 'scroll depth above 100', input: { type: 'scroll', scroll_depth: 101 }, code: 'CLK_ERR_EVENT_INVALID', message: 'scroll_depth:' },
  { name: 'viewport and screen', input: { type: 'page_view', viewport: { w: 1440, h: 900 }, screen: { w: 2560 } }, row: { viewport_w: 1440, viewport_h: 900, screen_w: 2560, screen_h: null } },
  { name: 'viewport negative', input: { type: 'page_view', viewport: { w: -1, h: 900 } }, code: 'CLK_ERR_EVENT_INVALID', message: 'viewport.w:' },
  { name: 'language and timezone', input: { type: 'page_view', language: 'en-GB', timezone: 'Europe/London' }, row: { language: 'en-GB', timezone: 'Europe/London' } },
  { name: 'language too long', input: { type: 'page_view', language: long(36) }, code: 'CLK_ERR_EVENT_INVALID', message: 'language:' },
  // Props
  { name: 'props as JSON text', input: { type: 'custom', name: 'buy', props: { sku: 'A1', n: 2, tags: ['x'] } }, row: { event_name: 'buy', properties: '{"sku":"A1","n":2,"tags":["x"]}' } },
  { name: 'empty props', input: { type: 'custom', props: {} }, row: { properties: '{}' } },
  { name: 'props depth 5 ok', input: { type: 'custom', props: { a: { b: { c: { d: { e: 1 } } } } } }, row: { properties: '{"a":{"b":{"c":{"d":{"e":1}}}}}' } },
  { name: 'props depth 6 rejected', input: { type: 'custom', props: { a: { b: { c: { d: { e: { f: 1 } } } } } } }, code: 'CLK_ERR_EVENT_INVALID', message: 'props.a.b.c.d.e: nested deeper than 5' },
  { name: 'props arrays count as levels', input: { type: 'custom', props: { a: [[[[[1]]]]] } }, code: 'CLK_ERR_EVENT_INVALID', message: 'nested deeper' },
  { name: 'props an array', input: { type: 'custom', props: [1] }, code: 'CLK_ERR_EVENT_INVALID', message: 'props: must be an object' },
  { name: 'props a string', input: { type: 'custom', props: 'x' }, code: 'CLK_ERR_EVENT_INVALID', message: 'props: must be an object' },
  { name: 'props too many keys', input: { type: 'custom', props: Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i])) }, code: 'CLK_ERR_EVENT_INVALID', message: 'props: more than 100 keys' },
  { name: 'props key too long', input: { type: 'custom', props: { [long(129)]: 1 } }, code: 'CLK_ERR_EVENT_INVALID', message: 'key is longer' },
  { name: 'props too big', input: { type: 'custom', props: { a: long(17000) } }, code: 'CLK_ERR_EVENT_INVALID', message: 'props: 170' },
  { name: 'props lone surrogate replaced', input: { type: 'custom', props: { 'k\udc00': 'v\ud800' } }, row: { properties: '{"k\uFFFD":"v\uFFFD"}' } },
  // Whole event size
  {
    name: 'event over 32 KiB as stored',
    input: { type: 'custom', title: '\u20ac'.repeat(1000), element: { text: '\u20ac'.repeat(1000), selector: '\u20ac'.repeat(1000), classes: '\u20ac'.repeat(1000) }, url: 'https://a.example/' + long(4000), referrer: 'https://b.example/' + long(4000), props: { a: '\u20ac'.repeat(5000) } },
    code: 'CLK_ERR_EVENT_TOO_LARGE',
    message: 'bytes as stored (max 32768)',
  },
  // Origins
  { name: 'restricted site, allowed origin (normalised)', input: { type: 'click', site_id: 'locked' }, row: { site_id: 'locked' } },
  { name: 'open site', input: { type: 'click', site_id: 'open' }, row: { site_id: 'open' } },
];

describe('normalizeEvent (table)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const r = normalizeEvent(c.input, ctx());
      if (c.code !== undefined) {
        assert.ok(!('row' in r), `expected ${c.code}, got a row`);
        assert.equal(r.code, c.code);
        if (c.message !== undefined) assert.ok(r.message.includes(c.message), `message ${JSON.stringify(r.message)} lacks ${JSON.stringify(c.message)}`);
        return;
      }
      if (!('row' in r)) assert.fail(`expected a row, got ${r.code}: ${r.message}`);
      const got = JSON.parse(r.row) as Record<string, unknown>;
      for (const [k, v] of Object.entries(c.row ?? {})) assert.deepEqual(got[k], v, `column ${k}`);
    });
  }
});

describe('normalizeEvent', () => {
  it('produces exactly the lake columns, in order', () => {
    const r = row({ type: 'click' });
    assert.deepEqual(Object.keys(r), LAKE_COLUMNS.map((c) => c.name));
  });

  it('rejects a restricted site from another origin, or without an Origin header', () => {
    for (const origin of ['https://evil.example', null]) {
      const r = normalizeEvent({ type: 'click', site_id: 'locked' }, ctx({ origin }));
      assert.ok(!('row' in r));
      assert.equal(r.code, 'CLK_ERR_ORIGIN_NOT_ALLOWED');
    }
    assert.equal(row({ type: 'click', site_id: 'other' }, ctx({ origin: null })).site_id, 'other');
  });

  it('bounds and cleans the user agent', () => {
    assert.equal(row({ type: 'click' }, ctx({ userAgent: 'x'.repeat(600) })).user_agent?.length, 512);
    assert.equal(row({ type: 'click' }, ctx({ userAgent: undefined })).user_agent, null);
  });

  it('measures maxEventBytes on the stored row', () => {
    // A minimal row of lake schema v2 is ~1030 bytes; the 300-character title takes it over 1300.
    const small = ctx({ limits: { maxBodyBytes: 1 << 20, maxEventsPerRequest: 500, maxEventBytes: 1300, maxClockSkewMs: DAY } });
    assert.ok('row' in normalizeEvent({ type: 'click' }, small));
    const r = normalizeEvent({ type: 'click', title: 'x'.repeat(300) }, small);
    assert.ok(!('row' in r) && r.code === 'CLK_ERR_EVENT_TOO_LARGE');
  });

  it('makes a new id per event without one', () => {
    let n = 0;
    const c = ctx({ newId: () => `00000000-0000-4000-8000-00000000000${n++}` });
    assert.notEqual(row({ type: 'a' }, c).event_id, row({ type: 'a' }, c).event_id);
  });
});
