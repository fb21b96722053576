import { join } from 'node:path';
import type { Logger } from '../../core/ports.js';
import { decodeHeader, decodeRecords, HEADER_BYTES, parseSegmentFileName, segmentIdOfAnyName } from './format.js';
import type { SpoolIo } from './io.js';
import type { SpoolMetrics } from './metrics.js';
import type { SegmentInfo } from './segments.js';

export interface RecoveryDeps {
  readonly dir: string;
  readonly io: SpoolIo;
  readonly logger: Logger;
  readonly metrics: Pick<SpoolMetrics, 'corruptRecords' | 'truncatedBytes'>;
}

export interface Recovered {
  /** Valid segments in id order, all sealed, each ending at its last valid record. */
  readonly segments: SegmentInfo[];
  /** Highest id any segment file ever used here (valid, corrupt or removed); new ids go above it. */
  readonly highestId: number;
}

/**
 * Startup recovery of a spool directory (never in read-only mode). Every segment is scanned in full; at the first
 * torn or corrupt record the file is truncated there, and a segment whose file header is bad is set aside as
 * `<name>.corrupt` (removed when empty). Each problem is logged with file/offset/bytes and counted; none is fatal.
 * Record-less segments other than the newest are deleted (the newest keeps the id high-water mark on disk).
 */
export async function recoverSegments(deps: RecoveryDeps): Promise<Recovered> {
  const { dir, io, logger, metrics } = deps;
  const names = await io.list(dir);
  let highestId = 0;
  const live: { id: number; name: string }[] = [];
  for (const name of names) {
    const anyId = segmentIdOfAnyName(name);
    if (anyId !== null && anyId > highestId) highestId = anyId;
    const id = parseSegmentFileName(name);
    if (id !== null) live.push({ id, name });
  }
  live.sort((a, b) => a.id - b.id);

  let dirChanged = false;
  const segments: SegmentInfo[] = [];
  for (const { id, name } of live) {
    const path = join(dir, name);
    const bytes = await io.read(path, 0);
    const header = decodeHeader(bytes);
    if (!header) {
      if (bytes.length === 0) {
        await attempt(logger, path, 'remove', () => io.unlink(path));
        logger.warn({ file: path }, 'spool: removed an empty segment file (crash while creating it)');
      } else {
        await attempt(logger, path, 'set aside', () => io.rename(path, `${path}.corrupt`));
        logger.warn(
          { file: path, offset: 0, bytesDropped: bytes.length, renamedTo: `${path}.corrupt` },
          'spool: segment has a bad file header; set it aside',
        );
        metrics.truncatedBytes.inc(bytes.length);
      }
      metrics.corruptRecords.inc();
      dirChanged = true;
      continue;
    }
    const decoded = decodeRecords(bytes.subarray(HEADER_BYTES), HEADER_BYTES, false);
    if (decoded.problem !== null) {
      const dropped = bytes.length - decoded.end;
      // Should the cut fail, readers still stop at decoded.end (the segment is sealed and never appended to).
      await attempt(logger, path, 'truncate', () => io.truncate(path, decoded.end));
      logger.warn(
        { file: path, offset: decoded.end, bytesDropped: dropped, reason: decoded.problem, recordsKept: decoded.records },
        'spool: torn or corrupt record; truncated the segment there',
      );
      metrics.corruptRecords.inc();
      metrics.truncatedBytes.inc(dropped);
    }
    segments.push({
      id,
      path,
      createdMs: header.createdMs,
      end: decoded.end,
      records: decoded.records,
      payloadBytes: decoded.payloadBytes,
      firstRecordMs: decoded.records > 0 ? header.createdMs : null,
      sealed: true,
    });
  }

  const kept: SegmentInfo[] = [];
  for (const [i, segment] of segments.entries()) {
    if (segment.records === 0 && i < segments.length - 1) {
      await attempt(logger, segment.path, 'remove', () => io.unlink(segment.path));
      dirChanged = true;
    } else {
      kept.push(segment);
    }
  }
  if (dirChanged) await attempt(logger, dir, 'fsync', () => io.syncDir(dir));
  if (kept.length > 0) {
    const records = kept.reduce((n, s) => n + s.records, 0);
    logger.info({ dir, segments: kept.length, records }, 'spool: recovered');
  }
  return { segments: kept, highestId };
}

/**
 * Repairs are best effort: a file that cannot be changed (read-only mount, EIO) is logged and left as it is. Reading
 * is not: a segment that cannot be read fails the start rather than silently dropping acknowledged records.
 */
async function attempt(logger: Logger, file: string, what: string, op: () => Promise<void>): Promise<void> {
  try {
    await op();
  } catch (err) {
    logger.error({ err, file }, `spool: recovery could not ${what} a file; leaving it as it is`);
  }
}
