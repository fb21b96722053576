import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { silentLogger } from '../query/testkit.js';
import { MAX_QUERIES, STORE_FILE, openSavedStore, type SavedFunnel, type SavedQuery } from './store.js';

const funnel = { name: 'Checkout', steps: [{ page: '/cart' }, { event: 'purchase', properties: { plan: 'pro' } }], windowSeconds: 3600 };

describe('saved store', () => {
  let dir: string;
  let ids: number;
  const open = () =>
    openSavedStore({ dir, logger: silentLogger, clock: () => Date.parse('2026-11-27T10:00:00Z'), newId: () => `id-${++ids}` });

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clicklake-saved-'));
    ids = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates, lists, updates and deletes funnels and queries; they survive a restart', async () => {
    const store = await open();
    const f = await store.create('funnels', funnel);
    assert.deepEqual(f, { ...funnel, id: 'id-1', created_at: '2026-11-27T10:00:00.000Z', updated_at: '2026-11-27T10:00:00.000Z' });
    const q1 = await store.create('queries', { name: 'Top pages', sql: 'SELECT page_path, count(*) FROM events GROUP BY 1' });
    await store.create('queries', { name: '  Second  ', sql: 'SELECT 2' });
    const updated = await store.update('queries', q1.id, { name: 'Top pages (7d)', sql: 'SELECT 1' });
    assert.equal(updated.created_at, q1.created_at);
    assert.equal(store.get('queries', 'id-3').name, 'Second'); // trimmed
    await store.remove('queries', 'id-3');

    const reopened = await open();
    assert.deepEqual(reopened.list('funnels'), [f]);
    assert.deepEqual(reopened.list('queries').map((q: SavedQuery) => [q.id, q.name, q.sql]), [['id-2', 'Top pages (7d)', 'SELECT 1']]);
    await assert.rejects(reopened.update('funnels', 'missing', funnel), { code: 'CLK_ERR_NOT_FOUND' });
    await assert.rejects(reopened.remove('queries', 'id-3'), { code: 'CLK_ERR_NOT_FOUND' });
    assert.throws(() => reopened.get('funnels', 'id-2'), { code: 'CLK_ERR_NOT_FOUND' }); // a query id is not a funnel
  });

  it('ignores and deletes a torn temp file; the last complete file wins', async () => {
    const store = await open();
    const f = await store.create('funnels', funnel);
    // A crash in the middle of a later write leaves a partial temp file next to the intact one.
    const torn = join(dir, `${STORE_FILE}.tmp-999-deadbeef`);
    await writeFile(torn, '{"version":1,"funnels":[{"name":"half');
    const reopened = await open();
    assert.deepEqual(reopened.list('funnels'), [f]);
    assert.deepEqual(await readdir(dir), [STORE_FILE]);
  });

  it('moves an invalid file aside and starts empty', async () => {
    await writeFile(join(dir, STORE_FILE), '{"version":1,"funnels":[{"name":"no steps"}],"queries":[]}');
    const store = await open();
    assert.deepEqual(store.list('funnels'), []);
    const files = (await readdir(dir)).sort();
    assert.equal(files.length, 1);
    assert.match(files[0]!, /^dashboards\.json\.corrupt-\d+$/);
    await store.create('queries', { name: 'q', sql: 'SELECT 1' });
    assert.equal(JSON.parse(await readFile(join(dir, STORE_FILE), 'utf8')).queries.length, 1);
  });

  it('validates input and bounds the number of items', async () => {
    const store = await open();
    const bad = async (collection: 'funnels' | 'queries', input: unknown, pattern: RegExp) =>
      assert.rejects(store.create(collection, input), (err: { code?: string; message: string }) => {
        assert.equal(err.code, 'CLK_ERR_BAD_REQUEST');
        assert.match(err.message, pattern);
        return true;
      });
    await bad('funnels', { name: 'x', steps: [{ page: '/a' }] }, /^steps/);
    await bad('funnels', { name: '', steps: funnel.steps }, /^name/);
    await bad('funnels', { name: 'x', steps: funnel.steps, extra: 1 }, /extra|unrecognized/i);
    await bad('funnels', { name: 'x', steps: [{ page: '/a' }, { properties: { a: 1 } }] }, /^steps\.1: each step is/);
    await bad('queries', { name: 'x', sql: '' }, /^sql/);
    await bad('queries', { name: 'x'.repeat(101), sql: 'SELECT 1' }, /^name/);
    await bad('queries', { name: 'x', sql: 'x'.repeat(20_001) }, /^sql/);
    await bad('queries', null, /body/);
    // Concurrent creates are serialised: every one lands in the file.
    await Promise.all(Array.from({ length: MAX_QUERIES }, (_, i) => store.create('queries', { name: `q${i}`, sql: 'SELECT 1' })));
    await bad('queries', { name: 'one too many', sql: 'SELECT 1' }, /at most 200/);
    const reopened = await open();
    assert.equal(reopened.list('queries').length, MAX_QUERIES);
    assert.deepEqual((reopened.list('funnels') as SavedFunnel[]).length, 0);
  });
});
