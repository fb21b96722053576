import { mkdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Manifest, ManifestFile } from '../core/lake.js';
import { parquetOptions, readLakeFiles, selectList, sqlString } from './duckdb.js';
import { lakePath, type WriterContext } from './context.js';
import { withoutPendingDeletes, withSwap } from './manifest-state.js';

/**
 * Compaction: a flush adds one small, unsorted file per hour it touches (fast to write, arrival order). Compaction
 * rewrites a partition's files as one file sorted by (site_id, session_id, ts), ZSTD level compactZstdLevel, Parquet
 * compactParquet version: the layout the lake keeps long-term, which compresses best (a session's events sit
 * together) and lets readers skip row groups by site.
 *
 * Policy (compactionCandidates). Within a partition, the mergeable files are those smaller than
 * compactTargetBytes, except compacted files of at least half of it (they are done); a merge takes mergeable files in
 * commit order while their total stays within compactTargetBytes. So the work and the memory of one merge are
 * bounded, and a busy hour ends as a few compacted files of about compactTargetBytes / 2 or more.
 *  - A closed hour (its end plus compactGraceMs has passed, so late events of the hour just closed have landed) is
 *    compacted as soon as the merge would take at least 2 files, or 1 file that compaction did not write.
 *  - An open hour (the current one, one still within the grace period, or a future one) is compacted when it has
 *    compactMinFiles mergeable flushed files, which are merged without its earlier compacted pieces (so the work is
 *    bounded by what a few flushes wrote, not by the hour so far). This bounds the files a query of it opens.
 *    Once the hour is closed, its pieces and last flushed files are merged into one file (within the size bound).
 * Every cycle compacts at most one partition, oldest first. A merge is one `COPY (SELECT <LAKE_COLUMNS> FROM
 * read_parquet([...]) ORDER BY site_id, session_id, ts)` under the writer's DuckDB memory limit (the sort spills to
 * tmpDir), checked to hold exactly the rows of its inputs (which hold distinct event ids, so the result does too), put
 * like any file, recorded with `compacted: true`, and committed by a manifest that swaps the inputs for it. The
 * inputs move to pendingDeletes: a query that planned with the previous snapshot may still be reading them, so they
 * are deleted only deleteGraceMs later (purgeRetired), by a later cycle, or at stop(). When they were retired is
 * kept in memory; after a restart recovery deletes all pendingDeletes at once.
 */
export interface CompactionCandidate {
  readonly partition: string;
  readonly files: readonly ManifestFile[];
  readonly bytes: number;
}

export interface CompactionPolicy {
  /** Mergeable files that make an open hour worth compacting. */
  readonly minFiles: number;
  /** Upper bound of the input bytes of one merge. */
  readonly targetBytes: number;
  /** How long after its end an hour still counts as open. */
  readonly graceMs: number;
}

const HOUR_MS = 3_600_000;
const PARTITION = /^dt=(\d{4}-\d{2}-\d{2})\/hour=(\d{2})$/;

/** Start of a partition's hour (epoch ms), or NaN when the name is not `dt=YYYY-MM-DD/hour=HH`. */
export function partitionStartMs(partition: string): number {
  const m = PARTITION.exec(partition);
  return m ? Date.parse(`${m[1]}T${m[2]}:00:00Z`) : Number.NaN;
}

const DAY_PARTITION = /^dt=(\d{4}-\d{2}-\d{2})$/;

/** Start and length (ms) of an hour (`dt=.../hour=HH`) or day (`dt=...`) partition; NaN start when neither. */
export function partitionWindow(partition: string): { start: number; ms: number } {
  const day = DAY_PARTITION.exec(partition);
  if (day) return { start: Date.parse(`${day[1]}T00:00:00Z`), ms: 24 * HOUR_MS };
  return { start: partitionStartMs(partition), ms: HOUR_MS };
}

/** The files of one partition (in commit order) that the next merge of it would take. */
export function mergeSelection(files: readonly ManifestFile[], targetBytes: number): ManifestFile[] {
  const out: ManifestFile[] = [];
  let bytes = 0;
  for (const f of files) {
    if (f.bytes >= targetBytes || (f.compacted === true && f.bytes >= targetBytes / 2)) continue;
    if (bytes + f.bytes > targetBytes) break;
    out.push(f);
    bytes += f.bytes;
  }
  return out;
}

export function compactionCandidates(m: Manifest, nowMs: number, policy: CompactionPolicy): CompactionCandidate[] {
  const byPartition = new Map<string, ManifestFile[]>();
  for (const f of m.files) {
    let list = byPartition.get(f.partition);
    if (list === undefined) byPartition.set(f.partition, (list = []));
    list.push(f);
  }
  const out: CompactionCandidate[] = [];
  for (const [partition, files] of byPartition) {
    const window = partitionWindow(partition);
    const closed = window.start + window.ms + policy.graceMs <= nowMs; // false for NaN
    // An open hour merges its flushed files only: re-sorting its compacted part every few flushes would cost
    // O(hour) each time. The closed hour's final merge takes the compacted pieces too.
    const take = mergeSelection(closed ? files : files.filter((f) => f.compacted !== true), policy.targetBytes);
    const due = closed
      ? take.length >= 2 || (take.length === 1 && take[0]!.compacted !== true)
      : take.length >= Math.max(2, policy.minFiles);
    if (due) out.push({ partition, files: take, bytes: take.reduce((n, f) => n + f.bytes, 0) });
  }
  return out.sort((a, b) => (a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0));
}

/** Sort order of compacted files: a session's events together, in time order; sites together. */
export const COMPACTION_ORDER = 'site_id, session_id, ts';

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
      `COPY (SELECT ${selectList(ctx.table)} FROM ${readLakeFiles(inputs)} ORDER BY ${ctx.table.sortOrder}) ` +
        `TO ${sqlString(merged)} ${parquetOptions({ zstdLevel: ctx.settings.compactZstdLevel, version: ctx.settings.parquetVersion })}`,
    );
    const rows = Number(row?.Count ?? -1);
    if (rows !== expected) {
      throw new Error(`compaction of ${candidate.partition} produced ${rows} rows, its ${inputs.length} files hold ${expected}`);
    }
    const generation = ctx.state.current.generation + 1;
    const file: ManifestFile = {
      key: `${ctx.table.prefix}${candidate.partition}/part-g${generation}-compacted-${ctx.random()}.parquet`,
      partition: candidate.partition,
      rows,
      bytes: (await stat(merged)).size,
      schema: ctx.table.schemaVersion,
      compacted: true,
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
  const candidates = compactionCandidates(ctx.state.current, ctx.clock(), {
    minFiles: settings.compactMinFiles,
    targetBytes: settings.compactTargetBytes,
    graceMs: settings.compactGraceMs,
  });
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
