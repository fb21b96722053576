import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes for auth.users, made by `clicklake hash-password`. Self-describing format:
 *   scrypt$<N>$<r>$<p>$<salt, base64url>$<derived key, base64url>
 * so the cost can be raised later without breaking existing hashes. Verification is constant-time; parameters
 * read from a hash are bounded (a config cannot make one login allocate gigabytes).
 */
export const SCRYPT_DEFAULTS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
const MAX_N = 2 ** 20;
const MAX_R = 32;
const MAX_P = 16;
/** Longest password accepted (bytes of UTF-8): bounds the work of a login. */
export const MAX_PASSWORD_BYTES = 1024;

function derive(password: string, salt: Buffer, keylen: number, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 256 * o.N * o.r + 16 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(password.normalize('NFC'), salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string, params: { N: number; r: number; p: number } = SCRYPT_DEFAULTS): Promise<string> {
  if (password.length === 0) throw new Error('the password is empty');
  if (Buffer.byteLength(password) > MAX_PASSWORD_BYTES) throw new Error(`the password is longer than ${MAX_PASSWORD_BYTES} bytes`);
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, KEY_BYTES, params);
  return ['scrypt', params.N, params.r, params.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

interface Parsed {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

/** Parses a hash string; null when it is not one this module made (or has out-of-bounds parameters). */
export function parsePasswordHash(hash: string): Parsed | null {
  const parts = hash.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return null;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,8}$/.test(x!) ? Number(x) : NaN)) as [number, number, number];
  if (!(N >= 2 && N <= MAX_N && (N & (N - 1)) === 0 && r >= 1 && r <= MAX_R && p >= 1 && p <= MAX_P)) return null;
  const salt = Buffer.from(parts[4]!, 'base64url');
  const key = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { N, r, p, salt, key };
}

export function isPasswordHash(hash: string): boolean {
  return parsePasswordHash(hash) !== null;
}

/** Dummy hash to spend the same time on unknown user names. */
let dummy: Promise<string> | null = null;

/** True when `password` matches `hash` (constant-time compare). A malformed hash never matches. */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  if (hash === null) {
    dummy ??= hashPassword('not a password');
    await verifyPassword(password, await dummy);
    return false;
  }
  const parsed = parsePasswordHash(hash);
  if (parsed === null || Buffer.byteLength(password) > MAX_PASSWORD_BYTES) return false;
  const key = await derive(password, parsed.salt, parsed.key.length, parsed);
  return timingSafeEqual(key, parsed.key);
}
