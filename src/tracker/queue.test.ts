import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OVERFLOW, QUEUE_MAX } from './limits.js';
import { loadQueue } from './queue.js';
import { delivered, fakeBrowser, MemoryStorage, startCore, holdFetch } from './testkit.js';

const PREFIX = 'clicklake:shop:e:';

describe('loadQueue', () => {
  it('adopts every stored event of the site and skips garbage and other keys', () => {
    const s = new MemoryStorage();
    s.setItem(PREFIX + 'a', JSON.stringify({ event_id: 'a', type: 'x', seq: 1 }));
    s.setItem(PREFIX + 'b', '{not json');
    s.setItem('clicklake:other:e:c', JSON.stringify({ event_id: 'c' }));
    s.setItem('unrelated', '1');
    assert.deepEqual(loadQueue(s, PREFIX).map((e) => e.event_id), ['a']);
  });
  it('reads a missing or throwing store as empty', () => {
    assert.deepEqual(loadQueue(null, PREFIX), []);
    const throwing = { key: () => { throw new Error('SecurityError'); }, getItem: () => null, setItem() {}, removeItem() {} };
    assert.deepEqual(loadQueue(throwing, PREFIX), []);
  });
});

describe('the outbox (injected clock, fetch and storage)', () => {
  it('stores each event until the collector acknowledged it', async () => {
    const fake = fakeBrowser();
    const release = holdFetch(fake);
    const { api } = startCore(fake);
    api.track('a');
    api.track('b');
    assert.equal(fake.storage.eventKeys().length, 2, 'stored as soon as tracked');
    await fake.advance(1000);
    assert.equal(fake.storage.eventKeys().length, 2, 'still stored while in flight');
    release();
    await fake.settle();
    assert.equal(fake.storage.eventKeys().length, 0, 'removed once acknowledged');
    assert.equal(delivered(fake).length, 2);
  });

  it('survives a reload while offline and is sent by the next page load', async () => {
    const storage = new MemoryStorage();
    const first = fakeBrowser(storage);
    first.answer = () => 'network';
    const { api } = startCore(first);
    api.track('a');
    api.track('b');
    await first.advance(1000);
    assert.equal(delivered(first).length, 0);
    assert.equal(storage.eventKeys().length, 2);

    const second = fakeBrowser(storage, first.now() + 60_000);
    startCore(second);
    await second.advance(0);
    assert.deepEqual(delivered(second).map((e) => e.name).sort(), ['a', 'b']);
    assert.equal(storage.eventKeys().length, 0);
  });

  it(`keeps at most ${QUEUE_MAX} events, drops the oldest, and reports the count after the next delivery`, async () => {
    const fake = fakeBrowser();
    fake.answer = () => 'network';
    const { api } = startCore(fake);
    for (let i = 1; i <= QUEUE_MAX + 7; i++) api.track(`e${i}`);
    await fake.advance(500);
    assert.equal(fake.storage.eventKeys().length, QUEUE_MAX);
    assert.equal(fake.storage.getItem('clicklake:shop:d'), '7');

    fake.answer = () => 200;
    fake.fire('online');
    await fake.advance(5000);
    const got = delivered(fake);
    const names = got.filter((e) => e.type === 'custom').map((e) => e.name);
    assert.equal(names.length, QUEUE_MAX);
    assert.equal(names[0], 'e8', 'the 7 oldest were dropped');
    assert.equal(new Set(names).size, QUEUE_MAX);
    const report = got.filter((e) => e.type === OVERFLOW);
    assert.equal(report.length, 1);
    assert.deepEqual(report[0].props, { dropped: 7 });
    assert.equal(report[0].seq, QUEUE_MAX + 8, 'the report takes the next seq');
    assert.equal(fake.storage.getItem('clicklake:shop:d'), null);
    assert.equal(fake.storage.eventKeys().length, 0);
  });

  it('keeps the drop count across a reload', async () => {
    const storage = new MemoryStorage();
    const first = fakeBrowser(storage);
    first.answer = () => 'network';
    const { api } = startCore(first);
    for (let i = 0; i < QUEUE_MAX + 2; i++) api.track('x');
    await first.advance(100);
    const second = fakeBrowser(storage, first.now() + 1000);
    startCore(second);
    await second.advance(10_000);
    const report = delivered(second).filter((e) => e.type === OVERFLOW);
    assert.deepEqual(report.map((e) => e.props), [{ dropped: 2 }]);
  });

  it('does not erase another tab\'s stored events', async () => {
    const storage = new MemoryStorage();
    const tab1 = fakeBrowser(storage);
    const tab2 = fakeBrowser(storage);
    tab1.answer = () => 'network';
    const a = startCore(tab1).api;
    const b = startCore(tab2).api;
    a.track('from-tab-1');
    b.track('from-tab-2');
    await tab2.advance(1000); // tab 2 delivers its own event
    assert.deepEqual(delivered(tab2).map((e) => e.name), ['from-tab-2']);
    const left = storage.eventKeys().map((k) => JSON.parse(storage.getItem(k)!).name);
    assert.deepEqual(left, ['from-tab-1'], 'tab 1\'s undelivered event is still stored');
  });

  it('works from memory when storage throws', async () => {
    const storage = new MemoryStorage();
    storage.failWrites = true;
    const fake = fakeBrowser(storage);
    const { api } = startCore(fake);
    api.track('a');
    api.track('b');
    await fake.advance(1000);
    assert.deepEqual(delivered(fake).map((e) => e.name), ['a', 'b']);
  });
});
