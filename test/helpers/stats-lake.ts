import type { LakeRow } from '../../src/core/schema.js';
import { partitionOf } from '../../src/core/schema.js';
import { createQueryEngine, type QueryEngine } from '../../src/query/index.js';
import { FakeSnapshots, FakeTail, TestLake, silentLogger } from '../../src/query/testkit.js';

/**
 * A real query engine (the SqlRunner of the dashboard API) over given lake rows, for the stats/auth tests: rows are
 * written as Parquet files, one per hour partition, except those `hot` selects, which stay in the (fake) buffer tail
 * and reach the view as hot rows, as unflushed events do.
 */
export interface StatsLake {
  readonly engine: QueryEngine;
  readonly lake: TestLake;
  readonly tail: FakeTail;
  readonly snapshots: FakeSnapshots;
  close(): Promise<void>;
}

/** `rollup`: keep the dashboards' rollup (in memory) with this clock deciding which days are closed; call catchUp(). */
export async function openStatsLake(
  rows: readonly LakeRow[],
  hot: (row: LakeRow) => boolean = () => false,
  options: { readonly clock?: () => number; readonly settleMs?: number } = {},
): Promise<StatsLake> {
  const lake = await TestLake.create();
  const tail = new FakeTail();
  const snapshots = new FakeSnapshots();
  const byPartition = new Map<string, LakeRow[]>();
  for (const row of rows) {
    if (hot(row)) {
      tail.append(row);
      continue;
    }
    const key = `${row.site_id}|${partitionOf(row.ts)}`;
    byPartition.set(key, [...(byPartition.get(key) ?? []), row]);
  }
  const files = [];
  for (const group of byPartition.values()) files.push(await lake.writeFile(group, 2));
  snapshots.snapshot = { generation: 1, checkpoint: null, files };
  const engine = await createQueryEngine({
    snapshots,
    tail,
    lakeDir: lake.lakeDir,
    logger: silentLogger,
    timeoutMs: 20_000,
    maxRows: 10_000,
    memoryLimit: '512MB',
    threads: 2,
    ...(options.clock ? { clock: options.clock, rollup: { path: null, settleMs: options.settleMs ?? 0, intervalMs: 3_600_000 } } : {}),
  });
  return {
    engine,
    lake,
    tail,
    snapshots,
    async close() {
      await engine.close();
      await lake.cleanup();
    },
  };
}
