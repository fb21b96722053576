import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { toHttpError } from '../core/http-errors.js';
import type { LakeRow } from '../core/schema.js';
import { lakeRow } from '../query/testkit.js';
import { openStatsLake, type StatsLake } from '../../test/helpers/stats-lake.js';
import { statsPlugin } from './plugin.js';

/** Visitors v0..v3 view /a; v0..v2 then /b (after 10, 20, 40 s); v0 then signs up 5 s later. */
const T = Date.parse('2026-11-20T10:00:00Z');
let n = 0;
function ev(v: string, s: number, over: Partial<LakeRow>): LakeRow {
  const ts = new Date(T + s * 1000).toISOString();
  return lakeRow({ event_id: `h-${++n}`, site_id: 'web', anonymous_id: v, session_id: `s-${v}`, ts, received_at: ts, ...over });
}
const rows = [
  ...['v0', 'v1', 'v2', 'v3'].map((v) => ev(v, 0, { event_type: 'page_view', page_path: '/a' })),
  ev('v0', 10, { event_type: 'page_view', page_path: '/b' }),
  ev('v1', 20, { event_type: 'page_view', page_path: '/b' }),
  ev('v2', 40, { event_type: 'page_view', page_path: '/b' }),
  ev('v0', 15, { event_type: 'custom', event_name: 'signup' }),
];
const STEPS = [{ page: '/a' }, { page: '/b' }, { event: 'signup' }];

