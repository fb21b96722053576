import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BATCH_MAX, BATCH_WAIT_MS } from './limits.js';
import { delivered, fakeBrowser, MemoryStorage, startCore, START, holdFetch } from './testkit.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('events', () => {
  it('carry id, seq, times, identity and the page; URLs are redacted', async () => {
    const fake = fakeBrowser();
    fake.page.href = 'https://shop.example/cart?token=s3cret&step=2#email=a@b.c';
    const { api, emit } = startCore(fake, { redact: ['step'] });
    api.track('add_to_cart', { sku: 'mug', next: 'https://x.example/?password=pw' });
    emit('click', { element: { tag: 'a', href: 'https://shop.example/?code=1&ok=1' }, referrer: 'https://r.example/?auth=zz' });
    await fake.advance(BATCH_WAIT_MS);
    const [custom, click] = delivered(fake);
    assert.match(custom.event_id, UUID);
    assert.notEqual(custom.event_id, click.event_id);
    assert.deepEqual(
      { type: custom.type, name: custom.name, seq: custom.seq, ts: custom.ts, sent_at: custom.sent_at, site: custom.site_id },
      { type: 'custom', name: 'add_to_cart', seq: 1, ts: START, sent_at: START + BATCH_WAIT_MS, site: 'shop' },
    );
    assert.equal(custom.url, 'https://shop.example/cart?token=REDACTED&step=REDACTED#email=REDACTED');
    assert.deepEqual(custom.props, { sku: 'mug', next: 'https://x.example/?password=REDACTED' });
    assert.equal(custom.title, 'Products');
    assert.deepEqual([custom.viewport, custom.screen, custom.language], [{ w: 1280, h: 720 }, { w: 1920, h: 1080 }, 'en-US']);
    assert.match(custom.anonymous_id!, UUID);
    assert.match(custom.session_id!, UUID);
    assert.equal(click.seq, 2);
    assert.equal(click.element!.href, 'https://shop.example/?code=REDACTED&ok=1');
    assert.equal(click.referrer, 'https://r.example/?auth=REDACTED');
  });

  it('are copied when queued: later changes to the caller\'s props do not leak in', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake);
    const props: Record<string, unknown> = { n: 1 };
    api.track('x', props);
    props.n = 2;
    await fake.advance(BATCH_WAIT_MS);
    assert.deepEqual(delivered(fake)[0].props, { n: 1 });
  });

  it('with unserialisable props are dropped at once instead of jamming the queue', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake);
    const loop: Record<string, unknown> = {};
    loop.self = loop;
    api.track('bad', loop);
    api.track('good');
    await fake.advance(BATCH_WAIT_MS);
    assert.deepEqual(delivered(fake).map((e) => [e.name, e.seq]), [['good', 2]]);
  });

  it('bound long URLs and names to what the collector accepts', async () => {
    const fake = fakeBrowser();
    fake.page.href = 'https://shop.example/?q=' + 'x'.repeat(5000);
    startCore(fake).api.track('n'.repeat(300));
    await fake.advance(BATCH_WAIT_MS);
    const [e] = delivered(fake);
    assert.equal(e.url!.length, 4096);
    assert.equal(e.name!.length, 256);
  });
});

