import type { Config } from '../core/config.js';

/** The query engine's rollup option (docs/config.md query.rollup): a DuckDB file of its own under the data dir. */
export function rollupOption(config: Config, path: string): { rollup?: { path: string; settleMs: number } } {
  return config.query.rollup ? { rollup: { path, settleMs: config.query.rollupSettleMs } } : {};
}
