import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { DEMO_CSP, DEMO_DIR, demoPlugin } from './plugin.js';

async function app(opts: Parameters<typeof demoPlugin>[1]) {
  const f = Fastify();
  await f.register(demoPlugin, opts);
  return f;
}

describe('the demo shop plugin', () => {
  it('serves the app shell for every page under /demo/, with the tracker and a strict CSP', async () => {
    const f = await app({ trackerSrc: '/tracker.abcdef012345.js' });
    for (const path of ['/demo/', '/demo/products', '/demo/products/lake-mug', '/demo/checkout?x=1']) {
      const r = await f.inject(path);
      assert.equal(r.statusCode, 200, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8');
      assert.equal(r.headers['content-security-policy'], DEMO_CSP);
      assert.match(r.body, /<script defer src="\/tracker\.abcdef012345\.js" data-site="demo"><\/script>/);
      assert.doesNotMatch(r.body, /\{\{/);
    }
    const redirect = await f.inject('/demo');
    assert.deepEqual([redirect.statusCode, redirect.headers.location], [301, '/demo/']);
  });

  it('serves the built script and style with ETags', async () => {
    const f = await app({});
    const js = await f.inject('/demo/app.js');
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.ok(js.body.length > 1000, `${DEMO_DIR}app.js is built`);
    const again = await f.inject({ url: '/demo/app.js', headers: { 'if-none-match': String(js.headers.etag) } });
    assert.equal(again.statusCode, 304);
    const css = await f.inject('/demo/style.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
  });

  it('answers 404 with a hint when the demo is not built', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'clicklake-demo-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    writeFileSync(join(dir, 'index.html'), '<p>{{TRACKER_SRC}}</p>');
    const f = await app({ dir: dir + '/', trackerSrc: '/t.js' });
    assert.equal((await f.inject('/demo/')).body, '<p>/t.js</p>');
    const r = await f.inject('/demo/app.js');
    assert.equal(r.statusCode, 404);
    assert.match(r.body, /npm run build/);
  });
});
