import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/**
 * The query stage's telemetry (exported at /metrics when a registry is given):
 *   clicklake_query_seconds            histogram  wall time of query()/queryInternal(), refresh included
 *   clicklake_query_errors_total{code} counter    failed queries by ClicklakeError code
 *   clicklake_query_hot_rows           gauge      rows in hot_events (acknowledged, not yet in the lake)
 *   clicklake_query_file_rows_files    gauge      lake files whose rollup rows are kept in memory (./file-rows.ts)
 */
export interface QueryMetrics {
  readonly seconds: Histogram;
  readonly errors: Counter<'code'>;
  readonly hotRows: Gauge;
  readonly fileRowsFiles: Gauge;
}

function existing<T>(registry: Registry | undefined, name: string): T | undefined {
  return registry?.getSingleMetric(name) as T | undefined;
}

export function createQueryMetrics(registry?: Registry): QueryMetrics {
  const registers = registry ? [registry] : [];
  const seconds =
    existing<Histogram>(registry, 'clicklake_query_seconds') ??
    new Histogram({
      name: 'clicklake_query_seconds',
      help: 'Wall time of a query, refresh of the hot tail included',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
  const errors =
    existing<Counter<'code'>>(registry, 'clicklake_query_errors_total') ??
    new Counter({
      name: 'clicklake_query_errors_total',
      help: 'Failed queries by error code',
      labelNames: ['code'] as const,
      registers,
    });
  const hotRows =
    existing<Gauge>(registry, 'clicklake_query_hot_rows') ??
    new Gauge({
      name: 'clicklake_query_hot_rows',
      help: 'Acknowledged events served from the buffer tail (not yet in the lake)',
      registers,
    });
  const fileRowsFiles =
    existing<Gauge>(registry, 'clicklake_query_file_rows_files') ??
    new Gauge({
      name: 'clicklake_query_file_rows_files',
      help: "Lake files of today's hours not rolled up yet whose rollup rows are kept in memory",
      registers,
    });
  return { seconds, errors, hotRows, fileRowsFiles };
}
