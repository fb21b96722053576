import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { toHttpError } from '../core/http-errors.js';
import type { LakeRow } from '../core/schema.js';
import { openStatsLake, type StatsLake } from '../../test/helpers/stats-lake.js';
import { statsPlugin } from './plugin.js';
import { ResultCache } from './cache.js';
import {
  PAGES,
  SOURCES,
  distinct,
  expectedTotals,
  generateDataset,
  rowsIn,
  sessionsBetween,
  topCounts,
  type Dataset,
} from './testkit.js';

// The dataset spans 2026-11-20 .. 2026-11-26; "now" is on its last day, so the default range covers all of it.
const NOW = Date.parse('2026-11-26T12:00:00Z');
const ALL = { from: '2026-11-20T00:00:00.000Z', to: '2026-11-27T00:00:00.000Z' };

let data: Dataset;
let lake: StatsLake;
let app: FastifyInstance;
let cache: ResultCache;

async function get(path: string): Promise<{ status: number; body: any }> {
  const res = await app.inject({ method: 'GET', url: path });
  return { status: res.statusCode, body: res.json() };
}

async function ok(path: string): Promise<any> {
  const res = await get(path);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

const siteRows = (where: (r: LakeRow) => boolean = () => true) => rowsIn(data.rows, 'shop', ALL.from, ALL.to, where);

// Every test runs twice: over `events` only, and with the dashboards' rollup of the closed days (src/core/rollup.ts).
for (const mode of ['events', 'rollup'] as const) {
describe(`dashboard API (${mode})`, () => {
  before(async () => {
    cache = new ResultCache(); // one per engine: the fingerprints of two lakes written alike are alike
    data = generateDataset({ visitors: 40, days: 7, start: '2026-11-20' });
    // Another site's events must never show up in shop's numbers.
    const other = generateDataset({ visitors: 5, days: 7, start: '2026-11-20', site: 'other' });
    // The last day stays in the buffer tail: the API must see unflushed events too.
    // A bot's page view (kept when collector.bots = "keep") must not count anywhere.
    const bot = { ...data.rows[0]!, event_id: 'bot-1', anonymous_id: 'bot', session_id: 'bot-s', is_bot: true, bot_reason: 'ua' };
    lake = await openStatsLake([...data.rows, ...other.rows, bot], (r) => r.ts.startsWith('2026-11-26'), mode === 'rollup' ? { clock: () => NOW } : {});
    if (mode === 'rollup') {
      // Every closed day is rolled up, and the closed hours of the last (whose events are still in the buffer tail),
      // so the tiles that can answer from the rollup do; the same assertions then check both ways of answering.
      await lake.engine.rollup!.catchUp();
      const days = await lake.engine.rollupDays!('2026-11-20', '2026-11-26');
      assert.deepEqual([...days.values()], [24, 24, 24, 24, 24, 24, new Date(NOW).getUTCHours()]);
    }
    app = Fastify();
    app.setErrorHandler((err, _req, reply) => {
      const mapped = toHttpError(err);
      void reply.code(mapped.status).send(mapped.body);
    });
    await app.register(statsPlugin, { sql: lake.engine, clock: () => NOW, cache });
    await app.ready();
  });

  after(async () => {
    await app?.close();
    await lake?.close();
  });

  describe('GET /api/sites', () => {
    it('lists every site with its event count and last event', async () => {
      const body = await ok('/api/sites');
      const shop = body.data.find((s: any) => s.id === 'shop');
      const other = body.data.find((s: any) => s.id === 'other');
      assert.equal(shop.events, data.rows.length);
      assert.equal(shop.last_seen, data.rows.map((r) => r.ts).sort().at(-1));
      assert.ok(other.events > 0 && other.events < shop.events);
      assert.equal(body.data[0].id, 'shop', 'most events first');
    });
  });

  describe('GET /api/stats/overview', () => {
    it('answers the generated truth for the default range (the last 7 days)', async () => {
      const body = await ok('/api/stats/overview?site=shop');
      assert.equal(body.from, ALL.from);
      assert.equal(body.to, ALL.to);
      assert.deepEqual(body.data.current, expectedTotals(data.sessions));
      assert.deepEqual(body.data.previous, expectedTotals([]));
      assert.deepEqual(body.data.previous_range, { from: '2026-11-13T00:00:00.000Z', to: ALL.from });
    });

    it('a sub-range and its previous period', async () => {
      const body = await ok('/api/stats/overview?site=shop&from=2026-11-24&to=2026-11-26');
      assert.deepEqual(body.data.current, expectedTotals(sessionsBetween(data, '2026-11-24', '2026-11-26')));
      assert.deepEqual(body.data.previous, expectedTotals(sessionsBetween(data, '2026-11-21', '2026-11-23')));
      // Daily trend (3 days > 2): one point per day, page views as generated.
      assert.equal(body.data.trend.bucket, 'day');
      assert.deepEqual(
        body.data.trend.current.map((p: any) => [p.t.slice(0, 10), p.page_views]),
        ['2026-11-24', '2026-11-25', '2026-11-26'].map((d) => [d, expectedTotals(sessionsBetween(data, d, d)).page_views]),
      );
      assert.deepEqual(
        body.data.trend.previous.map((p: any) => p.sessions),
        ['2026-11-21', '2026-11-22', '2026-11-23'].map((d) => sessionsBetween(data, d, d).length),
      );
    });

    it('an hourly trend for ranges up to 2 days', async () => {
      const body = await ok('/api/stats/overview?site=shop&from=2026-11-22&to=2026-11-23');
      assert.equal(body.data.trend.bucket, 'hour');
      assert.equal(body.data.trend.current.length, 48);
      assert.equal(body.data.trend.previous.length, 48);
      const pv = siteRows((r) => r.event_type === 'page_view' && r.ts >= '2026-11-22' && r.ts < '2026-11-24');
      for (const point of body.data.trend.current) {
        const inHour = pv.filter((r) => r.ts.slice(0, 13) === point.t.slice(0, 13)).length;
        assert.equal(point.page_views, inHour, point.t);
      }
      assert.equal(body.data.current.page_views, pv.length);
    });

    it('a filter on a visitor attribute restricts events and sessions', async () => {
      const body = await ok('/api/stats/overview?site=shop&filter=country:DE');
      const de = new Set(siteRows((r) => r.country === 'DE').map((r) => r.anonymous_id));
      assert.ok(de.size > 0);
      assert.deepEqual(body.data.current, expectedTotals(data.sessions.filter((s) => de.has(s.visitor))));
      assert.deepEqual(body.filters, [{ name: 'country', op: 'eq', value: 'DE' }]);
      // (none) matches NULL: every visitor is in exactly one of DE, US, FR and NULL.
      const none = await ok('/api/stats/overview?site=shop&filter=country:(none)');
      const notNone = await ok('/api/stats/overview?site=shop&filter=country!:(none)');
      assert.equal(none.data.current.visitors + notNone.data.current.visitors, expectedTotals(data.sessions).visitors);
      const notDe = await ok('/api/stats/overview?site=shop&filter=country!:DE');
      assert.equal(notDe.data.current.page_views + body.data.current.page_views, expectedTotals(data.sessions).page_views);
    });

    it('a page filter: page views of that page, session metrics over sessions that viewed it', async () => {
      const body = await ok('/api/stats/overview?site=shop&filter=page:%2Fpricing');
      const views = siteRows((r) => r.event_type === 'page_view' && r.page_path === '/pricing');
      const sessions = new Set(siteRows((r) => r.page_path === '/pricing').map((r) => r.session_id));
      assert.equal(body.data.current.page_views, views.length);
      assert.equal(body.data.current.visitors, distinct(siteRows((r) => r.page_path === '/pricing'), (r) => r.anonymous_id));
      const truth = expectedTotals(data.sessions.filter((s) => sessions.has(s.session)));
      assert.equal(body.data.current.sessions, truth.sessions);
      assert.equal(body.data.current.bounce_rate, truth.bounce_rate);
      assert.equal(body.data.current.avg_session_seconds, truth.avg_session_seconds);
      assert.equal(body.data.current.views_per_session, truth.views_per_session);
    });

    it('two filters are AND-ed; an event filter selects the sessions with that event', async () => {
      const body = await ok('/api/stats/overview?site=shop&filter=event:signup&filter=type:custom');
      const signups = data.sessions.filter((s) => siteRows((r) => r.session_id === s.session && r.event_name === 'signup').length > 0);
      assert.ok(signups.length > 0);
      assert.equal(body.data.current.sessions, signups.length);
      assert.equal(body.data.current.page_views, 0, 'a custom event is not a page view');
      assert.equal(body.data.current.bounce_rate, 0, 'a session with a custom event is no bounce');
    });

    it('an SQL-injection-shaped value is bound: it matches nothing and breaks nothing', async () => {
      const evil = encodeURIComponent("DE' OR '1'='1'; DROP TABLE hot_events; --");
      const body = await ok(`/api/stats/overview?site=shop&filter=country:${evil}`);
      assert.deepEqual(body.data.current, expectedTotals([]));
      const site = await ok(`/api/stats/overview?site=${encodeURIComponent("shop' OR 1=1 --")}`);
      assert.equal(site.data.current.page_views, 0);
      const again = await ok('/api/stats/overview?site=shop');
      assert.deepEqual(again.data.current, expectedTotals(data.sessions));
    });
  });

  describe('GET /api/stats/pages', () => {
    it('top pages with views, visitors, engaged time and scroll depth; entry and exit pages', async () => {
      const body = await ok('/api/stats/pages?site=shop&limit=3');
      const pv = siteRows((r) => r.event_type === 'page_view');
      const top = topCounts(pv, (r) => r.page_path!, (g) => g.length, 3);
      assert.deepEqual(body.data.top.map((p: any) => [p.page, p.views]), top.map((t) => [t.value, t.n]));
      for (const p of body.data.top) {
        const views = pv.filter((r) => r.page_path === p.page);
        assert.equal(p.visitors, distinct(views, (r) => r.anonymous_id));
        const scrolls = siteRows((r) => r.event_type === 'scroll' && r.page_path === p.page);
        const engaged = scrolls.reduce((a, r) => a + JSON.parse(r.properties).engaged_ms, 0);
        assert.equal(p.avg_engaged_ms, Math.round(engaged / views.length));
        const perSession = new Map<string, number>();
        for (const r of scrolls) perSession.set(r.session_id!, Math.max(perSession.get(r.session_id!) ?? 0, r.scroll_depth!));
        const depth = [...perSession.values()].reduce((a, b) => a + b, 0) / perSession.size;
        assert.equal(p.avg_scroll_depth, Math.round(depth * 10) / 10);
      }
      const entry = topCounts(data.sessions, (s) => s.entry, (g) => g.length, 3);
      assert.deepEqual(body.data.entry.map((e: any) => [e.page, e.sessions]), entry.map((t) => [t.value, t.n]));
      const exit = topCounts(data.sessions, (s) => s.exit, (g) => g.length, 3);
      assert.deepEqual(body.data.exit.map((e: any) => [e.page, e.sessions]), exit.map((t) => [t.value, t.n]));
    });

    it('with filters: top pages of matching views; engaged time, depth, entry and exit over matching sessions', async () => {
      const match = (r: LakeRow) => r.page_path === '/pricing' && r.device_type === 'mobile';
      const body = await ok('/api/stats/pages?site=shop&limit=10&filter=page:%2Fpricing&filter=device:mobile');
      const rows = siteRows();
      const sessions = new Set(rows.filter((r) => match(r) && r.session_id !== null).map((r) => r.session_id!));
      assert.ok(sessions.size > 0 && sessions.size < new Set(rows.map((r) => r.session_id)).size, 'the filters select some sessions');
      const pv = rows.filter((r) => r.event_type === 'page_view' && match(r));
      assert.deepEqual(body.data.top.map((p: any) => [p.page, p.views, p.visitors]), [['/pricing', pv.length, distinct(pv, (r) => r.anonymous_id)]]);
      const scrolls = rows.filter((r) => r.event_type === 'scroll' && r.page_path === '/pricing' && sessions.has(r.session_id!));
      const engaged = scrolls.reduce((a, r) => a + JSON.parse(r.properties).engaged_ms, 0);
      assert.equal(body.data.top[0].avg_engaged_ms, Math.round(engaged / pv.length));
      const perSession = new Map<string, number>();
      for (const r of scrolls) perSession.set(r.session_id!, Math.max(perSession.get(r.session_id!) ?? 0, r.scroll_depth!));
      assert.equal(body.data.top[0].avg_scroll_depth, Math.round(([...perSession.values()].reduce((a, b) => a + b, 0) / perSession.size) * 10) / 10);
      // Entry / exit: first / last page view of every matching session (all its page views, matching or not).
      const ends = [...sessions].map((id) => {
        const views = rows.filter((r) => r.session_id === id && r.event_type === 'page_view').sort((a, b) => a.ts.localeCompare(b.ts));
        return { entry: views[0]!.page_path!, exit: views.at(-1)!.page_path! };
      });
      assert.deepEqual(body.data.entry.map((e: any) => [e.page, e.sessions]), topCounts(ends, (e) => e.entry, (g) => g.length, 10).map((t) => [t.value, t.n]));
      assert.deepEqual(body.data.exit.map((e: any) => [e.page, e.sessions]), topCounts(ends, (e) => e.exit, (g) => g.length, 10).map((t) => [t.value, t.n]));
      assert.ok(body.data.entry.some((e: any) => e.page !== '/pricing'), 'sessions enter on pages the filter does not match');
    });

    it('limit bounds every table', async () => {
      const body = await ok('/api/stats/pages?site=shop&limit=1');
      assert.equal(body.data.top.length, 1);
      assert.equal(body.data.entry.length, 1);
      const all = await ok('/api/stats/pages?site=shop&limit=100');
      assert.equal(all.data.top.length, PAGES.length);
    });
  });

  describe('GET /api/stats/sources', () => {
    it('sessions and visitors by the entry page view source; NULL is (none)', async () => {
      const body = await ok('/api/stats/sources?site=shop&limit=100');
      const bySource = (pick: (s: (typeof SOURCES)[number]) => string | null) => {
        const sessions = data.sessions.map((s) => {
          const [v, n] = s.session.slice(1).split('-s').map(Number);
          return { session: s, value: pick(SOURCES[(v! + n!) % SOURCES.length]!) ?? '(none)' };
        });
        return topCounts(sessions, (x) => x.value, (g) => g.length, 100).map((t) => ({
          value: t.value,
          sessions: t.n,
          visitors: new Set(sessions.filter((x) => x.value === t.value).map((x) => x.session.visitor)).size,
        }));
      };
      assert.deepEqual(body.data.referrers, bySource((s) => s.referrer_host));
      assert.deepEqual(body.data.channels, bySource((s) => s.channel));
      assert.deepEqual(body.data.utm_sources, bySource((s) => s.utm_source));
      assert.deepEqual(body.data.utm_mediums, bySource((s) => s.utm_medium));
      assert.deepEqual(body.data.utm_campaigns, bySource((s) => s.utm_campaign));
    });

    it('a channel filter keeps only those sessions', async () => {
      const body = await ok('/api/stats/sources?site=shop&filter=channel:email');
      assert.deepEqual(body.data.channels.map((c: any) => c.value), ['email']);
      assert.deepEqual(body.data.utm_sources.map((c: any) => c.value), ['newsletter']);
    });
  });

  describe('GET /api/stats/audience', () => {
    it('visitors per device, browser, OS, country, language and screen size', async () => {
      const body = await ok('/api/stats/audience?site=shop&limit=100');
      const rows = siteRows();
      const table = (key: (r: LakeRow) => string | null) =>
        topCounts(rows, (r) => key(r) ?? '(none)', (g) => distinct(g, (r) => r.anonymous_id), 100).map((t) => ({ value: t.value, visitors: t.n }));
      assert.deepEqual(body.data.devices, table((r) => r.device_type));
      assert.deepEqual(body.data.browsers, table((r) => r.browser));
      assert.deepEqual(body.data.os, table((r) => r.os));
      assert.deepEqual(body.data.countries, table((r) => r.country));
      assert.deepEqual(body.data.languages, table((r) => r.language));
      assert.deepEqual(body.data.screens, table((r) => (r.screen_w === null ? null : `${r.screen_w}x${r.screen_h}`)));
    });
  });

  describe('GET /api/stats/clicks and /api/stats/click-map', () => {
    it('top clicked elements with clicks and visitors', async () => {
      const body = await ok('/api/stats/clicks?site=shop&limit=100');
      const clicks = siteRows((r) => r.event_type === 'click');
      assert.ok(clicks.length > 0);
      const expected = topCounts(clicks, (r) => r.page_path!, (g) => g.length, 100);
      assert.deepEqual(body.data.map((c: any) => [c.page, c.clicks]), expected.map((t) => [t.value, t.n]));
      for (const c of body.data) {
        assert.equal(c.selector, 'button.buy');
        assert.equal(c.text, 'Buy');
        assert.equal(c.visitors, distinct(clicks.filter((r) => r.page_path === c.page), (r) => r.anonymous_id));
      }
    });

    it('click positions of one page, snapped to the grid and bounded', async () => {
      const body = await ok('/api/stats/click-map?site=shop&page=%2F&grid=50&points=1000');
      const clicks = siteRows((r) => r.event_type === 'click' && r.page_path === '/');
      assert.equal(body.data.total, clicks.length);
      assert.equal(body.data.truncated, false);
      assert.equal(body.data.points.reduce((a: number, p: any) => a + p.clicks, 0), clicks.length);
      const cells = topCounts(clicks, (r) => `${Math.floor(r.x! / 50) * 50},${Math.floor(r.y! / 50) * 50}`, (g) => g.length, 1000);
      assert.equal(body.data.points.length, cells.length);
      for (const p of body.data.points) {
        assert.equal(p.x % 50, 0);
        assert.equal(p.viewport_w, 1280);
        assert.equal(p.clicks, cells.find((c) => c.value === `${p.x},${p.y}`)?.n);
      }
      const few = await ok('/api/stats/click-map?site=shop&page=%2F&grid=1&points=2');
      assert.equal(few.data.points.length, 2);
      assert.equal(few.data.truncated, true);
    });

    it('click-map needs a page', async () => {
      assert.equal((await get('/api/stats/click-map?site=shop')).status, 400);
    });
  });

  describe('GET /api/stats/events', () => {
    it('custom events with counts, visitors and property breakdowns', async () => {
      const body = await ok('/api/stats/events?site=shop');
      const signups = siteRows((r) => r.event_name === 'signup');
      assert.equal(body.data.length, 1);
      const [e] = body.data;
      assert.equal(e.name, 'signup');
      assert.equal(e.events, signups.length);
      assert.equal(e.visitors, distinct(signups, (r) => r.anonymous_id));
      const plan = e.properties.find((p: any) => p.key === 'plan');
      const plans = topCounts(signups, (r) => JSON.parse(r.properties).plan, (g) => g.length, 10);
      assert.deepEqual(plan.values, plans.map((t) => ({ value: t.value, events: t.n })));
      const seats = e.properties.find((p: any) => p.key === 'seats');
      assert.equal(seats.events, signups.length);
      assert.deepEqual(seats.values.map((v: any) => v.value).sort(), [...new Set(signups.map((r) => String(JSON.parse(r.properties).seats)))].sort());
    });
  });

  describe('invalid input', () => {
    const cases: [string, RegExp][] = [
      ['/api/stats/overview', /site/],
      ['/api/stats/overview?site=shop&from=2026-13-01', /from/],
      ['/api/stats/overview?site=shop&from=2026-11-02&to=2026-11-01', /to/],
      ['/api/stats/overview?site=shop&from=2020-01-01&to=2026-01-01', /3 years/],
      ['/api/stats/overview?site=shop&filter=nope:1', /filter/],
      ['/api/stats/overview?site=shop&filter=country', /filter/],
      ['/api/stats/pages?site=shop&limit=0', /limit/],
      ['/api/stats/pages?site=shop&limit=1001', /limit/],
      ['/api/stats/pages?site=shop&limit=abc', /limit/],
      ['/api/stats/pages?site=shop&bogus=1', /bogus/],
      ['/api/stats/pages?site=shop&site=other', /site/],
      ['/api/stats/click-map?site=shop&page=%2F&grid=0', /grid/],
    ];
    for (const [url, message] of cases) {
      it(`400 for ${url}`, async () => {
        const res = await get(url);
        assert.equal(res.status, 400);
        assert.equal(res.body.error.code, 'CLK_ERR_BAD_REQUEST');
        assert.match(res.body.error.message, message);
      });
    }

    it('instants are accepted; `to` is then exclusive', async () => {
      const body = await ok('/api/stats/overview?site=shop&from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z');
      assert.equal(body.to, '2026-11-25T00:00:00.000Z');
      assert.equal(body.data.current.sessions, sessionsBetween(data, '2026-11-24', '2026-11-24').length);
    });
  });

  describe('result cache', () => {
    it('reuses an answer while the data of its days is unchanged, and never serves a stale one', async () => {
      const url = '/api/stats/overview?site=shop&from=2026-11-21&to=2026-11-22';
      const first = await ok(url);
      const hits = cache.hits;
      assert.deepEqual(await ok(url), first);
      assert.equal(cache.hits, hits + 1, 'the second request is a hit');

      // A new (unflushed) event on a day the tile does not read keeps the entry valid.
      lake.tail.append({ ...data.rows[0]!, event_id: 'late-1', ts: '2026-11-25T10:00:00.000Z', session_id: 'late-s' });
      assert.deepEqual(await ok(url), first);
      assert.equal(cache.hits, hits + 2);

      // One on a day it reads (the previous period counts too) is seen at once.
      lake.tail.append({ ...data.rows[0]!, event_id: 'late-2', event_type: 'page_view', ts: '2026-11-22T23:59:00.000Z', session_id: 'late-s2' });
      const after = await ok(url);
      assert.equal(cache.hits, hits + 2, 'a miss');
      assert.equal(after.data.current.page_views, first.data.current.page_views + 1);
      lake.tail.append({ ...data.rows[0]!, event_id: 'late-3', event_type: 'page_view', ts: '2026-11-19T12:00:00.000Z', session_id: 'late-s3' });
      assert.equal((await ok(url)).data.previous.page_views, first.data.previous.page_views + 1);
    });

    it('is bounded', async () => {
      const small = new ResultCache({ maxEntries: 2 });
      for (const k of ['a', 'b', 'c']) await small.get(k, async () => k);
      assert.equal(small.size, 2);
      assert.equal(await small.get('a', async () => 'recomputed'), 'recomputed');
    });
  });
});
}
