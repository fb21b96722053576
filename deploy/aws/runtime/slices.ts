/**
 * The DynamoDB key design of the AWS sink, shared by the `collect` handler (which writes) and the `process` handler
 * (which reads, converts and deletes). Pure functions, no AWS SDK.
 *
 * Item: { pk: "<slice label>#<shard>", sk: event_id, row: <LakeRow JSON>, ttl: <epoch seconds> }
 *
 * - slice: the receive-time bucket, floor(received_at / sliceMs). Its label is the UTC start of the bucket,
 *   `YYYYMMDDTHHmm` (e.g. 20261127T1205), which also names the Parquet files made from it.
 * - shard: FNV-1a(event_id) mod `shards`, so one slice's writes spread over `shards` partition keys (each DynamoDB
 *   partition takes ~1000 writes/s) and a resend of an event within the same slice lands on the same item.
 * - A slice is closed once `marginMs` has passed after its end: the margin is longer than the collect Lambda's
 *   timeout, so no write that a client saw acknowledged can still land in a closed slice.
 * - ttl: received_at + ttlDays, a safety net only (items are deleted once their slice is in the lake).
 */
export interface SliceSettings {
  /** Length of a slice (ms); divides an hour. */
  readonly sliceMs: number;
  /** Partition keys per slice. */
  readonly shards: number;
  /** A slice is closed this long after its end (ms). */
  readonly marginMs: number;
}

export function sliceOf(epochMs: number, sliceMs: number): number {
  return Math.floor(epochMs / sliceMs);
}

/** `YYYYMMDDTHHmm` of the slice's start (UTC). */
export function sliceLabel(slice: number, sliceMs: number): string {
  const iso = new Date(slice * sliceMs).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}T${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}

/** FNV-1a (32 bit) of the string's UTF-16 code units, mod shards. Stable across processes and versions. */
export function shardOf(eventId: string, shards: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < eventId.length; i++) {
    h ^= eventId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % shards;
}

export function partitionKey(slice: number, shard: number, sliceMs: number): string {
  return `${sliceLabel(slice, sliceMs)}#${shard}`;
}

/** The newest closed slice at `now` (slices up to and including it are closed). */
export function lastClosedSlice(now: number, s: Pick<SliceSettings, 'sliceMs' | 'marginMs'>): number {
  return Math.floor((now - s.marginMs) / s.sliceMs) - 1;
}

/** Epoch seconds at which DynamoDB may expire an item received at `receivedAt`. */
export function ttlOf(receivedAt: number, ttlDays: number): number {
  return Math.floor(receivedAt / 1000) + ttlDays * 86_400;
}
