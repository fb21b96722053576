import { join } from 'node:path';
import type { Config } from '../core/config.js';

/** Where the dashboards' rollup lives under a data dir: a directory of its own (the query sandbox may read it). */
export function rollupPath(dataDir: string): string {
  return join(dataDir, 'cache', 'rollup', 'rollup.duckdb');
}

/**
 * The query engine options both server modes (embedded pipeline, lake follower) take from `query.*` (docs/config.md),
 * including the rollup of closed days when `query.rollup` is on.
 */
export function queryEngineSettings(config: Config, dataDir: string) {
  const q = config.query;
  return {
    timeoutMs: q.timeoutMs,
    maxRows: q.maxRows,
    memoryLimit: q.duckdbMemoryLimit,
    ...(q.threads === undefined ? {} : { threads: q.threads }),
    ...(q.rollup ? { rollup: { path: rollupPath(dataDir), settleMs: q.rollupSettleMs } } : {}),
  };
}
