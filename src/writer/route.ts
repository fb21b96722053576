import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Routing a batch's payloads (UTF-8 JSON bytes, core/ports.ts BufferBatch) to hour partitions, before DuckDB sees
 * them, without decoding them into strings.
 *
 * Each payload goes to the NDJSON file of the UTC hour of its `ts`. The fast path reads only the bytes of `ts`: the
 * collector serialises a flat LakeRow with JSON.stringify in LAKE_COLUMNS order, so `"ts":"` occurs near the start,
 * and its first occurrence is the ts key (in valid JSON a `"` inside a string value is escaped, so the pattern cannot
 * start or end inside one; multi-byte UTF-8 sequences never contain ASCII bytes). A canonical timestamp is the 24
 * bytes after it, `YYYY-MM-DDTHH:MM:SS.mmmZ`, closed by a quote. Anything else (spaces, other key orders or
 * timestamp forms, not a LakeRow) takes the slow path through JSON.parse, and a payload without a usable ts is
 * rejected. Routing is an optimisation, not the authority: the SQL that converts a partition's file keeps only rows
 * whose ts (as DuckDB parses it) falls inside that hour, so a row can never land in the wrong folder.
 */
export interface PartitionGroup {
  /** `dt=YYYY-MM-DD/hour=HH` */
  readonly partition: string;
  /** Start of the hour, `YYYY-MM-DDTHH:00:00Z`. */
  readonly hourStart: string;
  /** Start of the next hour. */
  readonly hourEnd: string;
  /** Hours since the epoch (the routing key). */
  readonly hour: number;
  /** This group's payloads are `order[start .. start + count)`. */
  start: number;
  count: number;
}

export interface Routing {
  /** Sorted by partition. */
  readonly groups: PartitionGroup[];
  /** Indices of the routed payloads, grouped by partition (each group's slice in `groups` order), in batch order. */
  readonly order: Int32Array;
  /** Payloads without a usable ts. */
  readonly rejected: number;
}

const HOUR_MS = 3_600_000;
/** ISO 8601 forms DuckDB and Date.parse both read as the same instant. */
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const YIELD_EVERY = 50_000;

/**
 * Where `"ts":"` (22 74 73 22 3a 22) starts in `b`, or -1: a Boyer-Moore-Horspool scan, which reads about one byte
 * in five of JSON text. SHIFT[c] is how far the pattern's last byte may move when the byte under it is c.
 */
const SHIFT = new Uint8Array(256).fill(6);
SHIFT[0x22] = 2;
SHIFT[0x74] = 4;
SHIFT[0x73] = 3;
SHIFT[0x3a] = 1;

function tsKeyAt(b: Uint8Array): number {
  const n = b.length;
  for (let i = 5; i < n; ) {
    const c = b[i]!;
    if (c === 0x22 && b[i - 1] === 0x3a && b[i - 2] === 0x22 && b[i - 3] === 0x73 && b[i - 4] === 0x74 && b[i - 5] === 0x22) {
      return i - 5;
    }
    i += SHIFT[c]!;
  }
  return -1;
}

/** The two ASCII digits at b[i], b[i + 1] as a number, or -1. */
function two(b: Uint8Array, i: number): number {
  const hi = b[i]! - 48;
  const lo = b[i + 1]! - 48;
  return hi >= 0 && hi <= 9 && lo >= 0 && lo <= 9 ? hi * 10 + lo : -1;
}

/**
 * `YYYYMMDDHH` as one number for a canonical timestamp `YYYY-MM-DDTHH:MM:SS.mmmZ` at b[at, at + 24) closed by a
 * quote, or -1. Only the fields that make the hour are range-checked; DuckDB parses the whole value later.
 */
function packedHour(b: Uint8Array, at: number): number {
  if (at + 24 >= b.length || b[at + 24] !== 0x22) return -1;
  if (b[at + 4] !== 0x2d || b[at + 7] !== 0x2d || b[at + 10] !== 0x54 || b[at + 13] !== 0x3a) return -1;
  if (b[at + 16] !== 0x3a || b[at + 19] !== 0x2e || b[at + 23] !== 0x5a) return -1;
  const century = two(b, at);
  const year = two(b, at + 2);
  const month = two(b, at + 5);
  const day = two(b, at + 8);
  const hour = two(b, at + 11);
  if (two(b, at + 14) < 0 || two(b, at + 17) < 0 || two(b, at + 20) < 0 || b[at + 22]! < 48 || b[at + 22]! > 57) return -1;
  // Date.UTC reads years 0-99 as 19xx: those (and out-of-range fields) take the slow path.
  if (century < 1 || year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return -1;
  return (((century * 100 + year) * 100 + month) * 100 + day) * 100 + hour;
}

function hourOfPacked(p: number): number {
  const hour = p % 100;
  const day = Math.floor(p / 100) % 100;
  const month = Math.floor(p / 10_000) % 100;
  const year = Math.floor(p / 1_000_000);
  return Date.UTC(year, month - 1, day, hour) / HOUR_MS;
}

function asBuffer(p: Uint8Array): Buffer {
  return Buffer.isBuffer(p) ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength);
}

