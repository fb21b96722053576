import { createHash, timingSafeEqual } from 'node:crypto';
import '@fastify/cookie'; // request.cookies, reply.setCookie (the plugin is registered by the composition root)
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Config } from '../core/config.js';
import { ClicklakeError } from '../core/errors.js';
import type { Clock, Logger } from '../core/ports.js';
import { MAX_PASSWORD_BYTES, verifyPassword } from './password.js';
import { SessionStore, credentialFingerprint, type SessionPayload } from './session.js';
import { LoginThrottle, type ThrottleOptions } from './throttle.js';

export { hashPassword, verifyPassword, isPasswordHash } from './password.js';
export { fastifyCookie } from '@fastify/cookie';

/**
 * Dashboard authentication (docs/dashboard-api.md#authentication).
 *
 * Design constraints:
 * - Two credentials: `Authorization: Bearer <admin token>` (scripts) and the session cookie set by a login with the
 *   admin token or a user of auth.users. A request with an Authorization header is judged by it alone.
 * - Secrets are compared in constant time (SHA-256 of both sides, timingSafeEqual; scrypt for passwords).
 * - CSRF: the cookie is SameSite=Strict and HttpOnly; on top, a cookie-authenticated request that is not GET/HEAD/
 *   OPTIONS must be JSON (Content-Type application/json, which a cross-site form cannot send without a preflight)
 *   and, when it carries an Origin header, come from the same host. The login endpoint checks the same.
 * - Failed logins are throttled per client IP (LoginThrottle).
 */
export const SESSION_COOKIE = 'clicklake_session';

export interface Principal {
  readonly kind: 'admin' | 'user';
  readonly name: string;
  /** How this request authenticated. */
  readonly via: 'bearer' | 'cookie';
  readonly session: SessionPayload | null;
}

export interface AuthOptions {
  readonly auth: Config['auth'];
  readonly adminToken: string;
  /** <dataDir>/secrets; null keeps the signing key and revocations in memory (tests). */
  readonly secretsDir: string | null;
  readonly logger?: Logger;
  readonly clock?: Clock;
  readonly throttle?: ThrottleOptions;
}

export interface Auth {
  /** Who sent this request (bearer token or a valid session cookie), or null. */
  authenticate(request: FastifyRequest): Principal | null;
  /** onRequest hook for protected routes: 401 without credentials, 403/415 for cross-site cookie requests. */
  requireAuth(request: FastifyRequest, reply: FastifyReply): Promise<void>;
  /** The principal requireAuth found for this request. */
  principalOf(request: FastifyRequest): Principal | null;
  /** POST /api/auth/login, POST /api/auth/logout, GET /api/auth/me. */
  routes(app: FastifyInstance): Promise<void>;
  readonly sessions: SessionStore;
  readonly throttle: LoginThrottle;
}

const loginBody = z.union([
  z.strictObject({ token: z.string().min(1).max(1024) }),
  z.strictObject({ name: z.string().min(1).max(64), password: z.string().min(1).max(MAX_PASSWORD_BYTES) }),
]);

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function secretEquals(given: string, want: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(want).digest();
  return timingSafeEqual(a, b);
}

