import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type {
  BufferBatch,
  BufferCheckpoint,
  BufferStats,
  Logger,
  TailCursor,
  TailRead,
} from '../../core/ports.js';
import { decodeHeader, decodeRecords, HEADER_BYTES, parseSegmentFileName } from './format.js';
import { isNotFound } from './io.js';
import type { SpoolIo } from './io.js';
import { createSpoolMetrics } from './metrics.js';
import { checkpointSegment, tailPosition, tailStart } from './segments.js';
import type { Spool } from './spool.js';

/** What a read-only spool knows about a segment another process owns. */
interface SeenSegment {
  readonly id: number;
  readonly path: string;
  /** Size at the last stat. */
  size: number;
  /** Null until the header was read and found valid. */
  createdMs: number | null;
  /** The header is invalid although records follow it: skipped until the writer's recovery sets it aside. */
  bad: boolean;
  /** End of the valid records counted so far (a record boundary), and how many there are. */
  countedEnd: number;
  records: number;
}

export interface ReadOnlyDeps {
  readonly dir: string;
  readonly io: SpoolIo;
  readonly logger: Logger;
  readonly registry?: Registry;
}

/**
 * A spool attached to a directory a server may be writing right now (`clicklake query`). It never writes, truncates
 * or creates anything; it reads each segment up to its last complete valid record (which, for the writer's active
 * segment, may include records whose fdatasync is still running). Its stats count the records this reader has
 * decoded so far; bytes and segments come from the last directory listing.
 */
export async function openReadOnlySpool(deps: ReadOnlyDeps): Promise<Spool> {
  const spool = new ReadOnlySpool(deps);
  await spool.refresh(true);
  if (deps.registry) {
    createSpoolMetrics(deps.registry, () => {
      const s = spool.stats();
      return { bytes: s.bytes, segments: s.segments };
    });
  }
  return spool;
}

function readOnlyError(method: string): Error {
  return new Error(`spool opened read-only: ${method} is not available`);
}

class ReadOnlySpool implements Spool {
  readonly kind = 'spool' as const;
  readonly readOnly = true;
  readonly dir: string;
  private segments: SeenSegment[] = [];

  constructor(private readonly deps: ReadOnlyDeps) {
    this.dir = deps.dir;
  }

  append(): Promise<void> {
    return Promise.reject(readOnlyError('append'));
  }

  poll(): Promise<BufferBatch | null> {
    return Promise.reject(readOnlyError('poll'));
  }

  commit(): Promise<void> {
    return Promise.reject(readOnlyError('commit'));
  }

  /** Re-lists the directory, keeping what is known about segments still there; sizes are stat'ed when asked. */
  async refresh(statAll: boolean): Promise<void> {
    const known = new Map(this.segments.map((s) => [s.id, s]));
    const next: SeenSegment[] = [];
    for (const name of await this.deps.io.list(this.dir)) {
      const id = parseSegmentFileName(name);
      if (id === null) continue;
      next.push(
        known.get(id) ?? { id, path: join(this.dir, name), size: 0, createdMs: null, bad: false, countedEnd: HEADER_BYTES, records: 0 },
      );
    }
    next.sort((a, b) => a.id - b.id);
    this.segments = next;
    if (!statAll) return;
    for (const s of next) {
      try {
        s.size = await this.deps.io.size(s.path);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
  }

  async readUncommitted(after: BufferCheckpoint | null, cursor: TailCursor | null): Promise<TailRead> {
    const afterId = checkpointSegment(after);
    let pos = tailPosition(cursor);
    await this.refresh(false);
    const payloads: string[] = [];
    for (const segment of this.segments) {
      if (segment.id <= afterId) continue;
      const from = tailStart(segment.id, pos);
      if (from === null) continue;
      const decoded = await this.readFrom(segment, from);
      if (!decoded) continue;
      for (const p of decoded.payloads) payloads.push(p);
      if (decoded.end > from) pos = { segment: segment.id, offset: decoded.end };
    }
    return { payloads, cursor: { segment: pos.segment, offset: pos.offset } };
  }

  /** Valid records of `segment` from `from` to its current end; null when there is nothing (new) to read. */
  private async readFrom(segment: SeenSegment, from: number) {
    const { io } = this.deps;
    if (segment.bad) return null;
    let bytes: Buffer;
    try {
      segment.size = await io.size(segment.path);
      if (segment.size <= from) return null; // nothing new: one stat, no read
      const start = segment.createdMs === null ? 0 : from;
      bytes = await io.read(segment.path, start, segment.size);
      if (start === 0) {
        const header = decodeHeader(bytes);
        if (!header) {
          // Being created (the header is one 16-byte write), or bad: the writer's recovery will set it aside.
          segment.bad = bytes.length > HEADER_BYTES;
          return null;
        }
        segment.createdMs = header.createdMs;
        bytes = bytes.subarray(from);
      }
    } catch (err) {
      if (isNotFound(err)) return null; // committed meanwhile
      throw err;
    }
    // Stops at the first incomplete or invalid record: a write in progress, or a torn tail left for recovery.
    const decoded = decodeRecords(bytes, from);
    if (decoded.end > segment.countedEnd && from <= segment.countedEnd) {
      const fresh = decodeRecords(bytes.subarray(segment.countedEnd - from), segment.countedEnd, false);
      segment.records += fresh.records;
      segment.countedEnd = fresh.end;
    }
    return decoded;
  }

  stats(): BufferStats {
    let bytes = 0;
    let pendingRecords = 0;
    let oldestPendingMs: number | null = null;
    for (const s of this.segments) {
      bytes += s.size;
      pendingRecords += s.records;
      if (oldestPendingMs === null && s.records > 0) oldestPendingMs = s.createdMs;
    }
    return { bytes, segments: this.segments.length, pendingRecords, oldestPendingMs };
  }

  async close(): Promise<void> {
    this.segments = [];
  }
}
