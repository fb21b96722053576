import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify from 'fastify';
import { LONG_CACHE, SHORT_CACHE, TRACKER_FILE, trackerAsset, trackerPlugin, type TrackerAsset } from './serve.js';

const body = Buffer.from('(()=>{window.x=1})();');
const asset: TrackerAsset = { body, gzip: Buffer.from([0x1f, 0x8b]), hash: '0123456789ab', versionedPath: '/tracker.0123456789ab.js' };

async function app(a: TrackerAsset | null) {
  const f = Fastify();
  await f.register(trackerPlugin, { asset: a });
  return f;
}

describe('GET /tracker.js', () => {
  it('serves the script with a short cache, an ETag and the JS content type', async () => {
    const f = await app(asset);
    const r = await f.inject('/tracker.js');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(r.headers['cache-control'], SHORT_CACHE);
    assert.equal(r.headers.etag, '"0123456789ab"');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['access-control-allow-origin'], '*');
    assert.equal(r.headers.vary, 'Accept-Encoding');
    assert.equal(r.body, body.toString());
  });

  it('serves the versioned URL for a year, immutable', async () => {
    const f = await app(asset);
    const r = await f.inject(asset.versionedPath);
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], LONG_CACHE);
    assert.match(LONG_CACHE, /max-age=31536000.*immutable/);
  });

  it("serves another version's URL with the current script and the short cache", async () => {
    const f = await app(asset);
    const r = await f.inject('/tracker.ffffffffffff.js');
    assert.equal(r.statusCode, 200);
    assert.equal(r.headers['cache-control'], SHORT_CACHE);
    assert.equal((await f.inject('/tracker.nothex.js')).statusCode, 404);
  });

  it('answers If-None-Match with 304 (also weak and in lists)', async () => {
    const f = await app(asset);
    for (const inm of ['"0123456789ab"', 'W/"0123456789ab"', '"other", "0123456789ab"']) {
      const r = await f.inject({ url: '/tracker.js', headers: { 'if-none-match': inm } });
      assert.equal(r.statusCode, 304, inm);
      assert.equal(r.body, '');
      assert.equal(r.headers.etag, '"0123456789ab"');
    }
    assert.equal((await f.inject({ url: '/tracker.js', headers: { 'if-none-match': '"old"' } })).statusCode, 200);
  });

  it('sends gzip to clients that accept it', async () => {
    const f = await app(asset);
    const r = await f.inject({ url: '/tracker.js', headers: { 'accept-encoding': 'br, gzip' } });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.deepEqual(r.rawPayload, asset.gzip);
  });

  it('answers 404 with a hint when the script is not built', async () => {
    const f = await app(null);
    const r = await f.inject('/tracker.js');
    assert.equal(r.statusCode, 404);
    assert.match(r.body, /npm run build/);
  });

  it('reads the real build (dist/tracker/tracker.js) with a matching hash and gzip', () => {
    const real = trackerAsset(TRACKER_FILE);
    assert.ok(real, `${TRACKER_FILE} exists (npm run build)`);
    assert.match(real.hash, /^[0-9a-f]{12}$/);
    assert.equal(real.versionedPath, `/tracker.${real.hash}.js`);
    assert.deepEqual(gunzipSync(real.gzip), real.body);
  });
});
