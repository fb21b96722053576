/**
 * Proves from the payload bytes alone that no event_id occurs twice in a batch, so that the duplicate check
 * (dedupe.ts) can skip its in-batch part, which otherwise reads every new file's event_id column.
 *
 * The collector serialises LakeRows with JSON.stringify in LAKE_COLUMNS order, so a payload starts with
 * `{"event_id":"`. When the id that follows contains no backslash (no escapes), distinct bytes mean distinct values,
 * so comparing bytes is exact. Any payload that does not have this form makes the proof fail (false: "not known"),
 * and the check then runs in DuckDB as before; so does a duplicate. Ids are hashed (two FNV-1a variants) into an
 * open-addressing table; equal hashes are compared byte for byte, so a hash collision never hides a duplicate.
 */
const PREFIX = Buffer.from('{"event_id":"', 'latin1');
const MAX_ID_BYTES = 256;

/** End (exclusive) of the escape-free id of `p`, or -1 when `p` does not start with a plain event_id string. */
function idEnd(p: Uint8Array): number {
  if (p.length <= PREFIX.length) return -1;
  for (let i = 0; i < PREFIX.length; i++) if (p[i] !== PREFIX[i]) return -1;
  const limit = Math.min(p.length, PREFIX.length + MAX_ID_BYTES);
  for (let i = PREFIX.length; i < limit; i++) {
    const c = p[i]!;
    if (c === 0x22) return i;
    if (c === 0x5c) return -1;
  }
  return -1;
}

function sameId(a: Uint8Array, aEnd: number, b: Uint8Array, bEnd: number): boolean {
  if (aEnd !== bEnd) return false;
  for (let i = PREFIX.length; i < aEnd; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * True when the event_ids of `payloads[order[i]]` (i in [0, order.length)) are provably pairwise distinct; false when
 * some id repeats or cannot be read from the bytes.
 */
export function distinctEventIds(payloads: readonly Uint8Array[], order: Int32Array): boolean {
  const n = order.length;
  let capacity = 16;
  while (capacity < n * 2) capacity *= 2;
  const mask = capacity - 1;
  const h2s = new Int32Array(capacity);
  const slots = new Int32Array(capacity); // payload index + 1; 0 = empty
  const ends = new Int32Array(payloads.length);
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const p = payloads[i]!;
    const end = idEnd(p);
    if (end < 0) return false;
    ends[i] = end;
    let h1 = 0x811c9dc5;
    let h2 = 0x01000193;
    for (let j = PREFIX.length; j < end; j++) {
      h1 = Math.imul(h1 ^ p[j]!, 0x01000193);
      h2 = Math.imul(h2 + p[j]!, 0x5bd1e995) ^ (h2 >>> 15);
    }
    for (let s = h1 & mask; ; s = (s + 1) & mask) {
      const taken = slots[s]!;
      if (taken === 0) {
        slots[s] = i + 1;
        h2s[s] = h2;
        break;
      }
      if (h2s[s] === h2 && sameId(payloads[taken - 1]!, ends[taken - 1]!, p, end)) return false;
    }
  }
  return true;
}
