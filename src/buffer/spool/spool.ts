/**
 * The local spool: the EventBuffer on the collector's own disk (docs/spool.md).
 *
 * Design constraints
 *
 * 1. What a resolved append promises. `append` resolves only after every byte of its records was written and
 *    fdatasync'ed (group commit: concurrent callers share one write and one fdatasync). A rejected append left
 *    nothing readable: readers never read past a segment's last fsynced offset, and the failed bytes are cut off.
 *    Rejections are ClicklakeErrors with retryAfter: CLK_ERR_BUFFER_FULL (size bound reached, ENOSPC),
 *    CLK_ERR_BUFFER_UNAVAILABLE (EIO, fsync failure), CLK_ERR_SHUTTING_DOWN (after close).
 * 2. Format. `<dir>/<20-digit id>.seg`, ids strictly increasing and never reused (a `.corrupt` file keeps its id).
 *    16-byte header ("CLKSPL01", creation ms u64 LE), then records [u32 LE length > 0][u32 LE crc32c][UTF-8 payload]
 *    (format.ts). Exactly one segment is active (appended to); all others are sealed and immutable.
 * 3. What a crash can leave. A torn tail in any segment (a write that was never acknowledged), a segment file that is
 *    empty or has a partial header (crash while creating it), or bytes of a rejected write that could not be cut off
 *    (after a failed fsync they may be valid records that recovery keeps: the client retried, so at-least-once).
 *    Never a gap inside acknowledged data: records are written in order and acknowledged only after fdatasync.
 * 4. How recovery restores it (recovery.ts, at every read-write open). Every segment is scanned; at the first torn
 *    or corrupt record the file is truncated there (logged with file/offset/bytes, counted in
 *    clicklake_spool_corrupt_records_total and _truncated_bytes_total). A bad header sets the file aside as
 *    `.corrupt` (an empty one is removed). Nothing found in the data is fatal, and a repair that fails is logged
 *    (readers still stop at the valid end); only a segment that cannot be read at all fails the start, rather than
 *    dropping acknowledged records silently. Recovered segments are sealed; each start opens a new
 *    active segment, so a recovered file is never appended to. Bytes after a corrupt record in the middle of a
 *    segment (bit rot) are lost with the tail: the format has no resync marker.
 * 5. Who creates and deletes files. Only a read-write spool instance, one per directory: the appender creates
 *    segments (header fsynced, then the directory fsynced); commit deletes segments <= the checkpoint, never the
 *    active one (then fsyncs the directory); recovery truncates, renames and removes. The newest segment file is
 *    never deleted (commit opens a newer active one first): it carries the id high-water mark across restarts, so
 *    a new segment can never get an id a stored checkpoint already covers. A read-only instance (the
 *    query CLI next to a running server) never writes and tolerates files vanishing under it.
 * 6. Bounds. A segment is sealed once it passes segmentBytes (so it holds at most segmentBytes plus one group
 *    commit). Appends are refused while the spool holds >= maxBytes, a soft bound: one group commit may cross it.
 *    Poll hands out whole segments, at least one even if it exceeds the limits, so a consumer must accept a batch
 *    of up to segmentBytes plus one group commit. Payloads must be non-empty strings.
 *    Poll reads each segment into one Buffer and returns its payloads as CRC-checked views into it (no UTF-8
 *    decoding, no copy): a batch's memory is its segments' size, released when the consumer drops the views.
 * 7. Consumer positions. A checkpoint `{ segment: N }` covers every record of segments <= N. A tail cursor
 *    `{ segment, offset }` marks where the previous readUncommitted stopped; reads resume there without rereading.
 */
import type {
  BufferBatch,
  BufferCheckpoint,
  BufferStats,
  Clock,
  EventBuffer,
  Logger,
  TailCursor,
  TailRead,
} from '../../core/ports.js';
import { Registry } from 'prom-client';
import { Appender } from './appender.js';
import { decodeRecords, decodeRecordViews, HEADER_BYTES } from './format.js';
import type { Decoded } from './format.js';
import { isNotFound, nodeSpoolIo } from './io.js';
import type { SpoolIo } from './io.js';
import { createSpoolMetrics } from './metrics.js';
import type { SpoolMetrics } from './metrics.js';
import { openReadOnlySpool } from './readonly.js';
import { recoverSegments } from './recovery.js';
import { checkpointSegment, SegmentTable, tailPosition, tailStart } from './segments.js';
import type { SegmentInfo } from './segments.js';

