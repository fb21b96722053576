import { open } from 'node:fs/promises';

/**
 * Writes payloads (UTF-8 JSON bytes) as NDJSON, one per line, by copying their bytes into a fixed-size buffer:
 * no string conversion, memory stays at CHUNK_BYTES whatever the batch size, there is no joined copy of the batch,
 * and the event loop is released at every chunk. A payload larger than the buffer is written from where it is.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

/**
 * Writes `payloads[order[i]]` for i in [from, to) (every payload, in order, when `order` is null); returns the bytes
 * written.
 */
export async function writeNdjson(
  path: string,
  payloads: readonly Uint8Array[],
  order: Int32Array | null = null,
  from = 0,
  to = order === null ? payloads.length : order.length,
): Promise<number> {
  const handle = await open(path, 'w');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  let total = 0;
  const writeAll = async (bytes: Uint8Array, length: number) => {
    for (let done = 0; done < length; ) done += (await handle.write(bytes, done, length - done)).bytesWritten;
    total += length;
  };
  const drain = async () => {
    if (used > 0) await writeAll(chunk, used);
    used = 0;
  };
  try {
    for (let i = from; i < to; i++) {
      const p = payloads[order === null ? i : order[i]!]!;
      if (used + p.length + 1 > CHUNK_BYTES) {
        await drain();
        if (p.length + 1 > CHUNK_BYTES) {
          await writeAll(p, p.length);
          chunk[used++] = NEWLINE;
          continue;
        }
      }
      chunk.set(p, used);
      used += p.length;
      chunk[used++] = NEWLINE;
    }
    await drain();
  } finally {
    await handle.close();
  }
  return total;
}