describe('funnel, saved items and analysis routes (HTTP)', () => {
  let lake: StatsLake;
  let dir: string;
  let app: FastifyInstance;

  async function build(): Promise<FastifyInstance> {
    const a = Fastify();
    a.setErrorHandler((err, _req, reply) => {
      const mapped = toHttpError(err);
      void reply.code(mapped.status).send(mapped.body);
    });
    await a.register(statsPlugin, { sql: lake.engine, dataDir: dir, clock: () => Date.parse('2026-11-21T12:00:00Z') });
    await a.ready();
    return a;
  }

  before(async () => {
    lake = await openStatsLake(rows);
    dir = await mkdtemp(join(tmpdir(), 'clicklake-routes-'));
    app = await build();
  });
  after(async () => {
    await app.close();
    await lake.close();
    await rm(dir, { recursive: true, force: true });
  });

  const post = (url: string, body: unknown) => app.inject({ method: 'POST', url, payload: body as object });

  it('POST /api/stats/funnel runs unsaved steps and answers the envelope', async () => {
    const res = await post('/api/stats/funnel', { site: 'web', from: '2026-11-20', to: '2026-11-20', steps: STEPS });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    const body = res.json();
    assert.equal(body.site, 'web');
    assert.equal(body.from, '2026-11-20T00:00:00.000Z');
    assert.equal(body.to, '2026-11-21T00:00:00.000Z');
    assert.deepEqual(
      body.data.steps.map((s: { visitors: number; medianMsFromPrevious: number | null; conversion: number }) => [s.visitors, s.medianMsFromPrevious, s.conversion]),
      [[4, null, 1], [3, 20_000, 0.75], [1, 5_000, 0.25]],
    );
    const filtered = await post('/api/stats/funnel', { site: 'web', from: '2026-11-20', to: '2026-11-20', filter: ['type:page_view'], steps: STEPS.slice(0, 2), windowSeconds: 30 });
    assert.deepEqual(filtered.json().data.steps.map((s: { visitors: number }) => s.visitors), [4, 2]);
    assert.deepEqual(filtered.json().filters, [{ name: 'type', op: 'eq', value: 'page_view' }]);
  });

  it('POST /api/stats/funnel: clear 400s', async () => {
    const cases: [unknown, RegExp][] = [
      [{ steps: STEPS }, /^site/],
      [{ site: 'web', steps: [{ page: '/a' }] }, /^steps/],
      [{ site: 'web', steps: Array.from({ length: 11 }, () => ({ page: '/a' })) }, /^steps/],
      [{ site: 'web', steps: [{ page: '/a' }, { page: '/b', properties: { 'bad key': 1 } }] }, /^steps\.1\.properties/],
      [{ site: 'web', steps: STEPS, windowSeconds: -1 }, /^windowSeconds/],
      [{ site: 'web', steps: STEPS, filter: 'nope:1' }, /^filter/],
      [{ site: 'web', steps: STEPS, from: '2026-11-22', to: '2026-11-20' }, /^to/],
      [{ site: 'web', steps: STEPS, sql: 'DROP' }, /sql|unrecognized/i],
      [[1, 2], /body|expected object/i],
    ];
    for (const [body, pattern] of cases) {
      const res = await post('/api/stats/funnel', body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().error.code, 'CLK_ERR_BAD_REQUEST');
      assert.match(res.json().error.message, pattern, JSON.stringify(body));
    }
  });

  it('saved funnels: CRUD, run by id, and they survive a restart of the plugin', async () => {
    const created = await post('/api/funnels', { name: 'Signup', steps: STEPS });
    assert.equal(created.statusCode, 201);
    const id = created.json().data.id as string;
    assert.equal(created.headers.location, `/api/funnels/${id}`);
    assert.deepEqual((await app.inject(`/api/funnels`)).json().data.map((f: { id: string }) => f.id), [id]);

    const run = await app.inject(`/api/stats/funnel?id=${id}&site=web&from=2026-11-20&to=2026-11-20`);
    assert.equal(run.statusCode, 200);
    assert.equal(run.json().data.name, 'Signup');
    assert.deepEqual(run.json().data.steps.map((s: { visitors: number }) => s.visitors), [4, 3, 1]);

    const put = await app.inject({ method: 'PUT', url: `/api/funnels/${id}`, payload: { name: 'A to B', steps: STEPS.slice(0, 2), windowSeconds: 15 } });
    assert.equal(put.statusCode, 200);
    await app.close();
    app = await build(); // a restart: the store is read back from dashboards.json
    const again = await app.inject(`/api/stats/funnel?id=${id}&site=web&from=2026-11-20&to=2026-11-20`);
    assert.deepEqual(again.json().data.steps.map((s: { visitors: number }) => s.visitors), [4, 1]);
    assert.equal(again.json().data.windowSeconds, 15);

    assert.equal((await app.inject({ method: 'DELETE', url: `/api/funnels/${id}` })).statusCode, 204);
    assert.equal((await app.inject(`/api/funnels/${id}`)).statusCode, 404);
    const missing = await app.inject(`/api/stats/funnel?id=${id}&site=web`);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'CLK_ERR_NOT_FOUND');
    assert.equal((await app.inject('/api/stats/funnel?site=web')).statusCode, 400);
    assert.equal((await app.inject('/api/stats/funnel?id=x&site=web&steps=1')).statusCode, 400);
    assert.equal((await post('/api/funnels', { name: 'x', steps: 'nope' })).statusCode, 400);
  });

  it('saved queries: CRUD under /api/saved-queries', async () => {
    const created = await post('/api/saved-queries', { name: 'Count', sql: 'SELECT count(*) FROM events' });
    assert.equal(created.statusCode, 201);
    const id = created.json().data.id as string;
    const put = await app.inject({ method: 'PUT', url: `/api/saved-queries/${id}`, payload: { name: 'Count 2', sql: 'SELECT 2' } });
    assert.equal(put.json().data.sql, 'SELECT 2');
    assert.deepEqual((await app.inject('/api/saved-queries')).json().data.map((q: { name: string }) => q.name), ['Count 2']);
    assert.equal((await post('/api/saved-queries', { name: 'no sql' })).statusCode, 400);
    assert.equal((await app.inject({ method: 'PUT', url: '/api/saved-queries/nope', payload: { name: 'a', sql: 'b' } })).statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: `/api/saved-queries/${id}` })).statusCode, 204);
    assert.deepEqual((await app.inject('/api/saved-queries')).json().data, []);
  });

  it('GET retention, paths and realtime are routed with their parameters', async () => {
    const paths = await app.inject('/api/stats/paths?site=web&from=2026-11-20&to=2026-11-20&page=/a');
    assert.equal(paths.statusCode, 200);
    assert.equal(paths.json().data.views, 4);
    assert.deepEqual(paths.json().data.next.map((s: { page: string | null; count: number }) => [s.page, s.count]), [['/b', 3], [null, 1]]);
    const retention = await app.inject('/api/stats/retention?site=web&from=2026-11-20&to=2026-11-21&period=day');
    assert.deepEqual(retention.json().data.cohorts, [{ cohort: '2026-11-20', visitors: 4, cells: [{ period: 0, visitors: 4, share: 1 }, { period: 1, visitors: 0, share: 0 }] }]);
    assert.equal((await app.inject('/api/stats/retention?site=web&period=month')).statusCode, 400);
    assert.equal((await app.inject('/api/stats/paths?site=web')).statusCode, 400);
    const realtime = await app.inject('/api/stats/realtime?site=web');
    assert.equal(realtime.statusCode, 200);
    assert.equal(realtime.headers['cache-control'], 'no-store');
    assert.equal(realtime.json().data.series.length, 30);
  });

  it('GET /api/realtime/stream validates its parameters', async () => {
    for (const url of ['/api/realtime/stream', '/api/realtime/stream?site=', '/api/realtime/stream?site=a&site=b', '/api/realtime/stream?site=a&x=1']) {
      const res = await app.inject(url);
      assert.equal(res.statusCode, 400, url);
      assert.equal(res.json().error.code, 'CLK_ERR_BAD_REQUEST');
    }
  });
});