export interface SpoolOptions {
  readonly dir: string;
  /** config spool.segmentBytes: a segment is sealed once it passes this size. */
  readonly segmentBytes: number;
  /** config spool.maxBytes: appends are refused while the spool holds this much. */
  readonly maxBytes: number;
  /** config spool.retryAfterSeconds: the retryAfter of refusals. */
  readonly retryAfterSeconds: number;
  readonly logger: Logger;
  /** Metrics are registered here; without one they go to a private registry (never the global default). */
  readonly registry?: Registry;
  readonly clock?: Clock;
  readonly io?: SpoolIo;
  /** Tail a directory another process writes: no recovery, no writes; only readUncommitted, stats and close. */
  readonly readOnly?: boolean;
  /** Inserted after `clicklake_` in the metric names ('failed_' for the dead-letter spool); default ''. */
  readonly metricsPrefix?: string;
}

export interface Spool extends EventBuffer {
  readonly kind: 'spool';
  readonly dir: string;
  readonly readOnly: boolean;
}

/** Opens (recovering first) or, with readOnly, attaches to the spool in `options.dir`. */
export async function createSpool(options: SpoolOptions): Promise<Spool> {
  const io = options.io ?? nodeSpoolIo;
  const logger = options.logger; // the composition root names it (logger.child({ stage: 'spool' }))
  if (options.readOnly) return openReadOnlySpool({ dir: options.dir, io, logger, registry: options.registry });
  for (const key of ['segmentBytes', 'maxBytes', 'retryAfterSeconds'] as const) {
    if (!(options[key] > 0)) throw new TypeError(`spool option ${key} must be positive, got ${options[key]}`);
  }
  const table = new SegmentTable(options.dir);
  const metrics = createSpoolMetrics(options.registry ?? new Registry(), () => ({
    bytes: table.bytes,
    segments: table.count,
  }), options.metricsPrefix);
  await io.mkdir(options.dir);
  const recovered = await recoverSegments({ dir: options.dir, io, logger, metrics });
  table.reserveUpTo(recovered.highestId);
  for (const segment of recovered.segments) table.add(segment);
  const appender = new Appender({
    io,
    table,
    logger,
    metrics,
    clock: options.clock ?? Date.now,
    segmentBytes: options.segmentBytes,
    maxBytes: options.maxBytes,
    retryAfterSeconds: options.retryAfterSeconds,
  });
  await appender.start();
  return new LocalSpool(options.dir, io, logger, table, metrics, appender);
}

class LocalSpool implements Spool {
  readonly kind = 'spool' as const;
  readonly readOnly = false;

  constructor(
    readonly dir: string,
    private readonly io: SpoolIo,
    private readonly logger: Logger,
    private readonly table: SegmentTable,
    private readonly metrics: SpoolMetrics,
    private readonly appender: Appender,
  ) {}

  append(payloads: readonly string[]): Promise<void> {
    return this.appender.append(payloads);
  }

  async poll(
    after: BufferCheckpoint | null,
    limits: { maxRecords: number; maxBytes: number },
  ): Promise<BufferBatch | null> {
    const afterId = checkpointSegment(after);
    let pick = this.pick(afterId, limits);
    // Sealing the active segment is only worth it when the sealed ones do not fill the batch already.
    if (!pick.full) {
      await this.appender.sealIfHoldingRecords();
      pick = this.pick(afterId, limits);
    }
    if (pick.segments.length === 0) return null;
    // Each segment is read into one Buffer; the payloads are CRC-checked views into it (no decoding, no copy).
    const payloads: Uint8Array[] = [];
    let bytes = 0;
    for (const segment of pick.segments) {
      const decoded = await this.readSegment(segment, HEADER_BYTES, segment.end, decodeRecordViews);
      if (!decoded) continue;
      for (const p of decoded.payloads) payloads.push(p);
      bytes += decoded.payloadBytes;
    }
    if (payloads.length === 0) return null; // committed concurrently
    return { payloads, bytes, checkpoint: { segment: pick.segments[pick.segments.length - 1].id } };
  }

