import { mkdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type SectionContext, fmt } from './context.js';
import { lakeRowPayloads, writeNdjson } from './gen/lake-rows.js';
import { type RawCopyResult, rawCopy } from './writer-raw.js';
import type { WriterPathResult } from './writer-path.js';

/**
 * Section 4: the writer. The same N LakeRows (NDJSON, generated once and cached) go through (a) a raw DuckDB
 * COPY to one ZSTD Parquet file and (b) the Clicklake spool -> writer path. Events/s of both, their ratio, and
 * Parquet bytes per event.
 */
export interface WriterResult {
  readonly events: number;
  readonly ndjsonBytes: number;
  readonly raw: RawCopyResult;
  readonly clicklake: WriterPathResult | null;
  readonly clicklakeError?: string;
  /** Clicklake events/s / raw events/s (NaN when the Clicklake path failed). */
  readonly ratio: number;
}

/** Bump when the LakeRow generator's output changes. */
const ROWS_VERSION = 'rows-v3'; // v3: enrichment columns filled (bench/gen/enrichment.ts)

async function cachedRows(ctx: SectionContext): Promise<{ path: string; bytes: number }> {
  const { knobs } = ctx;
  await mkdir(knobs.cacheDir, { recursive: true });
  const path = join(knobs.cacheDir, `${ROWS_VERSION}-${knobs.writerEvents}ev-${knobs.writerSpanHours}h.ndjson`);
  const existing = await stat(path).catch(() => null);
  if (existing) return { path, bytes: existing.size };
  ctx.log(`  generating ${fmt(knobs.writerEvents)} LakeRows into ${path} (cached for later runs) ...`);
  const t0 = performance.now();
  // Timestamps end at a fixed hour so the cached file means the same thing on every run.
  const endMs = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const partial = `${path}.partial`;
  const bytes = await writeNdjson(partial, lakeRowPayloads({ events: knobs.writerEvents, endMs, spanMs: knobs.writerSpanHours * 3_600_000 }));
  await rename(partial, path);
  ctx.log(`  generated ${fmt(bytes / 2 ** 20)} MiB in ${fmt((performance.now() - t0) / 1000, 1)} s`);
  return { path, bytes };
}

export async function benchWriter(ctx: SectionContext): Promise<WriterResult> {
  const { knobs } = ctx;
  ctx.log(`writer: ${fmt(knobs.writerEvents)} events over ${knobs.writerSpanHours} h`);
  const rows = await cachedRows(ctx);
  const dir = join(ctx.workDir, 'writer');
  await mkdir(dir, { recursive: true });

  const raw = await rawCopy({ ndjsonPath: rows.path, outDir: dir, events: knobs.writerEvents });
  ctx.log(`  raw DuckDB COPY   ${fmt(raw.eventsPerSec).padStart(9)} events/s (${fmt(raw.seconds, 2)} s), ${raw.bytesPerEvent.toFixed(1)} B/event`);

  let clicklake: WriterPathResult | null = null;
  let clicklakeError: string | undefined;
  try {
    // Imported here so a tree without the writer yet still runs the other sections.
    const { clicklakeWriterPath } = await import('./writer-path.js');
    clicklake = await clicklakeWriterPath({ ndjsonPath: rows.path, ndjsonBytes: rows.bytes, events: knobs.writerEvents, workDir: join(dir, 'clicklake') });
    ctx.log(
      `  Clicklake writer  ${fmt(clicklake.eventsPerSec).padStart(9)} events/s (${fmt(clicklake.seconds, 2)} s, ${clicklake.flushes} flushes), ` +
        `${clicklake.bytesPerEvent.toFixed(1)} B/event in ${clicklake.files} files (spool append, untimed: ${fmt(clicklake.appendSeconds, 1)} s)`,
    );
    if (clicklake.rows !== knobs.writerEvents) ctx.log(`  WARNING: the lake holds ${clicklake.rows} rows, ${knobs.writerEvents} were appended`);
  } catch (err) {
    clicklakeError = (err as Error).message;
    ctx.log(`  Clicklake writer path failed: ${clicklakeError}`);
  }
  return {
    events: knobs.writerEvents,
    ndjsonBytes: rows.bytes,
    raw,
    clicklake,
    ...(clicklakeError === undefined ? {} : { clicklakeError }),
    ratio: clicklake ? clicklake.eventsPerSec / raw.eventsPerSec : NaN,
  };
}
