import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SESSION_IDLE_MS } from './limits.js';
import { touch, type Identity } from './session.js';
import { fakeBrowser, MemoryStorage, startCore } from './testkit.js';

let n = 0;
const ids = () => `id-${++n}`;

describe('touch', () => {
  it('makes the anonymous id and a session on the first event and counts seq', () => {
    const id: Identity = {};
    assert.equal(touch(id, 1000, ids), 1);
    assert.ok(id.a && id.s && id.a !== id.s);
    assert.equal(id.t, 1000);
    assert.equal(touch(id, 2000, ids), 2);
    assert.equal(id.n, 2);
  });
  it('keeps the session up to 30 min of inactivity and starts a new one after', () => {
    const id: Identity = {};
    touch(id, 0, ids);
    const [a, s] = [id.a, id.s];
    touch(id, SESSION_IDLE_MS, ids); // exactly 30 min idle: same session
    assert.equal(id.s, s);
    touch(id, 2 * SESSION_IDLE_MS + 1, ids); // 30 min + 1 ms idle
    assert.notEqual(id.s, s);
    assert.equal(id.a, a, 'the anonymous id outlives sessions');
  });
  it('keeps the session when the clock goes back, and starts one when the time is unreadable', () => {
    const id: Identity = { a: 'a', s: 's', t: 10_000, n: 4 };
    touch(id, 5_000, ids);
    assert.equal(id.s, 's');
    const broken: Identity = { a: 'a', s: 's', n: 4 };
    touch(broken, 5_000, ids);
    assert.notEqual(broken.s, 's');
    assert.equal(broken.n, 5);
  });
});

describe('identity and sessions through the core (injected clock and storage)', () => {
  it('ends a session after 30 min without events and keeps the anonymous id', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake);
    api.track('a');
    await fake.advance(29 * 60_000);
    api.track('b');
    await fake.advance(30 * 60_000 + 1);
    api.track('c');
    await fake.advance(1000);
    const [a, b, c] = fake.sent.flatMap((s) => s.events);
    assert.equal(a.session_id, b.session_id);
    assert.notEqual(b.session_id, c.session_id);
    assert.equal(a.anonymous_id, c.anonymous_id);
    assert.deepEqual([a.seq, b.seq, c.seq], [1, 2, 3]);
  });

  it('keeps anonymous id, session, user id and seq across page loads', async () => {
    const storage = new MemoryStorage();
    const first = fakeBrowser(storage);
    startCore(first).api.identify('user-7', { plan: 'pro' });
    await first.advance(1000);
    const second = fakeBrowser(storage, first.now() + 5 * 60_000);
    startCore(second).api.track('again');
    await second.advance(1000);
    const [identify] = first.sent[0].events;
    const [again] = second.sent[0].events;
    assert.equal(identify.type, 'identify');
    assert.deepEqual(identify.props, { plan: 'pro' });
    assert.equal(identify.user_id, 'user-7');
    assert.equal(again.user_id, 'user-7');
    assert.equal(again.anonymous_id, identify.anonymous_id);
    assert.equal(again.session_id, identify.session_id);
    assert.equal(again.seq, identify.seq + 1);
  });

  it('reset() forgets the visitor but keeps seq monotonic', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake);
    api.identify('u1');
    api.reset();
    api.track('after');
    await fake.advance(1000);
    const [before, after] = fake.sent[0].events;
    assert.equal(before.user_id, 'u1');
    assert.equal(after.user_id, undefined);
    assert.notEqual(after.anonymous_id, before.anonymous_id);
    assert.notEqual(after.session_id, before.session_id);
    assert.equal(after.seq, before.seq + 1);
  });

  it('identify strips control characters from the user id (the collector refuses them)', async () => {
    const fake = fakeBrowser();
    startCore(fake).api.identify('alice\n', {});
    await fake.advance(1000);
    assert.equal(fake.sent[0].events[0].user_id, 'alice');
  });

  it('tabs share seq and session through storage', async () => {
    const storage = new MemoryStorage();
    const tab1 = fakeBrowser(storage);
    const tab2 = fakeBrowser(storage);
    const a = startCore(tab1).api;
    const b = startCore(tab2).api;
    a.track('1');
    b.track('2');
    a.track('3');
    await tab1.advance(1000);
    await tab2.advance(1000);
    const events = [...tab1.sent, ...tab2.sent].flatMap((s) => s.events).sort((x, y) => x.seq - y.seq);
    assert.deepEqual(events.map((e) => [e.name, e.seq]), [['1', 1], ['2', 2], ['3', 3]]);
    assert.equal(new Set(events.map((e) => e.session_id)).size, 1);
  });

  it('cookieless: no anonymous or session id is sent and nothing is stored', async () => {
    const fake = fakeBrowser();
    const { api } = startCore(fake, { cookieless: true });
    api.track('x');
    api.identify('u2');
    await fake.advance(1000);
    const events = fake.sent.flatMap((s) => s.events);
    assert.equal(events.length, 2);
    for (const e of events) {
      assert.equal(e.anonymous_id, undefined);
      assert.equal(e.session_id, undefined);
    }
    assert.equal(events[1].user_id, 'u2');
    assert.deepEqual([events[0].seq, events[1].seq], [1, 2]);
    assert.equal(fake.storage.map.size, 0);
  });

  it('cookieless also takes the attribute form ("" when present)', async () => {
    const fake = fakeBrowser();
    startCore(fake, { cookieless: '' }).api.track('x');
    await fake.advance(1000);
    assert.equal(fake.storage.map.size, 0);
    assert.equal(fake.sent[0].events[0].anonymous_id, undefined);
  });
});