  /** Sealed segments after `afterId` holding records, whole, within the limits but at least one. */
  private pick(afterId: number, limits: { maxRecords: number; maxBytes: number }) {
    const segments: SegmentInfo[] = [];
    let records = 0;
    let bytes = 0;
    for (const s of this.table.list()) {
      if (!s.sealed || s.id <= afterId || s.records === 0) continue;
      if (segments.length > 0 && (records + s.records > limits.maxRecords || bytes + s.payloadBytes > limits.maxBytes)) {
        return { segments, full: true };
      }
      segments.push(s);
      records += s.records;
      bytes += s.payloadBytes;
    }
    return { segments, full: false };
  }

  async commit(checkpoint: BufferCheckpoint): Promise<void> {
    const upTo = checkpointSegment(checkpoint);
    if (upTo > this.table.highestId) {
      this.logger.warn({ upTo, highestId: this.table.highestId }, 'spool: checkpoint beyond the newest segment');
    }
    if (!this.table.list().some((s) => s.sealed && s.id <= upTo)) return;
    // The newest segment file carries the id high-water mark across restarts: make sure a newer (active) one exists
    // before deleting. Without one (disk full, closed), the newest victim is only forgotten, not deleted.
    await this.appender.ensureActiveSegment();
    const victims = this.table.list().filter((s) => s.sealed && s.id <= upTo);
    const keepLast = victims.length === this.table.count; // no newer file (the active one) would remain
    for (const [i, segment] of victims.entries()) {
      if (!(keepLast && i === victims.length - 1)) {
        try {
          await this.io.unlink(segment.path);
        } catch (err) {
          if (!isNotFound(err)) throw err;
        }
      }
      this.table.remove(segment.id);
    }
    await this.io.syncDir(this.dir);
    this.logger.debug({ upTo, deleted: victims.length - (keepLast ? 1 : 0) }, 'spool: committed');
  }

  async readUncommitted(after: BufferCheckpoint | null, cursor: TailCursor | null): Promise<TailRead> {
    const afterId = checkpointSegment(after);
    let pos = tailPosition(cursor);
    const payloads: string[] = [];
    for (const segment of this.table.list()) {
      if (segment.id <= afterId) continue;
      const from = tailStart(segment.id, pos);
      const to = segment.end; // durable end, taken before any await
      if (from === null || from >= to) continue; // nothing new: no I/O
      const decoded = await this.readSegment(segment, from, to, decodeRecords);
      if (!decoded) continue;
      for (const p of decoded.payloads) payloads.push(p);
      if (decoded.end > from) pos = { segment: segment.id, offset: decoded.end };
    }
    return { payloads, cursor: { segment: pos.segment, offset: pos.offset } };
  }

  /** Decodes [from, to) of a segment; null when it was deleted meanwhile (committed concurrently). */
  private async readSegment<T>(
    segment: SegmentInfo,
    from: number,
    to: number,
    decode: (bytes: Buffer, base: number) => Decoded<T>,
  ): Promise<Decoded<T> | null> {
    let bytes: Buffer;
    try {
      bytes = await this.io.read(segment.path, from, to);
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
    const decoded = decode(bytes, from);
    if (decoded.problem !== null || bytes.length < to - from) {
      // Recovery validated these bytes and they are immutable: this is damage after the fact (or outside meddling).
      this.metrics.corruptRecords.inc();
      this.logger.error(
        { file: segment.path, offset: decoded.end, reason: decoded.problem ?? 'file shorter than expected' },
        'spool: acknowledged records became unreadable; returning the readable prefix',
      );
    }
    return decoded;
  }

  stats(): BufferStats {
    return this.table.stats();
  }

  close(): Promise<void> {
    return this.appender.close();
  }
}
