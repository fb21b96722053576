import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { SqlRunner } from '../core/ports.js';
import type { LakeRow } from '../core/schema.js';
import { lakeRow, silentLogger } from '../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../test/helpers/stats-lake.js';
import { createLiveHub, MAX_ROWS_PER_POLL, type LiveEvent } from './live.js';

let n = 0;
function fresh(site: string, over: Partial<LakeRow> = {}): LakeRow {
  const now = new Date().toISOString();
  return lakeRow({ event_id: `live-${++n}`, site_id: site, ts: now, received_at: now, ...over });
}

/** A SqlRunner that counts the queries it passes on. */
function counting(inner: SqlRunner): SqlRunner & { calls: number } {
  const runner = {
    calls: 0,
    queryInternal: ((...args: Parameters<SqlRunner['queryInternal']>) => {
      runner.calls++;
      return inner.queryInternal(...args);
    }) as SqlRunner['queryInternal'],
  };
  return runner;
}

function collector() {
  const got: LiveEvent[] = [];
  const waiters: { id: string; resolve: () => void }[] = [];
  return {
    got,
    listener: (events: readonly LiveEvent[]) => {
      got.push(...events);
      for (const w of [...waiters]) if (events.some((e) => e.event_id === w.id)) w.resolve();
    },
    waitFor: (id: string, timeoutMs = 3000) =>
      new Promise<void>((resolve, reject) => {
        if (got.some((e) => e.event_id === id)) return resolve();
        const timer = setTimeout(() => reject(new Error(`event ${id} not delivered in ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ id, resolve: () => (clearTimeout(timer), resolve()) });
      }),
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live hub', () => {
  let lake: StatsLake;
  before(async () => {
    lake = await openStatsLake([]);
  });
  after(() => lake.close());

  it('delivers events acknowledged after ready, once each, to every listener of the site only', async () => {
    const sql = counting(lake.engine);
    const hub = createLiveHub({ sql, logger: silentLogger, intervalMs: 50 });
    lake.tail.append(fresh('a', { event_id: 'before-ready' }));
    const one = collector();
    const two = collector();
    const other = collector();
    const s1 = hub.subscribe('a', one.listener);
    const s2 = hub.subscribe('a', two.listener);
    const s3 = hub.subscribe('b', other.listener);
    await Promise.all([s1.ready, s2.ready, s3.ready]);
    assert.deepEqual(hub.activeSites().sort(), ['a', 'b']);

    // Received 2 s ago but acknowledged only now (a slow append): the overlap still finds it.
    const late = fresh('a', { event_id: 'late', received_at: new Date(Date.now() - 2000).toISOString(), element_text: 'x'.repeat(500) });
    // Sent from an offline queue: ts 3 days old (within collector.maxClockSkewMs), received now.
    const offline = fresh('a', { event_id: 'offline', ts: new Date(Date.now() - 3 * 86_400_000).toISOString() });
    lake.tail.append(fresh('a', { event_id: 'e1', page_path: '/p', browser: 'Firefox', country: 'DE' }), late, offline);
    await Promise.all([one.waitFor('e1'), one.waitFor('late'), two.waitFor('late'), one.waitFor('offline')]);
    await sleep(200); // several more polls over the same overlap: nothing is sent twice
    assert.deepEqual(one.got.map((e) => e.event_id).sort(), ['e1', 'late', 'offline']);
    assert.deepEqual(two.got.map((e) => e.event_id).sort(), ['e1', 'late', 'offline']);
    assert.deepEqual(other.got, []);
    const e1 = one.got.find((e) => e.event_id === 'e1')!;
    assert.deepEqual([e1.type, e1.page, e1.browser, e1.country, e1.name], ['page_view', '/p', 'Firefox', 'DE', null]);
    assert.equal(one.got.find((e) => e.event_id === 'late')!.text!.length, 100);

    // The last listener of a site stops its poller; no query runs afterwards.
    s1.unsubscribe();
    assert.deepEqual(hub.activeSites().sort(), ['a', 'b']);
    s2.unsubscribe();
    s3.unsubscribe();
    s3.unsubscribe(); // idempotent
    assert.deepEqual(hub.activeSites(), []);
    assert.equal(hub.listenerCount(), 0);
    await sleep(100); // a poll in flight finishes
    const calls = sql.calls;
    await sleep(300);
    assert.equal(sql.calls, calls, 'no poll after the last listener left');
    await hub.close();
  });

  it('moves on after a full page of rows instead of re-reading it', async () => {
    const hub = createLiveHub({ sql: lake.engine, logger: silentLogger, intervalMs: 50 });
    const c = collector();
    const sub = hub.subscribe('burst', c.listener);
    await sub.ready;
    const base = Date.now();
    const rows = Array.from({ length: MAX_ROWS_PER_POLL + 20 }, (_, i) =>
      fresh('burst', { event_id: `b-${String(i).padStart(4, '0')}`, received_at: new Date(base + Math.floor(i / 100)).toISOString() }),
    );
    lake.tail.append(...rows);
    await c.waitFor('b-0000');
    lake.tail.append(fresh('burst', { event_id: 'after-burst', received_at: new Date(base + 50).toISOString() }));
    await c.waitFor('after-burst');
    assert.equal(new Set(c.got.map((e) => e.event_id)).size, c.got.length, 'no duplicates');
    sub.unsubscribe();
    await hub.close();
  });

  it('retries failing polls with backoff and logs once per streak', async () => {
    let failuresLeft = 3;
    const warnings: string[] = [];
    const logger = { ...silentLogger, warn: (_o: object | string, msg?: string) => void warnings.push(String(msg)) };
    const flaky: SqlRunner = {
      queryInternal: (...args) => (failuresLeft-- > 0 ? Promise.reject(new Error('engine busy')) : lake.engine.queryInternal(...args)),
    };
    const hub = createLiveHub({ sql: flaky, logger, intervalMs: 20 });
    const c = collector();
    const sub = hub.subscribe('flaky', c.listener);
    await sub.ready; // primed by the first poll that succeeds
    assert.deepEqual(warnings, ['live poll failed; retrying']);
    lake.tail.append(fresh('flaky', { event_id: 'after-failures' }));
    await c.waitFor('after-failures');
    sub.unsubscribe();
    await hub.close();
  });

  it('close() stops every poller', async () => {
    const sql = counting(lake.engine);
    const hub = createLiveHub({ sql, logger: silentLogger, intervalMs: 20 });
    const sub = hub.subscribe('c', () => undefined);
    await sub.ready;
    await hub.close();
    assert.deepEqual(hub.activeSites(), []);
    const calls = sql.calls;
    await sleep(100);
    assert.equal(sql.calls, calls);
  });
});
