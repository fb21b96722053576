import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { EVENTS_PREFIX, type Manifest, type ManifestFile } from '../core/lake.js';
import { partitionOf } from '../core/schema.js';
import { parquetOptions } from './batch.js';
import { lakePath, type WriterContext } from './context.js';
import { LAKE_SELECT_LIST, readLakeFiles, sqlString } from './duckdb.js';
import { withoutPendingDeletes, withSwap } from './manifest-state.js';

/**
 * Compaction: every flush adds one small file per touched hour; compaction merges a finished hour's files into one.
 *
 * A partition qualifies when its hour is over (earlier than the current UTC hour; the current and future hours may
 * still receive events), it has at least compactMinFiles files, and they total less than compactTargetBytes.
 * The merge is one `COPY (SELECT <LAKE_COLUMNS> FROM read_parquet([...]) ORDER BY ts)`, checked to hold exactly the
 * rows of its inputs (which hold distinct event ids, so the result does too), put like any file, and committed by a
 * manifest that swaps the inputs for it. The inputs move to pendingDeletes: a query that planned with the previous
 * snapshot may still be reading them, so they are deleted only deleteGraceMs later (purgeRetired), by a later
 * cycle. When they were retired is kept in memory; after a restart recovery deletes all pendingDeletes at once.
 */
export interface CompactionCandidate {
  readonly partition: string;
  readonly files: readonly ManifestFile[];
  readonly bytes: number;
}

export function compactionCandidates(m: Manifest, nowMs: number, minFiles: number, targetBytes: number): CompactionCandidate[] {
  const current = partitionOf(new Date(nowMs).toISOString());
  const byPartition = new Map<string, ManifestFile[]>();
  for (const f of m.files) {
    if (f.partition >= current) continue; // 'dt=YYYY-MM-DD/hour=HH' sorts chronologically
    let list = byPartition.get(f.partition);
    if (list === undefined) byPartition.set(f.partition, (list = []));
    list.push(f);
  }
  const out: CompactionCandidate[] = [];
  for (const [partition, files] of byPartition) {
    const bytes = files.reduce((n, f) => n + f.bytes, 0);
    if (files.length >= minFiles && bytes < targetBytes) out.push({ partition, files, bytes });
  }
  return out.sort((a, b) => (a.partition < b.partition ? -1 : 1));
}

/** Merges one partition's files and commits the swap. */
export async function compactPartition(ctx: WriterContext, candidate: CompactionCandidate): Promise<ManifestFile> {
  const dir = join(ctx.tmpDir, `compact-${ctx.random()}`);
  await mkdir(dir, { recursive: true });
  try {
    const inputs = candidate.files.map((f) => lakePath(ctx, f.key));
    const expected = candidate.files.reduce((n, f) => n + f.rows, 0);
    const merged = join(dir, 'merged.parquet');
    const db = await ctx.db();
    const [row] = await db.all(
      `COPY (SELECT ${LAKE_SELECT_LIST} FROM ${readLakeFiles(inputs)} ORDER BY ts) ` +
        `TO ${sqlString(merged)} ${parquetOptions({ zstdLevel: ctx.settings.compactZstdLevel, version: ctx.settings.parquetVersion })}`,
    );
    const rows = Number(row?.Count ?? -1);
    if (rows !== expected) {
      throw new Error(`compaction of ${candidate.partition} produced ${rows} rows, its ${inputs.length} files hold ${expected}`);
    }
    const generation = ctx.state.current.generation + 1;
    const file: ManifestFile = {
      key: `${EVENTS_PREFIX}${candidate.partition}/part-g${generation}-compacted-${ctx.random()}.parquet`,
      partition: candidate.partition,
      rows,
      bytes: (await stat(merged)).size,
    };
    await ctx.store.putFile(file.key, merged);
    const replaced = candidate.files.map((f) => f.key);
    await ctx.state.commit(withSwap(ctx.state.current, replaced, file, ctx.clock));
    const now = ctx.clock();
    for (const key of replaced) ctx.state.retiredAt.set(key, now);
    ctx.metrics.compactions.inc();
    ctx.metrics.parquetFiles.inc();
    ctx.metrics.parquetBytes.inc(file.bytes);
    ctx.logger.info(
      { partition: candidate.partition, files: replaced.length, rows, bytes: file.bytes, from: candidate.bytes },
      'writer: partition compacted',
    );
    return file;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Compacts up to `max` qualifying partitions, oldest first; returns how many. */
export async function compactUpTo(ctx: WriterContext, max: number): Promise<number> {
  const { settings } = ctx;
  const candidates = compactionCandidates(
    ctx.state.current,
    ctx.clock(),
    settings.compactMinFiles,
    settings.compactTargetBytes,
  );
  let done = 0;
  for (const candidate of candidates.slice(0, max)) {
    await compactPartition(ctx, candidate);
    done++;
  }
  return done;
}

/** Deletes the retired files whose grace period is over and commits their removal; returns how many. */
export async function purgeRetired(ctx: WriterContext): Promise<number> {
  const now = ctx.clock();
  const { state } = ctx;
  const live = new Set(state.current.files.map((f) => f.key));
  const due: string[] = [];
  for (const key of state.current.pendingDeletes) {
    const since = state.retiredAt.get(key);
    if (since === undefined) state.retiredAt.set(key, now); // unknown: start its grace period now
    else if (now - since >= ctx.settings.deleteGraceMs) due.push(key);
  }
  if (due.length === 0) return 0;
  for (const key of due) if (!live.has(key)) await ctx.store.delete(key);
  await state.commit(withoutPendingDeletes(state.current, due, ctx.clock));
  for (const key of due) state.retiredAt.delete(key);
  return due.length;
}
