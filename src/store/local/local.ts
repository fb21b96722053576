import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { ObjectStore, StoredObject } from '../../core/ports.js';
import { assertValidKey, assertValidPrefix, compareKeys, InvalidObjectKeyError } from '../keys.js';
import { fsyncPath, isMissing, moveDurable, writeDurable } from './durable.js';

/**
 * The ObjectStore on a local directory (`<data-dir>/lake/`). Keys map to paths under the root.
 *
 * Atomicity and durability: a put writes a temp file in the target's directory (or renames the caller's file), fsyncs
 * it, renames it over the key and fsyncs the directory, so a reader sees the old or the new object, never a part, and
 * a resolved put survives a power loss. Temp files are named `.clk-tmp-*`: hidden from `list`, and ignored by engines
 * that glob the lake (`*.parquet`, and pyarrow/Spark skip names starting with '.'). Because names starting with '.'
 * are hidden, keys with such a segment are rejected here, so everything put can be listed.
 */
export const LOCAL_TEMP_PREFIX = '.clk-tmp-';

function tempName(): string {
  return `${LOCAL_TEMP_PREFIX}${randomBytes(8).toString('hex')}`;
}

function assertLocalKey(key: string): void {
  assertValidKey(key);
  if (key.split('/').some((s) => s.startsWith('.'))) {
    throw new InvalidObjectKeyError(key, "segment starting with '.' (reserved for temp files)");
  }
}

export function createLocalStore(rootDir: string): ObjectStore {
  const root = resolve(rootDir);
  const pathOf = (key: string): string => {
    assertLocalKey(key);
    return join(root, ...key.split('/'));
  };

  /** Appends the objects under directory `dirKey` ('' or ending in '/') whose key starts with `prefix`. */
  async function walk(dirKey: string, prefix: string, out: StoredObject[]): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(join(root, ...dirKey.split('/').filter(Boolean)), { withFileTypes: true });
    } catch (err) {
      if (isMissing(err)) return;
      throw err;
    }
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      if (entry.isDirectory()) {
        const childKey = `${dirKey}${entry.name}/`;
        if (childKey.startsWith(prefix) || prefix.startsWith(childKey)) await walk(childKey, prefix, out);
      } else if (entry.isFile()) {
        const key = dirKey + entry.name;
        if (!key.startsWith(prefix)) continue;
        try {
          out.push({ key, size: (await stat(join(root, ...key.split('/')))).size });
        } catch (err) {
          if (!isMissing(err)) throw err; // deleted while listing
        }
      }
    }
  }

  return {
    kind: 'local',

    async putFile(key: string, sourcePath: string): Promise<void> {
      await moveDurable(sourcePath, pathOf(key), tempName());
    },

    async putBytes(key: string, data: Uint8Array): Promise<void> {
      await writeDurable(pathOf(key), data, tempName());
    },

    async getBytes(key: string): Promise<Uint8Array | null> {
      try {
        return await readFile(pathOf(key));
      } catch (err) {
        if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return null;
        throw err;
      }
    },

    async delete(key: string): Promise<void> {
      const path = pathOf(key);
      try {
        await unlink(path);
      } catch (err) {
        if (isMissing(err)) return;
        throw err;
      }
      await fsyncPath(dirname(path));
    },

    async list(prefix: string): Promise<StoredObject[]> {
      assertValidPrefix(prefix);
      const slash = prefix.lastIndexOf('/');
      const out: StoredObject[] = [];
      await walk(slash < 0 ? '' : prefix.slice(0, slash + 1), prefix, out);
      return out.sort((a, b) => compareKeys(a.key, b.key));
    },

    localPath(key: string): string {
      return pathOf(key);
    },
  };
}
