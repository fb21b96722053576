import { join } from 'node:path';
import type { BufferCheckpoint, BufferStats, TailCursor } from '../../core/ports.js';
import { HEADER_BYTES, segmentFileName } from './format.js';

/** What the spool knows about one segment file; the single in-memory view shared by appender, poll and tail. */
export interface SegmentInfo {
  readonly id: number;
  readonly path: string;
  /** Creation time from the header (epoch ms). */
  readonly createdMs: number;
  /**
   * Bytes readers may read: the last fsynced offset while active, the end of the last valid record once sealed.
   * Bytes past it (a rejected write that could not be cut off) are never read.
   */
  end: number;
  records: number;
  payloadBytes: number;
  /** When its first record was appended (recovered segments: the header's creation time); null while empty. */
  firstRecordMs: number | null;
  /** Sealed segments never change again; only the active one is unsealed. */
  sealed: boolean;
}

/** The segments of one spool directory in id order, with running totals. */
export class SegmentTable {
  private readonly byId = new Map<number, SegmentInfo>();
  private totalBytes = 0;
  private nextId = 1;
  /** Keeps the Map's insertion order equal to id order. */
  private highestAdded = 0;

  constructor(readonly dir: string) {}

  /** Makes sure future ids are above `id` (ids seen on disk, including ones set aside as corrupt). */
  reserveUpTo(id: number): void {
    if (id >= this.nextId) this.nextId = id + 1;
  }

  /** A new, not yet added, active segment with the next id. */
  allocate(createdMs: number): SegmentInfo {
    const id = this.nextId++;
    return {
      id,
      path: join(this.dir, segmentFileName(id)),
      createdMs,
      end: HEADER_BYTES,
      records: 0,
      payloadBytes: 0,
      firstRecordMs: null,
      sealed: false,
    };
  }

  add(segment: SegmentInfo): void {
    if (segment.id <= this.highestAdded) throw new Error(`spool segment ${segment.id} added after ${this.highestAdded}`);
    this.highestAdded = segment.id;
    this.byId.set(segment.id, segment);
    this.reserveUpTo(segment.id);
    this.totalBytes += segment.end;
  }

  remove(id: number): void {
    const segment = this.byId.get(id);
    if (!segment) return;
    this.byId.delete(id);
    this.totalBytes -= segment.end;
  }

  /** Records a durable append to `segment`. */
  grow(segment: SegmentInfo, bytes: number, records: number, payloadBytes: number, now: number): void {
    segment.end += bytes;
    segment.records += records;
    segment.payloadBytes += payloadBytes;
    if (segment.firstRecordMs === null && records > 0) segment.firstRecordMs = now;
    this.totalBytes += bytes;
  }

  /** Segments in id order (a snapshot; safe to iterate across awaits). */
  list(): SegmentInfo[] {
    return [...this.byId.values()];
  }

  /** The highest id handed out so far (0 before any). */
  get highestId(): number {
    return this.nextId - 1;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get count(): number {
    return this.byId.size;
  }

  stats(): BufferStats {
    let pendingRecords = 0;
    let oldestPendingMs: number | null = null;
    for (const s of this.byId.values()) {
      pendingRecords += s.records;
      if (oldestPendingMs === null && s.records > 0) oldestPendingMs = s.firstRecordMs ?? s.createdMs;
    }
    return { bytes: this.totalBytes, segments: this.byId.size, pendingRecords, oldestPendingMs };
  }
}

function nonNegativeInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new TypeError(`spool ${what} must be a non-negative integer, got ${String(value)}`);
  }
  return value;
}

/** The segment id a spool checkpoint `{ segment: N }` covers up to; 0 (nothing) for null. */
export function checkpointSegment(checkpoint: BufferCheckpoint | null): number {
  return checkpoint === null ? 0 : nonNegativeInteger(checkpoint['segment'], 'checkpoint.segment');
}

export interface TailPosition {
  readonly segment: number;
  readonly offset: number;
}

/** A spool tail cursor `{ segment, offset }`: everything before `offset` in `segment` was returned already. */
export function tailPosition(cursor: TailCursor | null): TailPosition {
  if (cursor === null) return { segment: 0, offset: 0 };
  return {
    segment: nonNegativeInteger(cursor['segment'], 'cursor.segment'),
    offset: nonNegativeInteger(cursor['offset'], 'cursor.offset'),
  };
}

/** Where reading `segmentId` starts for a tail read at `pos`, or null when the segment is behind the cursor. */
export function tailStart(segmentId: number, pos: TailPosition): number | null {
  if (segmentId < pos.segment) return null;
  return segmentId === pos.segment ? Math.max(pos.offset, HEADER_BYTES) : HEADER_BYTES;
}
