import { randomBytes, createHash, timingSafeEqual } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';

/** File in the data dir that keeps the generated admin token between restarts. */
export const ADMIN_TOKEN_FILE = 'admin-token';

/**
 * The admin token: the configured one, else the one kept in `<dataDir>/admin-token`, else a new random one written
 * there (mode 0600). `generated` tells the caller to print it.
 */
export async function resolveAdminToken(
  dataDir: string,
  configured: string | undefined,
): Promise<{ token: string; source: 'config' | 'file' | 'generated'; path: string }> {
  const path = join(dataDir, ADMIN_TOKEN_FILE);
  if (configured) return { token: configured, source: 'config', path };
  try {
    const kept = (await readFile(path, 'utf8')).trim();
    if (kept.length >= 16) return { token: kept, source: 'file', path };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const token = randomBytes(24).toString('base64url');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path, token + '\n', { mode: 0o600 });
  return { token, source: 'generated', path };
}

/** Constant-time check of an `Authorization: Bearer <token>` header. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header || !header.startsWith('Bearer ')) return false;
  const given = createHash('sha256').update(header.slice(7).trim()).digest();
  const want = createHash('sha256').update(token).digest();
  return timingSafeEqual(given, want);
}
