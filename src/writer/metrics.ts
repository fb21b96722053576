import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** What failed; the `op` label of clicklake_writer_errors_total. */
export type WriterOp = 'flush' | 'compact' | 'recover' | 'purge' | 'retention' | 'forget';

export interface WriterMetrics {
  readonly eventsWritten: Counter;
  readonly duplicatesDropped: Counter;
  readonly eventsRejected: Counter;
  readonly parquetFiles: Counter;
  readonly parquetBytes: Counter;
  readonly flushSeconds: Histogram;
  readonly compactions: Counter;
  readonly errors: Counter<'op'>;
  readonly lakeFiles: Gauge;
  readonly lakeBytes: Gauge;
  /** Files and rows removed by retention (partitions past retentionDays). */
  readonly retentionFiles: Counter;
  readonly retentionRows: Counter;
  /** Rows removed by forget (right to be forgotten). */
  readonly forgottenRows: Counter;
}

/** One batch: 10 ms (a few events) to 2 min (a 256 MiB batch on a slow disk). */
const FLUSH_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/**
 * Registers the writer's metrics on `registry` (never the global default one); one writer per registry.
 * `lagSeconds` is read when scraped.
 */
export function createWriterMetrics(registry: Registry, lagSeconds: () => number, prefix = ''): WriterMetrics {
  const registers = [registry];
  // `prefix` names the table ('' for events, 'failed_' for failed_events): clicklake_<prefix>writer_..., one
  // writer per table on one registry.
  const n = (name: string) => name.replace(/^clicklake_/, `clicklake_${prefix}`);
  new Gauge({
    name: n('clicklake_writer_lag_seconds'),
    help: 'Age of the oldest event not yet in the lake (now - oldest pending append), 0 when none is pending',
    registers,
    collect() {
      this.set(lagSeconds());
    },
  });
  const errors = new Counter({
    name: n('clicklake_writer_errors_total'),
    help: 'Writer cycles that failed (retried at the next cycle), by operation',
    labelNames: ['op'] as const,
    registers,
  });
  for (const op of ['flush', 'compact', 'recover', 'purge', 'retention', 'forget'] as const) errors.inc({ op }, 0);
  return {
    eventsWritten: new Counter({
      name: n('clicklake_writer_events_written_total'),
      help: 'Events committed to the lake',
      registers,
    }),
    duplicatesDropped: new Counter({
      name: n('clicklake_writer_duplicates_dropped_total'),
      help: 'Events dropped because their event_id was already in the same batch or in the lake',
      registers,
    }),
    eventsRejected: new Counter({
      name: n('clicklake_writer_events_rejected_total'),
      help: 'Buffered payloads dropped because they were not a LakeRow with an event_id and a ts',
      registers,
    }),
    parquetFiles: new Counter({
      name: n('clicklake_writer_parquet_files_total'),
      help: 'Parquet files put into the store (batches and compactions)',
      registers,
    }),
    parquetBytes: new Counter({
      name: n('clicklake_writer_parquet_bytes_total'),
      help: 'Bytes of the Parquet files put into the store',
      registers,
    }),
    flushSeconds: new Histogram({
      name: n('clicklake_writer_flush_seconds'),
      help: 'Time to write one batch: poll, convert, put, commit, trim the buffer',
      buckets: FLUSH_BUCKETS,
      registers,
    }),
    compactions: new Counter({
      name: n('clicklake_writer_compactions_total'),
      help: 'Hour partitions whose files were merged into one',
      registers,
    }),
    errors,
    lakeFiles: new Gauge({
      name: n('clicklake_lake_files'),
      help: 'Live Parquet files in the committed manifest',
      registers,
    }),
    lakeBytes: new Gauge({
      name: n('clicklake_lake_bytes'),
      help: 'Bytes of the live Parquet files in the committed manifest',
      registers,
    }),
    retentionFiles: new Counter({
      name: n('clicklake_writer_retention_files_removed_total'),
      help: 'Parquet files removed by retention (partitions older than the retention period)',
      registers,
    }),
    retentionRows: new Counter({
      name: n('clicklake_writer_retention_rows_removed_total'),
      help: 'Rows removed by retention',
      registers,
    }),
    forgottenRows: new Counter({
      name: n('clicklake_writer_forgotten_rows_total'),
      help: 'Rows removed by forget requests (right to be forgotten)',
      registers,
    }),
  };
}
