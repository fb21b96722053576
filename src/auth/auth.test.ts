import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { parseConfig, type Config } from '../core/config.js';
import { toHttpError } from '../core/http-errors.js';
import { SESSION_COOKIE, createAuth, fastifyCookie, type Auth } from './index.js';
import { hashPassword, isPasswordHash, verifyPassword } from './password.js';
import { LoginThrottle } from './throttle.js';

const TOKEN = 'admin-token-0123456789abcdef';
// Cheap scrypt parameters keep the tests fast; the format carries them, so verification uses the same ones.
const FAST = { N: 1024, r: 8, p: 1 };

let dir: string;
let anaHash: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'clicklake-auth-'));
  anaHash = await hashPassword('correct horse', FAST);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function authConfig(overrides: Partial<Config['auth']> = {}, users = [{ name: 'ana', passwordHash: anaHash }]): Config['auth'] {
  return { ...parseConfig({ auth: { users } }).auth, ...overrides };
}

/** An app with the auth routes and a protected scope (GET and POST /api/thing), like src/server/http.ts. */
async function appWith(options: { auth?: Config['auth']; clock?: () => number; secretsDir?: string | null; maxFailures?: number } = {}) {
  const auth: Auth = await createAuth({
    auth: options.auth ?? authConfig(),
    adminToken: TOKEN,
    secretsDir: options.secretsDir === undefined ? join(dir, 'secrets') : options.secretsDir,
    ...(options.clock ? { clock: options.clock } : {}),
    throttle: { maxFailures: options.maxFailures ?? 3, windowMs: 60_000 },
  });
  const app: FastifyInstance = Fastify();
  app.setErrorHandler((err, _req, reply) => {
    const mapped = toHttpError(err);
    if (mapped.retryAfter !== undefined) void reply.header('Retry-After', String(mapped.retryAfter));
    void reply.code(mapped.status).send(mapped.body);
  });
  await app.register(fastifyCookie);
  await app.register(auth.routes);
  await app.register(async (api) => {
    api.addHook('onRequest', auth.requireAuth);
    api.get('/api/thing', async (request) => ({ who: auth.principalOf(request)?.name }));
    api.post('/api/thing', async () => ({ changed: true }));
  });
  return { app, auth };
}

function json(body: unknown) {
  return { 'content-type': 'application/json', payload: JSON.stringify(body) };
}

async function login(app: FastifyInstance, body: unknown, headers: Record<string, string> = {}) {
  const { payload, ...h } = json(body);
  return app.inject({ method: 'POST', url: '/api/auth/login', headers: { ...h, ...headers }, payload });
}

function sessionCookie(res: { headers: Record<string, unknown> }): string {
  const header = String(res.headers['set-cookie']);
  const m = new RegExp(`${SESSION_COOKIE}=([^;]*)`).exec(header);
  assert.ok(m, `no session cookie in ${header}`);
  return `${SESSION_COOKIE}=${m[1]}`;
}

describe('password hashes', () => {
  it('are self-describing scrypt strings that verify the right password only', async () => {
    assert.match(anaHash, /^scrypt\$1024\$8\$1\$[\w-]+\$[\w-]+$/);
    assert.ok(isPasswordHash(anaHash));
    assert.equal(await verifyPassword('correct horse', anaHash), true);
    assert.equal(await verifyPassword('correct horsE', anaHash), false);
    assert.notEqual(await hashPassword('correct horse', FAST), anaHash, 'a fresh salt each time');
    const strong = await hashPassword('x');
    assert.match(strong, /^scrypt\$32768\$8\$1\$/);
    assert.equal(await verifyPassword('x', strong), true);
  });

  it('malformed or out-of-bounds hashes never verify', async () => {
    for (const bad of ['', 'plain', 'scrypt$1024$8$1$abc', anaHash.replace('$1024$', '$1000$'), anaHash.replace('$1024$', '$2097152$')]) {
      assert.equal(isPasswordHash(bad), false, bad);
      assert.equal(await verifyPassword('correct horse', bad), false, bad);
    }
    assert.equal(await verifyPassword('correct horse', null), false, 'unknown user');
  });
});