function slowHour(payload: Uint8Array): number | null {
  let ts: unknown;
  try {
    ts = (JSON.parse(asBuffer(payload).toString('utf8')) as { ts?: unknown } | null)?.ts;
  } catch {
    return null;
  }
  if (typeof ts !== 'string' || !ISO_TS.test(ts)) return null;
  const ms = Date.parse(ts);
  if (!Number.isFinite(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999 ? Math.floor(ms / HOUR_MS) : null;
}

/** The UTC hour of a payload's ts, as hours since the epoch, or null when it has none usable. */
export function hourOf(payload: Uint8Array): number | null {
  const at = tsKeyAt(payload);
  const packed = at >= 0 ? packedHour(payload, at + 6) : -1;
  return packed >= 0 ? hourOfPacked(packed) : slowHour(payload);
}

/** `YYYY-MM-DDTHH` of an hour since the epoch (for tests and logs). */
export function hourKey(hour: number): string {
  return new Date(hour * HOUR_MS).toISOString().slice(0, 13);
}

function groupFor(hour: number): PartitionGroup {
  const key = hourKey(hour);
  return {
    partition: `dt=${key.slice(0, 10)}/hour=${key.slice(11, 13)}`,
    hourStart: `${key}:00:00Z`,
    hourEnd: `${hourKey(hour + 1)}:00:00Z`,
    hour,
    start: 0,
    count: 0,
  };
}

/** Routes payloads to hour partitions; yields to the event loop now and then (batches can be large). */
export async function routePayloads(payloads: readonly Uint8Array[]): Promise<Routing> {
  // Pass 1: each payload's group (by first appearance), or -1.
  const slots = new Int32Array(payloads.length);
  const byHour = new Map<number, number>();
  const groups: PartitionGroup[] = [];
  let rejected = 0;
  let lastPacked = -1;
  let lastSlot = -1;
  for (let i = 0; i < payloads.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    const p = payloads[i]!;
    const at = tsKeyAt(p);
    const packed = at >= 0 ? packedHour(p, at + 6) : -1;
    if (packed < 0 || packed !== lastPacked) {
      // A new hour (or the slow path): find its group. Consecutive payloads mostly share an hour.
      const hour = packed >= 0 ? hourOfPacked(packed) : slowHour(p);
      if (hour === null) {
        slots[i] = -1;
        rejected++;
        continue;
      }
      let slot = byHour.get(hour);
      if (slot === undefined) {
        slot = groups.length;
        byHour.set(hour, slot);
        groups.push(groupFor(hour));
      }
      lastPacked = packed;
      lastSlot = slot;
    }
    groups[lastSlot]!.count++;
    slots[i] = lastSlot;
  }
  return sortedRouting(groups, slots, rejected);
}

/**
 * Routing of another table (core/tables.ts): by the UTC time of its `timeColumn`, read with JSON.parse, into hour
 * or day partitions (`dt=YYYY-MM-DD`). Those tables (dead letters) are small, so they take the slow path only; the
 * events table keeps the byte-level fast path above.
 */
export async function routeByColumn(
  payloads: readonly Uint8Array[],
  timeColumn: string,
  partitioning: 'hour' | 'day',
): Promise<Routing> {
  if (timeColumn === 'ts' && partitioning === 'hour') return routePayloads(payloads);
  const span = partitioning === 'day' ? 24 : 1;
  const slots = new Int32Array(payloads.length);
  const byStart = new Map<number, number>();
  const groups: PartitionGroup[] = [];
  let rejected = 0;
  for (let i = 0; i < payloads.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    const hour = slowHourOf(payloads[i]!, timeColumn);
    if (hour === null) {
      slots[i] = -1;
      rejected++;
      continue;
    }
    const start = Math.floor(hour / span) * span;
    let slot = byStart.get(start);
    if (slot === undefined) {
      slot = groups.length;
      byStart.set(start, slot);
      const g = groupFor(start);
      groups.push(
        span === 1 ? g : { ...g, partition: `dt=${g.hourStart.slice(0, 10)}`, hourEnd: `${hourKey(start + span)}:00:00Z` },
      );
    }
    groups[slot]!.count++;
    slots[i] = slot;
  }
  return sortedRouting(groups, slots, rejected);
}

function slowHourOf(payload: Uint8Array, key: string): number | null {
  let value: unknown;
  try {
    value = (JSON.parse(asBuffer(payload).toString('utf8')) as Record<string, unknown> | null)?.[key];
  } catch {
    return null;
  }
  if (typeof value !== 'string' || !ISO_TS.test(value)) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return null;
  const year = new Date(ms).getUTCFullYear();
  return year >= 0 && year <= 9999 ? Math.floor(ms / HOUR_MS) : null;
}

/**
 * Pass 2 of routing: a counting sort of the payload indices by group, groups in partition order. `slots[i]` is the
 * group (in creation order) of payload i, or -1 for a rejected one.
 */
function sortedRouting(groups: PartitionGroup[], slots: Int32Array, rejected: number): Routing {
  const bySlot = [...groups];
  groups.sort((a, b) => a.hour - b.hour);
  let start = 0;
  for (const g of groups) {
    g.start = start;
    start += g.count;
  }
  const next = Int32Array.from(bySlot, (g) => g.start);
  const order = new Int32Array(start);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i]!;
    if (slot >= 0) order[next[slot]!++] = i;
  }
  return { groups, order, rejected };
}
