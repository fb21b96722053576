import { copyFile, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/**
 * Durable filesystem steps for the local store: a rename is only durable once the directory holding the new entry is
 * fsynced, and a new directory only once its parent is.
 */

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

export function isMissing(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** fsync of a file or directory by path. Filesystems that cannot fsync a directory (EINVAL) are tolerated. */
export async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch (err) {
    if (errorCode(err) !== 'EINVAL' && errorCode(err) !== 'ENOTSUP') throw err;
  } finally {
    await handle.close();
  }
}

/** mkdir -p that also fsyncs the parent of every directory it created. */
export async function mkdirDurable(dir: string): Promise<void> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return;
  // `first` is the top-most directory created; fsync its parent and every created directory except `dir` itself
  // (each of those gained one new entry). `dir` is fsynced by the caller after it adds its own entry.
  const parents: string[] = [];
  for (let d = dir; d !== first; d = dirname(d)) parents.push(dirname(d));
  parents.push(dirname(first));
  for (const p of parents.reverse()) await fsyncPath(p);
}

/**
 * Moves `source` to `target` durably: fsync source, rename (or copy across filesystems), fsync target's directory.
 * `tempName` names the intermediate file used when a rename is impossible (EXDEV).
 */
export async function moveDurable(source: string, target: string, tempName: string): Promise<void> {
  const dir = dirname(target);
  await fsyncPath(source);
  await mkdirDurable(dir);
  try {
    await rename(source, target);
  } catch (err) {
    if (errorCode(err) !== 'EXDEV') throw err;
    const temp = join(dir, tempName);
    try {
      await copyFile(source, temp);
      await fsyncPath(temp);
      await rename(temp, target);
    } catch (copyErr) {
      await unlink(temp).catch(() => undefined);
      throw copyErr;
    }
    await unlink(source).catch(() => undefined);
  }
  await fsyncPath(dir);
}

/** Writes `data` to `target` durably through a temp file in the same directory. */
export async function writeDurable(target: string, data: Uint8Array, tempName: string): Promise<void> {
  const dir = dirname(target);
  await mkdirDurable(dir);
  const temp = join(dir, tempName);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncPath(dir);
}
