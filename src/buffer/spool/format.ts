import { crc32c } from '@node-rs/crc32';

/**
 * The spool's on-disk format (docs/spool.md). A segment file `<20-digit id>.seg` is a 16-byte header followed by
 * records, each self-checking:
 *
 *   header:  "CLKSPL01" (8 bytes ASCII) | creation time, epoch ms (u64 LE)
 *   record:  payload length (u32 LE, > 0) | crc32c(payload) (u32 LE) | payload (UTF-8)
 *
 * A zero length is invalid on purpose: a zero-filled tail (what some file systems leave after a crash that extended
 * the file) would otherwise decode as empty records, since crc32c("") is 0.
 */
export const SEGMENT_MAGIC = Buffer.from('CLKSPL01', 'latin1');
export const HEADER_BYTES = 16;
export const RECORD_HEADER_BYTES = 8;

const SEGMENT_NAME = /^(\d{20})\.seg$/;
const ANY_SEGMENT_NAME = /^(\d{20})\.seg(?:\.corrupt)?$/;

export function segmentFileName(id: number): string {
  return `${String(id).padStart(20, '0')}.seg`;
}

function idOf(match: RegExpExecArray | null): number | null {
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/** The id of a live segment file name, or null for any other name. */
export function parseSegmentFileName(name: string): number | null {
  return idOf(SEGMENT_NAME.exec(name));
}

/** Like parseSegmentFileName but also accepts segments set aside as `.corrupt` (they still used up their id). */
export function segmentIdOfAnyName(name: string): number | null {
  return idOf(ANY_SEGMENT_NAME.exec(name));
}

export function encodeHeader(createdMs: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  SEGMENT_MAGIC.copy(header, 0);
  header.writeBigUInt64LE(BigInt(Math.max(0, Math.floor(createdMs))), 8);
  return header;
}

/** The creation time stored in a segment header, or null when `bytes` does not start with a valid header. */
export function decodeHeader(bytes: Uint8Array): { createdMs: number } | null {
  if (bytes.length < HEADER_BYTES) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (!buf.subarray(0, SEGMENT_MAGIC.length).equals(SEGMENT_MAGIC)) return null;
  const createdMs = Number(buf.readBigUInt64LE(8));
  return Number.isSafeInteger(createdMs) ? { createdMs } : null;
}

/** Bytes the records of `payloads` take on disk. Throws on an empty payload (not representable, see above). */
export function encodedSize(payloads: readonly string[]): number {
  let size = 0;
  for (const p of payloads) {
    if (typeof p !== 'string' || p.length === 0) throw new TypeError('spool payloads must be non-empty strings');
    size += RECORD_HEADER_BYTES + Buffer.byteLength(p, 'utf8');
  }
  return size;
}

export interface Encoded {
  readonly data: Buffer;
  readonly records: number;
  readonly payloadBytes: number;
}

/**
 * Encodes the payloads of several append calls, in order, into one buffer of exactly `size` bytes (the sum of their
 * encodedSize). One allocation per group commit; payloads are written straight into it.
 */
export function encodeRecords(groups: readonly (readonly string[])[], size: number): Encoded {
  const data = Buffer.allocUnsafe(size);
  let offset = 0;
  let records = 0;
  for (const group of groups) {
    for (const payload of group) {
      const start = offset + RECORD_HEADER_BYTES;
      const length = data.write(payload, start, 'utf8');
      data.writeUInt32LE(length, offset);
      data.writeUInt32LE(crc32c(data.subarray(start, start + length)), offset + 4);
      offset = start + length;
      records++;
    }
  }
  if (offset !== size) throw new Error(`spool encoder wrote ${offset} bytes, expected ${size}`);
  return { data, records, payloadBytes: size - records * RECORD_HEADER_BYTES };
}

/** Why decoding stopped before the end of the bytes. */
export type DecodeProblem = 'short-record-header' | 'zero-length' | 'length-beyond-end' | 'crc-mismatch';

export interface Decoded<T = string> {
  /** Payloads in order (empty when decoding with collect = false). */
  readonly payloads: T[];
  readonly records: number;
  readonly payloadBytes: number;
  /** File offset just past the last valid record. */
  readonly end: number;
  /** Null when every byte was consumed by valid records. */
  readonly problem: DecodeProblem | null;
}

/**
 * Decodes records from `bytes`, whose first byte sits at file offset `base`, stopping at the first torn or corrupt
 * record. Never throws on bad data; the caller decides whether a problem is a torn tail, corruption or a write in
 * progress. Payloads come back as strings (readUncommitted: the query engine binds them as SQL text); with
 * collect = false only counted (recovery).
 */
export function decodeRecords(bytes: Buffer, base: number, collect = true): Decoded<string> {
  return scanRecords(bytes, base, collect ? utf8 : null);
}

/**
 * Like decodeRecords, but the payloads are views into `bytes` (subarrays: no decoding, no copy), each checked
 * against its CRC32C. What poll hands the writer; the views keep `bytes` alive as long as they are referenced.
 */
export function decodeRecordViews(bytes: Buffer, base: number): Decoded<Uint8Array> {
  return scanRecords(bytes, base, view);
}

const utf8 = (payload: Buffer): string => payload.toString('utf8');
const view = (payload: Buffer): Uint8Array => payload;

function scanRecords<T>(bytes: Buffer, base: number, take: ((payload: Buffer) => T) | null): Decoded<T> {
  const payloads: T[] = [];
  let offset = 0;
  let records = 0;
  let payloadBytes = 0;
  let problem: DecodeProblem | null = null;
  while (offset < bytes.length) {
    if (bytes.length - offset < RECORD_HEADER_BYTES) {
      problem = 'short-record-header';
      break;
    }
    const length = bytes.readUInt32LE(offset);
    if (length === 0) {
      problem = 'zero-length';
      break;
    }
    const start = offset + RECORD_HEADER_BYTES;
    const end = start + length;
    if (end > bytes.length) {
      problem = 'length-beyond-end';
      break;
    }
    const payload = bytes.subarray(start, end);
    if (crc32c(payload) !== bytes.readUInt32LE(offset + 4)) {
      problem = 'crc-mismatch';
      break;
    }
    if (take !== null) payloads.push(take(payload));
    records++;
    payloadBytes += length;
    offset = end;
  }
  return { payloads, records, payloadBytes, end: base + offset, problem };
}
