import { open } from 'node:fs/promises';

/**
 * Writes payloads as NDJSON (one per line) through a fixed-size buffer: memory stays at CHUNK_BYTES whatever the
 * batch size, there is no joined copy of the batch, and the event loop is released at every chunk.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;

/** Writes the payloads whose slot equals `slot` (all of them when `slots` is null); returns the bytes written. */
export async function writeNdjson(
  path: string,
  payloads: readonly string[],
  slots: Int32Array | null,
  slot: number,
): Promise<number> {
  const handle = await open(path, 'w');
  const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  let used = 0;
  let total = 0;
  const writeAll = async (bytes: Buffer, length: number) => {
    for (let done = 0; done < length; ) done += (await handle.write(bytes, done, length - done)).bytesWritten;
    total += length;
  };
  const drain = async () => {
    if (used > 0) await writeAll(chunk, used);
    used = 0;
  };
  try {
    for (let i = 0; i < payloads.length; i++) {
      if (slots !== null && slots[i] !== slot) continue;
      const p = payloads[i]!;
      // A UTF-16 code unit takes at most 3 UTF-8 bytes; if the payload might not fit, make room first.
      const worst = p.length * 3 + 1;
      if (used + worst > CHUNK_BYTES) await drain();
      if (worst > CHUNK_BYTES) {
        const bytes = Buffer.from(`${p}\n`, 'utf8');
        await writeAll(bytes, bytes.length);
        continue;
      }
      used += chunk.write(p, used, 'utf8');
      chunk[used++] = 0x0a;
    }
    await drain();
  } finally {
    await handle.close();
  }
  return total;
}
