import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/**
 * The file operations the spool performs, injectable so tests can fail any of them (ENOSPC on write, EIO on fsync)
 * without patching `fs`. `nodeSpoolIo` is the real implementation. Errors keep Node's `code` (ENOENT, ENOSPC, EIO...).
 */
export interface SpoolFile {
  /** Writes all of `data` at `position` (loops over short writes). */
  write(data: Uint8Array, position: number): Promise<void>;
  /** fdatasync: the written bytes and the file size are on stable storage when it resolves. */
  sync(): Promise<void>;
  /** ftruncate. */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface SpoolIo {
  /** mkdir -p. */
  mkdir(dir: string): Promise<void>;
  /** File names in `dir`; an empty list when `dir` does not exist. */
  list(dir: string): Promise<string[]>;
  /** Creates a new file, failing when it exists (O_CREAT|O_EXCL), open for writing. */
  create(path: string): Promise<SpoolFile>;
  /** Bytes [start, end) of a file (end omitted: to its current end); shorter if the file is shorter. */
  read(path: string, start: number, end?: number): Promise<Buffer>;
  /** Current size in bytes. */
  size(path: string): Promise<number>;
  /** Truncates a closed file to `length` and fsyncs it. */
  truncate(path: string, length: number): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  /** fsyncs a directory so that creations, renames and deletions in it are durable. */
  syncDir(dir: string): Promise<void>;
}

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function isNotFound(err: unknown): boolean {
  return errorCode(err) === 'ENOENT';
}

class NodeSpoolFile implements SpoolFile {
  constructor(private readonly handle: FileHandle) {}

  async write(data: Uint8Array, position: number): Promise<void> {
    let done = 0;
    while (done < data.length) {
      const { bytesWritten } = await this.handle.write(data, done, data.length - done, position + done);
      if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
      done += bytesWritten;
    }
  }

  sync(): Promise<void> {
    return this.handle.datasync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

async function readRange(path: string, start: number, end?: number): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const stop = end ?? (await handle.stat()).size;
    const want = Math.max(0, stop - start);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await handle.read(buf, got, want - got, start + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return got === want ? buf : buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/** Directory fsync is not supported everywhere (Windows); those errors mean "nothing to do". */
const DIR_SYNC_UNSUPPORTED = new Set(['EISDIR', 'EINVAL', 'EPERM', 'ENOTSUP']);

export const nodeSpoolIo: SpoolIo = {
  async mkdir(dir) {
    await mkdir(dir, { recursive: true });
  },
  async list(dir) {
    try {
      return await readdir(dir);
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  },
  async create(path) {
    return new NodeSpoolFile(await open(path, 'wx'));
  },
  read: readRange,
  async size(path) {
    return (await stat(path)).size;
  },
  async truncate(path, length) {
    const handle = await open(path, 'r+');
    try {
      await handle.truncate(length);
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
  rename,
  unlink,
  async syncDir(dir) {
    let handle: FileHandle;
    try {
      handle = await open(dir, 'r');
    } catch (err) {
      if (DIR_SYNC_UNSUPPORTED.has(errorCode(err) ?? '')) return;
      throw err;
    }
    try {
      await handle.sync();
    } catch (err) {
      if (!DIR_SYNC_UNSUPPORTED.has(errorCode(err) ?? '')) throw err;
    } finally {
      await handle.close();
    }
  },
};
