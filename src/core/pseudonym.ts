import { createHmac, randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * user_id pseudonyms (config privacy.pseudonymizeUserId; docs/privacy.md). One function, so that the collector's
 * enrichment and `clicklake forget --user-id` hash the same way: HMAC-SHA256(key, user_id), lower-case hex.
 *
 * The key is `privacy.userIdKey` when set, else a random 32-byte key (64 hex characters) generated once and kept in
 * `<dataDir>/secrets/user-id-key` (mode 0600). Losing the key makes the stored pseudonyms unlinkable to user ids
 * (forget --user-id can no longer find them); changing it splits every user in two.
 */
export function pseudonymizeUserId(key: string, userId: string): string {
  return createHmac('sha256', key).update(userId, 'utf8').digest('hex');
}

/** Where the generated key lives. */
export function userIdKeyPath(dataDir: string): string {
  return join(dataDir, 'secrets', 'user-id-key');
}

/** The configured key, else the one kept in the data dir (created on first use, atomically, mode 0600). */
export async function loadUserIdKey(dataDir: string, configured?: string): Promise<string> {
  if (configured !== undefined) return configured;
  return readOrCreateSecret(userIdKeyPath(dataDir));
}

/**
 * A secret kept in a file (hex text): read it, or create it with 32 random bytes. Written to a temp file (0600),
 * fsynced and renamed, so a crash never leaves a partial secret; the secrets dir is 0700.
 */
export async function readOrCreateSecret(path: string): Promise<string> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    if (text.length >= 32) return text;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  const secret = randomBytes(32).toString('hex');
  const tmp = `${path}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(secret + '\n');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  return secret;
}