describe('delivery', () => {
  it('sends a batch 1 s after the first event, as keepalive text', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake);
    api.track('a');
    await fake.advance(500);
    api.track('b');
    await fake.advance(499);
    assert.equal(fake.sent.length, 0);
    await fake.advance(1);
    assert.equal(fake.sent.length, 1);
    assert.deepEqual(fake.sent[0].events.map((e) => e.name), ['a', 'b']);
    assert.equal(fake.sent[0].keepalive, true);
    assert.equal(fake.sent[0].url, 'https://collect.example/collect');
  });

  it(`sends at once when ${BATCH_MAX} events wait, one request at a time, in order`, async () => {
    const fake = fakeBrowser();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const fetch = fake.win.fetch;
    let calls = 0;
    fake.win.fetch = async (url, init) => {
      calls++;
      await gate;
      return fetch(url, init);
    };
    const { api } = startCore(fake);
    for (let i = 1; i <= 45; i++) api.track(`e${i}`);
    await fake.settle();
    // The answer is held back: the first batch left without waiting for the timer, the next waits for the answer.
    assert.equal(calls, 1);
    release();
    await fake.settle();
    assert.deepEqual(fake.sent.map((s) => s.events.length), [20, 20, 5]);
    assert.deepEqual(delivered(fake).map((e) => e.seq), Array.from({ length: 45 }, (_, i) => i + 1));
  });

  it('retries network errors with growing backoff, the same events, a new sent_at', async () => {
    const fake = fakeBrowser();
    fake.answer = (_events, n) => (n < 3 ? 'network' : 200);
    const { api } = startCore(fake);
    api.track('a');
    await fake.advance(BATCH_WAIT_MS + 10_000);
    assert.deepEqual(fake.sent.map((s) => s.at - START), [1000, 1750, 3250, 6250]); // 750, 1500, 3000 ms (random 0.5)
    const ids = new Set(fake.sent.map((s) => s.events[0].event_id));
    assert.equal(ids.size, 1);
    assert.deepEqual(fake.sent.map((s) => s.events[0].sent_at! - START), [1000, 1750, 3250, 6250]);
    assert.equal(delivered(fake).length, 1);
    assert.equal(fake.storage.eventKeys().length, 0);
  });

  it('honours Retry-After on 503 and 429', async () => {
    for (const status of [503, 429]) {
      const fake = fakeBrowser();
      fake.answer = (_e, n) => (n === 0 ? { status, retryAfter: '30' } : 200);
      startCore(fake).api.track('a');
      await fake.advance(BATCH_WAIT_MS + 29_999);
      assert.equal(fake.sent.length, 1, `${status}: no retry before Retry-After`);
      await fake.advance(1);
      assert.equal(fake.sent.length, 2, `${status}: retried after Retry-After`);
      assert.equal(delivered(fake).length, 1);
    }
  });

  it('does not retry other 4xx: the batch is dropped and later events still flow', async () => {
    const fake = fakeBrowser();
    fake.answer = (_e, n) => (n === 0 ? 400 : 200);
    const { api } = startCore(fake);
    api.track('refused');
    await fake.advance(BATCH_WAIT_MS + 60_000);
    assert.equal(fake.sent.length, 1);
    assert.equal(fake.storage.eventKeys().length, 0);
    api.track('next');
    await fake.advance(BATCH_WAIT_MS);
    assert.deepEqual(delivered(fake).map((e) => e.name), ['next']);
  });

  it('retries at once when the device comes back online', async () => {
    const fake = fakeBrowser();
    fake.answer = () => 'network';
    const { api } = startCore(fake);
    api.track('a');
    await fake.advance(BATCH_WAIT_MS + 20_000); // several attempts, backoff now long
    const attempts = fake.sent.length;
    fake.answer = () => 200;
    fake.fire('online');
    await fake.settle();
    assert.equal(fake.sent.length, attempts + 1);
    assert.equal(delivered(fake).length, 1);
  });

  it('sends big bodies without keepalive (browsers cap keepalive at 64 KiB)', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake);
    for (let i = 0; i < 5; i++) api.track('big', { blob: 'x'.repeat(15_000) });
    await fake.advance(BATCH_WAIT_MS);
    assert.equal(fake.sent[0].keepalive, false);
  });

  it('beacons what is not in flight when the page is hidden, in batches', async () => {
    const fake = fakeBrowser();
    const release = holdFetch(fake);
    const { api } = startCore(fake);
    for (let i = 1; i <= 20; i++) api.track(`f${i}`); // goes by fetch, held in flight
    for (let i = 1; i <= 25; i++) api.track(`b${i}`);
    await fake.settle();
    fake.fire('pagehide');
    const beacons = fake.sent.filter((s) => s.via === 'beacon');
    assert.deepEqual(beacons.map((b) => b.events.length), [20, 5]);
    assert.ok(beacons.flatMap((b) => b.events).every((e) => e.name!.startsWith('b')));
    assert.equal(fake.storage.eventKeys().length, 20, 'beaconed events leave the queue; the fetched ones wait');
    release();
    await fake.advance(0);
    assert.equal(fake.storage.eventKeys().length, 0);
    const ids = delivered(fake).map((e) => e.event_id);
    assert.equal(ids.length, 45);
    assert.equal(new Set(ids).size, 45, 'nothing sent twice');
  });

  it('keeps events for the next load when offline, when the beacon is refused, or when a retry is pending', async () => {
    for (const setup of ['offline', 'refused', 'retry pending'] as const) {
      const fake = fakeBrowser();
      const { api } = startCore(fake);
      if (setup === 'retry pending') {
        // A failed keepalive fetch may still arrive (the page was unloading): beaconing it could double it.
        fake.answer = () => 'network';
        api.track('a');
        await fake.advance(BATCH_WAIT_MS);
      } else {
        if (setup === 'offline') fake.online = false;
        else fake.beaconAccepts = false;
        api.track('a');
      }
      fake.fire('pagehide');
      assert.equal(fake.sent.filter((s) => s.via === 'beacon').length, 0, setup);
      assert.equal(fake.storage.eventKeys().length, 1, setup);
    }
  });
});

