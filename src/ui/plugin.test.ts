import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { ASSET_CACHE, UI_CSP, loginRedirect, uiPlugin } from './plugin.js';

describe('dashboard plugin', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clicklake-ui-'));
  let app: FastifyInstance;
  before(async () => {
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><script type="module" src="/ui/assets/main-ABC.js"></script>');
    writeFileSync(join(dir, 'assets', 'main-ABC.js'), 'console.log(1)');
    writeFileSync(join(dir, 'assets', 'main-DEF.css'), 'body{}');
    app = Fastify();
    // The injected authentication: a request is logged in when it carries the header x-test-login: yes.
    await app.register(uiPlugin, { dir, authenticate: (request) => request.headers['x-test-login'] === 'yes' });
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('redirects an unauthenticated request for the app to the login page, keeping the path', async () => {
    const res = await app.inject({ url: '/?view=pages&site=shop&filter=country%3ADE' });
    assert.equal(res.statusCode, 302);
    assert.equal(res.headers.location, `/login?next=${encodeURIComponent('/?view=pages&site=shop&filter=country%3ADE')}`);
    assert.equal((await app.inject({ url: '/' })).headers.location, '/login');
  });

  it('serves the app to a logged-in user with no-cache and a strict CSP', async () => {
    const res = await app.inject({ url: '/?view=overview', headers: { 'x-test-login': 'yes' } });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /^text\/html/);
    assert.equal(res.headers['cache-control'], 'no-cache');
    assert.equal(res.headers['content-security-policy'], UI_CSP);
    assert.match(UI_CSP, /script-src 'self';/);
    assert.doesNotMatch(UI_CSP, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers['x-frame-options'], 'DENY');
    assert.match(res.body, /main-ABC\.js/);
    const again = await app.inject({ url: '/', headers: { 'x-test-login': 'yes', 'if-none-match': res.headers.etag as string } });
    assert.equal(again.statusCode, 304);
  });

  it('serves the login page without authentication', async () => {
    const res = await app.inject({ url: '/login?next=%2F%3Fview%3Dsql' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-security-policy'], UI_CSP);
    assert.match(res.body, /main-ABC\.js/);
  });

  it('serves hashed assets with a long cache, and 404 for anything else', async () => {
    const js = await app.inject({ url: '/ui/assets/main-ABC.js' });
    assert.equal(js.statusCode, 200);
    assert.equal(js.headers['cache-control'], ASSET_CACHE);
    assert.match(js.headers['content-type'] as string, /^text\/javascript/);
    assert.equal(js.body, 'console.log(1)');
    const css = await app.inject({ url: '/ui/assets/main-DEF.css' });
    assert.match(css.headers['content-type'] as string, /^text\/css/);
    for (const url of ['/ui/assets/nope.js', '/ui/assets/..%2Findex.html', '/ui/assets/%2e%2e%2f%2e%2e%2fpackage.json']) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
  });

  it('builds login redirects only to local paths', () => {
    assert.equal(loginRedirect('/?view=sql'), '/login?next=%2F%3Fview%3Dsql');
    assert.equal(loginRedirect('//evil.example/'), '/login');
    assert.equal(loginRedirect('/'), '/login');
  });

  it('answers 404 with a hint when the app is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'clicklake-ui-empty-'));
    const bare = Fastify();
    await bare.register(uiPlugin, { dir: empty, authenticate: () => true });
    const res = await bare.inject({ url: '/login' });
    await bare.close();
    rmSync(empty, { recursive: true, force: true });
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /npm run build/);
  });
});