describe('login, session cookie, logout', () => {
  it('without credentials: 401 JSON', async () => {
    const { app } = await appWith();
    const res = await app.inject({ method: 'GET', url: '/api/thing' });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'CLK_ERR_UNAUTHORIZED');
    assert.equal((await app.inject({ method: 'GET', url: '/api/auth/me' })).statusCode, 401);
    const forged = await app.inject({ method: 'GET', url: '/api/thing', headers: { cookie: `${SESSION_COOKIE}=eyJ2IjoxfQ.AAAA` } });
    assert.equal(forged.statusCode, 401);
  });

  it('the Bearer admin token works without a cookie; a wrong one is 401 even with a valid cookie', async () => {
    const { app } = await appWith();
    const ok = await app.inject({ method: 'GET', url: '/api/thing', headers: { authorization: `Bearer ${TOKEN}` } });
    assert.deepEqual(ok.json(), { who: 'admin' });
    const cookie = sessionCookie(await login(app, { token: TOKEN }));
    const wrong = await app.inject({ method: 'GET', url: '/api/thing', headers: { authorization: 'Bearer nope', cookie } });
    assert.equal(wrong.statusCode, 401);
  });

  it('login with the admin token sets an HttpOnly, SameSite=Strict, Path=/ cookie that authenticates', async () => {
    const { app } = await appWith();
    const res = await login(app, { token: TOKEN });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().name, 'admin');
    const header = String(res.headers['set-cookie']);
    assert.match(header, /HttpOnly/);
    assert.match(header, /SameSite=Strict/);
    assert.match(header, /Path=\//);
    assert.doesNotMatch(header, /Secure/, 'auto: plain HTTP has no Secure');
    const cookie = sessionCookie(res);
    assert.deepEqual((await app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).json(), { who: 'admin' });
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie } });
    assert.equal(me.json().via, 'cookie');
  });

  it('secureCookie "always" marks the cookie Secure', async () => {
    const { app } = await appWith({ auth: authConfig({ secureCookie: 'always' }), secretsDir: null });
    assert.match(String((await login(app, { token: TOKEN })).headers['set-cookie']), /Secure/);
  });

  it('login with a configured user; a wrong password, unknown user or bad body fails', async () => {
    const { app } = await appWith({ maxFailures: 100, secretsDir: null });
    const res = await login(app, { name: 'ana', password: 'correct horse' });
    assert.equal(res.statusCode, 200);
    const me = await app.inject({ method: 'GET', url: '/api/auth/me', headers: { cookie: sessionCookie(res) } });
    assert.deepEqual({ name: me.json().name, kind: me.json().kind }, { name: 'ana', kind: 'user' });
    assert.equal((await login(app, { name: 'ana', password: 'wrong' })).statusCode, 401);
    assert.equal((await login(app, { name: 'bob', password: 'correct horse' })).statusCode, 401);
    assert.equal((await login(app, { token: 'not-the-token' })).statusCode, 401);
    assert.equal((await login(app, { name: 'ana' })).statusCode, 400);
    const form = await app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify({ token: TOKEN }) });
    assert.equal(form.statusCode, 415);
  });

  it('logout ends the session for good, also after a restart', async () => {
    const secretsDir = join(dir, 'logout-secrets');
    const { app } = await appWith({ secretsDir });
    const cookie = sessionCookie(await login(app, { token: TOKEN }));
    const out = await app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'content-type': 'application/json' }, payload: '{}' });
    assert.equal(out.statusCode, 200);
    assert.match(String(out.headers['set-cookie']), new RegExp(`${SESSION_COOKIE}=;`));
    assert.equal((await app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 401, 'the old cookie is dead');
    const restarted = await appWith({ secretsDir });
    assert.equal((await restarted.app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 401);
    assert.equal(((await stat(join(secretsDir, 'session-key'))).mode & 0o077), 0, 'the key is private');
    assert.match(await readFile(join(secretsDir, 'revoked-sessions.json'), 'utf8'), /^\{".+":\d+\}$/);
  });

  it('sessions survive a restart (same key) and expire after auth.sessionTtlHours', async () => {
    let now = Date.parse('2026-11-27T10:00:00Z');
    const clock = () => now;
    const secretsDir = join(dir, 'ttl-secrets');
    const first = await appWith({ auth: authConfig({ sessionTtlHours: 2 }), clock, secretsDir });
    const cookie = sessionCookie(await login(first.app, { token: TOKEN }));
    const second = await appWith({ auth: authConfig({ sessionTtlHours: 2 }), clock, secretsDir });
    assert.equal((await second.app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 200);
    now += 2 * 3_600_000 - 1000;
    assert.equal((await second.app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 200);
    now += 2000;
    assert.equal((await second.app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 401);
  });

  it('a changed password or a removed user ends that user\'s sessions', async () => {
    const secretsDir = join(dir, 'pw-secrets');
    const { app } = await appWith({ secretsDir });
    const cookie = sessionCookie(await login(app, { name: 'ana', password: 'correct horse' }));
    const changed = await appWith({ secretsDir, auth: authConfig({}, [{ name: 'ana', passwordHash: await hashPassword('new one', FAST) }]) });
    assert.equal((await changed.app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 401);
    const removed = await appWith({ secretsDir, auth: authConfig({}, []) });
    assert.equal((await removed.app.inject({ method: 'GET', url: '/api/thing', headers: { cookie } })).statusCode, 401);
  });
});

describe('CSRF', () => {
  it('cookie-authenticated writes must be JSON and same-origin; reads and Bearer writes are not affected', async () => {
    const { app } = await appWith({ secretsDir: null });
    const cookie = sessionCookie(await login(app, { token: TOKEN }, { origin: 'http://localhost:80', host: 'localhost:80' }));
    const post = (headers: Record<string, string>) => app.inject({ method: 'POST', url: '/api/thing', headers: { host: 'dash.example', ...headers }, payload: '{}' });
    assert.equal((await post({ cookie, 'content-type': 'application/json' })).statusCode, 200);
    assert.equal((await post({ cookie, 'content-type': 'application/json', origin: 'https://dash.example' })).statusCode, 200);
    const cross = await post({ cookie, 'content-type': 'application/json', origin: 'https://evil.example' });
    assert.equal(cross.statusCode, 403);
    assert.equal(cross.json().error.code, 'CLK_ERR_CROSS_SITE');
    assert.equal((await post({ cookie, 'content-type': 'application/json', origin: 'null' })).statusCode, 403);
    assert.equal((await post({ cookie, 'content-type': 'text/plain' })).statusCode, 415);
    assert.equal((await post({ cookie, 'content-type': 'application/x-www-form-urlencoded' })).statusCode, 415);
    const bearer = await post({ authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', origin: 'https://evil.example' });
    assert.equal(bearer.statusCode, 200);
    const read = await app.inject({ method: 'GET', url: '/api/thing', headers: { cookie, origin: 'https://evil.example' } });
    assert.equal(read.statusCode, 200);
    const crossLogin = await login(app, { token: TOKEN }, { origin: 'https://evil.example', host: 'dash.example' });
    assert.equal(crossLogin.statusCode, 403);
  });
});

describe('failed-login throttle', () => {
  it('refuses an IP after too many failures, even with the right password, until the window ends', async () => {
    let now = 1_000_000;
    const { app } = await appWith({ clock: () => now, secretsDir: null, maxFailures: 3 });
    for (let i = 0; i < 3; i++) assert.equal((await login(app, { token: 'wrong' })).statusCode, 401);
    const blocked = await login(app, { token: TOKEN });
    assert.equal(blocked.statusCode, 429);
    assert.equal(blocked.json().error.code, 'CLK_ERR_TOO_MANY_REQUESTS');
    assert.equal(blocked.headers['retry-after'], '60');
    const other = await login(app, { token: TOKEN }, { 'x-forwarded-for': '10.0.0.9' });
    assert.equal(other.statusCode, 429, 'X-Forwarded-For is not trusted');
    now += 60_000;
    assert.equal((await login(app, { token: TOKEN })).statusCode, 200);
  });

  it('is bounded in memory and a success clears the count', () => {
    let now = 0;
    const t = new LoginThrottle({ maxFailures: 2, windowMs: 1000, maxKeys: 100, clock: () => now });
    for (let i = 0; i < 500; i++) t.fail(`ip-${i}`);
    assert.equal(t.size, 100);
    t.fail('a');
    t.succeed('a');
    t.fail('a');
    assert.equal(t.retryAfter('a'), 0);
    t.fail('a');
    assert.equal(t.retryAfter('a'), 1);
    now = 1000;
    assert.equal(t.retryAfter('a'), 0);
  });
});