describe('consent', () => {
  it("'required': nothing sent or stored until consent(true); then the held events go with seq 1..n", async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake, { consent: 'required' });
    api.track('a');
    api.track('b');
    fake.fire('pagehide');
    await fake.advance(10_000);
    assert.equal(fake.sent.length, 0);
    assert.equal(fake.storage.map.size, 0);
    api.consent(true);
    api.track('c');
    await fake.advance(BATCH_WAIT_MS);
    assert.deepEqual(delivered(fake).map((e) => [e.name, e.seq]), [['a', 1], ['b', 2], ['c', 3]]);
    assert.ok(fake.storage.getItem('clicklake:shop'), 'identity stored after consent');
  });

  it('consent(false) drops held events, is remembered across loads, and consent(true) lifts it', async () => {
    const storage = new MemoryStorage();
    const first = fakeBrowser(storage);
    const one = startCore(first, { consent: 'required' }).api;
    one.track('a');
    one.consent(false);
    one.track('b');
    await first.advance(10_000);
    assert.equal(first.sent.length, 0);
    assert.deepEqual([...storage.map.entries()], [['clicklake:shop', '{"c":0}']]);

    const second = fakeBrowser(storage, first.now());
    const two = startCore(second).api; // even without consent mode: refused
    two.track('c');
    await second.advance(10_000);
    assert.equal(second.sent.length, 0);
    two.consent(true);
    two.track('d');
    await second.advance(BATCH_WAIT_MS);
    assert.deepEqual(delivered(second).map((e) => e.name), ['d']);
  });

  it('consent(false) without consent mode opts out and clears the stored queue', async () => {
    const fake = fakeBrowser();
    fake.answer = () => 'network';
    const { api } = startCore(fake);
    api.track('a');
    await fake.advance(BATCH_WAIT_MS);
    api.consent(false);
    assert.equal(fake.storage.eventKeys().length, 0);
    fake.answer = () => 200;
    fake.fire('online');
    api.track('b');
    await fake.advance(60_000);
    assert.equal(delivered(fake).length, 0);
  });

  it('Do-Not-Track / GPC (optedOut): nothing sent or stored unless the visitor opts in', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake, {}, true);
    api.track('a');
    api.identify('u');
    fake.fire('pagehide');
    await fake.advance(10_000);
    assert.equal(fake.sent.length, 0);
    assert.equal(fake.storage.map.size, 0);
    api.consent(true);
    api.track('b');
    await fake.advance(BATCH_WAIT_MS);
    assert.deepEqual(delivered(fake).map((e) => e.name), ['b']);
  });
});
