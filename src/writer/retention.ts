import type { Manifest, ManifestFile } from '../core/lake.js';
import type { WriterContext } from './context.js';
import { withReplaced } from './manifest-state.js';

/**
 * Retention: partitions whose UTC day ended more than `retentionDays` days ago leave the lake through a manifest
 * commit, never outside one. Their files move to pendingDeletes like compacted-away files: a query planned on the
 * previous snapshot may still read them, so they are deleted deleteGraceMs later (purgeRetired), or at stop() or the
 * next start. With retentionDays = 1 at 2026-11-27T12:30Z, dt=2026-11-25 goes (its day ended 36.5 hours ago) and
 * dt=2026-11-26 stays. The writer checks at start (recover) and at every cycle; the clock is the writer's (injected).
 */
export interface RetentionResult {
  /** Partitions (dt=... or dt=.../hour=...) removed. */
  readonly partitions: readonly string[];
  readonly files: number;
  readonly rows: number;
}

const DAY_MS = 86_400_000;
const DT = /^dt=(\d{4}-\d{2}-\d{2})(?:\/|$)/;

/** The live files of partitions whose day ended at least `days` days before `nowMs`. */
export function expiredFiles(m: Manifest, nowMs: number, days: number): ManifestFile[] {
  return m.files.filter((f) => {
    const dt = DT.exec(f.partition);
    if (dt === null) return false;
    const dayEnd = Date.parse(`${dt[1]}T00:00:00Z`) + DAY_MS;
    return dayEnd + days * DAY_MS <= nowMs;
  });
}

export async function applyRetention(ctx: WriterContext): Promise<RetentionResult> {
  const days = ctx.settings.retentionDays;
  if (days === null) return { partitions: [], files: 0, rows: 0 };
  const now = ctx.clock();
  const expired = expiredFiles(ctx.state.current, now, days);
  if (expired.length === 0) return { partitions: [], files: 0, rows: 0 };
  const keys = expired.map((f) => f.key);
  await ctx.state.commit(withReplaced(ctx.state.current, keys, [], ctx.clock));
  for (const key of keys) ctx.state.retiredAt.set(key, now);
  const partitions = [...new Set(expired.map((f) => f.partition))].sort();
  const rows = expired.reduce((n, f) => n + f.rows, 0);
  ctx.metrics.retentionFiles.inc(expired.length);
  ctx.metrics.retentionRows.inc(rows);
  ctx.logger.info(
    { table: ctx.table.name, retentionDays: days, partitions, files: expired.length, rows },
    'writer: retention removed partitions',
  );
  return { partitions, files: expired.length, rows };
}
