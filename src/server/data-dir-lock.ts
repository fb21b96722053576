import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export const LOCK_FILE = 'server.lock';

/** Data dirs locked by this process: a lock file naming our own pid is ours only if listed here (in a container
 * a restarted server often gets the same pid as the crashed one). */
const held = new Set<string>();

/**
 * One server per data dir: two would interleave spool segments and commit over each other. The lock is a file
 * created with O_EXCL holding the owner's pid; a lock whose pid no longer runs (a crash, kill -9) is taken over.
 * `clicklake query` never takes it: it only reads.
 */
export async function lockDataDir(dataDir: string, pid = process.pid): Promise<{ release(): Promise<void> }> {
  const path = join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(path, 'wx', 0o600);
      await handle.writeFile(`${pid}\n`);
      await handle.sync();
      await handle.close();
      held.add(path);
      return {
        release: async () => {
          held.delete(path);
          await unlink(path).catch(() => undefined);
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      const ours = owner === pid && held.has(path);
      if (ours || (Number.isInteger(owner) && owner > 0 && owner !== pid && isRunning(owner))) {
        throw new Error(`data dir ${dataDir} is in use by another Clicklake server (pid ${owner}); stop it or use another --data-dir`);
      }
      await unlink(path).catch(() => undefined); // stale: its owner is gone
    }
  }
  throw new Error(`could not lock data dir ${dataDir} (${path})`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The pid of a live server holding the data dir's lock, or null (no lock, or a stale one). Never takes the lock. */
export async function lockOwner(dataDir: string): Promise<number | null> {
  const owner = Number((await readFile(join(dataDir, LOCK_FILE), 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(owner) || owner <= 0) return null;
  if (owner === process.pid) return held.has(join(dataDir, LOCK_FILE)) ? owner : null;
  return isRunning(owner) ? owner : null;
}
