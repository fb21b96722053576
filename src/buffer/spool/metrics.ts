import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** Why an append call was refused; the `reason` label of clicklake_spool_appends_rejected_total. */
export type RejectReason = 'full' | 'io' | 'closed';

export interface SpoolMetrics {
  readonly fsyncSeconds: Histogram;
  readonly appendedRecords: Counter;
  readonly groupCommits: Counter;
  readonly corruptRecords: Counter;
  readonly truncatedBytes: Counter;
  readonly appendsRejected: Counter<'reason'>;
}

/** fdatasync latency: 0.1 ms (NVMe, tmpfs) to 1 s (a struggling network disk). */
const FSYNC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * Registers the spool's metrics on `registry` (never the global default one). The gauges read `sample` when
 * scraped. Registering twice on one registry throws (prom-client refuses duplicate names): one spool per registry.
 */
export function createSpoolMetrics(
  registry: Registry,
  sample: () => { readonly bytes: number; readonly segments: number },
  /** Inserted after `clicklake_` (e.g. 'failed_' for the dead-letter spool): one spool per registry and prefix. */
  prefix = '',
): SpoolMetrics {
  const registers = [registry];
  const n = (name: string) => name.replace(/^clicklake_/, `clicklake_${prefix}`);
  new Gauge({
    name: n('clicklake_spool_bytes'),
    help: 'Bytes held by spool segment files (uncommitted data plus headers)',
    registers,
    collect() {
      this.set(sample().bytes);
    },
  });
  new Gauge({
    name: n('clicklake_spool_segments'),
    help: 'Number of spool segment files, the active one included',
    registers,
    collect() {
      this.set(sample().segments);
    },
  });
  return {
    fsyncSeconds: new Histogram({
      name: n('clicklake_spool_fsync_seconds'),
      help: 'Duration of the fdatasync of one group commit',
      buckets: FSYNC_BUCKETS,
      registers,
    }),
    appendedRecords: new Counter({
      name: n('clicklake_spool_appended_records_total'),
      help: 'Records durably appended (acknowledged)',
      registers,
    }),
    groupCommits: new Counter({
      name: n('clicklake_spool_group_commits_total'),
      help: 'Successful group commits (one write and one fdatasync each)',
      registers,
    }),
    corruptRecords: new Counter({
      name: n('clicklake_spool_corrupt_records_total'),
      help: 'Torn or corrupt records and segment headers found (each cut a segment short or set it aside)',
      registers,
    }),
    truncatedBytes: new Counter({
      name: n('clicklake_spool_truncated_bytes_total'),
      help: 'Bytes dropped by recovery: torn/corrupt tails truncated and corrupt segments set aside',
      registers,
    }),
    appendsRejected: new Counter({
      name: n('clicklake_spool_appends_rejected_total'),
      help: 'Append calls refused, by reason (full: size bound or ENOSPC, io: I/O error, closed: shutting down)',
      labelNames: ['reason'],
      registers,
    }),
  };
}
