import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/ports.js';

/**
 * Login sessions as HMAC-SHA256-signed tokens (the cookie value), so they survive a restart without a session
 * table:  base64url(JSON payload) "." base64url(HMAC(key, first part)).
 *
 * Design constraints:
 * - The key is 32 random bytes in <dataDir>/secrets/session-key (0600), made on first start; deleting it ends every
 *   session.
 * - A payload names who logged in and a fingerprint of their credential (admin token or password hash): changing
 *   the password or the token, or removing the user, ends their sessions (checked at every request).
 * - Logout really ends a session: its id is revoked until it would have expired; revocations are kept in
 *   <dataDir>/secrets/revoked-sessions.json (pruned of expired ids) so they survive a restart too.
 */
export interface SessionPayload {
  readonly v: 1;
  /** Random session id. */
  readonly sid: string;
  /** 'admin' (logged in with the admin token) or a user name of auth.users. */
  readonly kind: 'admin' | 'user';
  readonly name: string;
  /** Fingerprint of the credential used (see credentialFingerprint). */
  readonly fp: string;
  /** Issued / expires, epoch ms. */
  readonly iat: number;
  readonly exp: number;
}

export const SESSION_KEY_FILE = 'session-key';
export const REVOKED_FILE = 'revoked-sessions.json';
const MAX_TOKEN_CHARS = 1024;
/** Bound on kept revocations; beyond it the ones expiring first are dropped (they expire soonest anyway). */
const MAX_REVOKED = 100_000;

export function credentialFingerprint(secret: string): string {
  return createHash('sha256').update('clicklake-session-fp\0').update(secret).digest('base64url').slice(0, 22);
}

/** Loads (or creates) the signing key in `secretsDir`. */
export async function loadSessionKey(secretsDir: string): Promise<Buffer> {
  await mkdir(secretsDir, { recursive: true, mode: 0o700 });
  const path = join(secretsDir, SESSION_KEY_FILE);
  try {
    const kept = Buffer.from((await readFile(path, 'utf8')).trim(), 'base64url');
    if (kept.length >= 32) return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const key = randomBytes(32);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, key.toString('base64url') + '\n', { mode: 0o600 });
  await rename(tmp, path);
  return key;
}

export class SessionStore {
  private readonly revoked = new Map<string, number>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly key: Buffer,
    private readonly secretsDir: string | null,
    private readonly clock: Clock,
  ) {}

  /** `secretsDir` null: key given, revocations in memory only (tests). */
  static async open(options: { secretsDir: string | null; key?: Buffer; clock?: Clock }): Promise<SessionStore> {
    const clock = options.clock ?? Date.now;
    const key = options.key ?? (options.secretsDir ? await loadSessionKey(options.secretsDir) : randomBytes(32));
    const store = new SessionStore(key, options.secretsDir, clock);
    if (options.secretsDir) await store.loadRevoked();
    return store;
  }

  private sign(data: string): string {
    return createHmac('sha256', this.key).update(data).digest('base64url');
  }

  issue(who: { kind: 'admin' | 'user'; name: string; fp: string }, ttlMs: number): { token: string; payload: SessionPayload } {
    const now = this.clock();
    const payload: SessionPayload = { v: 1, sid: randomBytes(16).toString('base64url'), ...who, iat: now, exp: now + ttlMs };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, payload };
  }

  /** The payload of a valid, unexpired, unrevoked token; null otherwise. */
  verify(token: string | undefined): SessionPayload | null {
    if (!token || token.length > MAX_TOKEN_CHARS) return null;
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const body = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const want = Buffer.from(this.sign(body), 'base64url');
    if (given.length !== want.length || !timingSafeEqual(given, want)) return null;
    let payload: SessionPayload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as SessionPayload;
    } catch {
      return null;
    }
    if (payload.v !== 1 || typeof payload.sid !== 'string' || typeof payload.exp !== 'number') return null;
    if (payload.exp <= this.clock()) return null;
    if (this.revoked.has(payload.sid)) return null;
    return payload;
  }

  /** Ends a session for good (persisted when a secrets dir is set). */
  async revoke(payload: SessionPayload): Promise<void> {
    this.prune();
    this.revoked.set(payload.sid, payload.exp);
    if (this.revoked.size > MAX_REVOKED) {
      const soonest = [...this.revoked.entries()].sort((a, b) => a[1] - b[1]).slice(0, this.revoked.size - MAX_REVOKED);
      for (const [sid] of soonest) this.revoked.delete(sid);
    }
    await this.save();
  }

  private prune(): void {
    const now = this.clock();
    for (const [sid, exp] of this.revoked) if (exp <= now) this.revoked.delete(sid);
  }

  private async loadRevoked(): Promise<void> {
    try {
      const data = JSON.parse(await readFile(join(this.secretsDir!, REVOKED_FILE), 'utf8')) as Record<string, number>;
      for (const [sid, exp] of Object.entries(data)) if (typeof exp === 'number') this.revoked.set(sid, exp);
      this.prune();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
    }
  }

  private save(): Promise<void> {
    if (!this.secretsDir) return Promise.resolve();
    const dir = this.secretsDir;
    // Serialised: each save writes the whole current set (temp file + rename, so a crash leaves the old or new one).
    this.saving = this.saving.then(async () => {
      const path = join(dir, REVOKED_FILE);
      const tmp = `${path}.tmp-${process.pid}`;
      await writeFile(tmp, JSON.stringify(Object.fromEntries(this.revoked)), { mode: 0o600 });
      await rename(tmp, path);
    });
    return this.saving;
  }
}