function bearerOf(header: string | undefined): string | null {
  if (header === undefined) return null;
  return header.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

/** Same-origin check for state-changing requests: JSON body, and Origin (when sent) naming this host. */
export function assertSameSiteJson(request: FastifyRequest): void {
  const type = String(request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    throw new ClicklakeError('CLK_ERR_UNSUPPORTED_MEDIA_TYPE', 'state-changing dashboard requests must be Content-Type: application/json');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return;
  // Compare host:port, with the request's Host read in the Origin's scheme (so "localhost:80" equals http://localhost).
  let same = false;
  try {
    const o = new URL(origin);
    same = o.host !== '' && o.host === new URL(`${o.protocol}//${String(request.headers.host ?? '')}`).host;
  } catch {
    same = false;
  }
  if (!same) {
    throw new ClicklakeError('CLK_ERR_CROSS_SITE', `Origin ${origin.slice(0, 100)} is not this site`);
  }
}

export async function createAuth(options: AuthOptions): Promise<Auth> {
  const clock = options.clock ?? Date.now;
  const sessions = await SessionStore.open({ secretsDir: options.secretsDir, clock });
  const throttle = new LoginThrottle({ clock, ...options.throttle });
  const ttlMs = options.auth.sessionTtlHours * 3_600_000;
  const adminFp = credentialFingerprint(options.adminToken);
  const users = new Map(options.auth.users.map((u) => [u.name, u]));
  const found = new WeakMap<FastifyRequest, Principal>();

  /** A session is valid while its credential is unchanged (user still configured, same hash / same token). */
  function stillValid(s: SessionPayload): boolean {
    if (s.kind === 'admin') return s.fp === adminFp;
    const user = users.get(s.name);
    return user !== undefined && s.fp === credentialFingerprint(user.passwordHash);
  }

  function sessionOf(request: FastifyRequest): SessionPayload | null {
    // request.cookies exists when @fastify/cookie is registered at the root (src/server/http.ts); else: no session.
    const token = request.cookies?.[SESSION_COOKIE];
    const s = sessions.verify(token);
    return s !== null && stillValid(s) ? s : null;
  }

  function authenticate(request: FastifyRequest): Principal | null {
    const bearer = bearerOf(request.headers.authorization);
    if (bearer !== null) {
      return bearer !== '' && secretEquals(bearer, options.adminToken)
        ? { kind: 'admin', name: 'admin', via: 'bearer', session: null }
        : null;
    }
    const s = sessionOf(request);
    return s === null ? null : { kind: s.kind, name: s.name, via: 'cookie', session: s };
  }

  async function requireAuth(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const who = authenticate(request);
    if (who === null) {
      throw new ClicklakeError('CLK_ERR_UNAUTHORIZED', 'log in (POST /api/auth/login) or send Authorization: Bearer <admin token>');
    }
    if (who.via === 'cookie' && !SAFE_METHODS.has(request.method)) assertSameSiteJson(request);
    found.set(request, who);
  }

  function cookieOptions(request: FastifyRequest, maxAgeSeconds: number) {
    const secure = options.auth.secureCookie === 'always' || (options.auth.secureCookie === 'auto' && request.protocol === 'https');
    return { httpOnly: true, sameSite: 'strict' as const, path: '/', secure, maxAge: maxAgeSeconds };
  }

  async function checkLogin(body: z.infer<typeof loginBody>): Promise<{ kind: 'admin' | 'user'; name: string; fp: string } | null> {
    if ('token' in body) return secretEquals(body.token, options.adminToken) ? { kind: 'admin', name: 'admin', fp: adminFp } : null;
    const user = users.get(body.name);
    const ok = await verifyPassword(body.password, user?.passwordHash ?? null);
    return ok && user ? { kind: 'user', name: user.name, fp: credentialFingerprint(user.passwordHash) } : null;
  }

  async function routes(app: FastifyInstance): Promise<void> {
    app.post('/api/auth/login', async (request, reply) => {
      assertSameSiteJson(request);
      const ip = request.ip;
      const wait = throttle.retryAfter(ip);
      if (wait > 0) throw new ClicklakeError('CLK_ERR_TOO_MANY_REQUESTS', undefined, { retryAfter: wait });
      const parsed = loginBody.safeParse(request.body);
      if (!parsed.success) throw new ClicklakeError('CLK_ERR_BAD_REQUEST', 'body must be {"token": "..."} or {"name": "...", "password": "..."}');
      const who = await checkLogin(parsed.data);
      if (who === null) {
        throttle.fail(ip);
        options.logger?.info({ ip, name: 'name' in parsed.data ? parsed.data.name : 'admin' }, 'dashboard login failed');
        throw new ClicklakeError('CLK_ERR_UNAUTHORIZED', 'wrong token, name or password');
      }
      throttle.succeed(ip);
      const { token, payload } = sessions.issue(who, ttlMs);
      void reply.setCookie(SESSION_COOKIE, token, cookieOptions(request, Math.floor(ttlMs / 1000)));
      void reply.header('Cache-Control', 'no-store');
      return { name: who.name, kind: who.kind, expiresAt: new Date(payload.exp).toISOString() };
    });

    app.post('/api/auth/logout', async (request, reply) => {
      const s = sessionOf(request);
      if (s !== null) {
        assertSameSiteJson(request);
        await sessions.revoke(s);
      }
      void reply.clearCookie(SESSION_COOKIE, cookieOptions(request, 0));
      return { ok: true };
    });

    app.get('/api/auth/me', { onRequest: requireAuth }, async (request, reply) => {
      const who = found.get(request)!;
      void reply.header('Cache-Control', 'no-store');
      return { name: who.name, kind: who.kind, via: who.via, expiresAt: who.session ? new Date(who.session.exp).toISOString() : null };
    });
  }

  return { authenticate, requireAuth, principalOf: (r) => found.get(r) ?? null, routes, sessions, throttle };
}
