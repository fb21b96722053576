import { Counter, Histogram, type Registry } from 'prom-client';

/**
 * The collector's named telemetry (docs/collect.md, "Metrics"). Invariant: events_received_total =
 * events_accepted_total + sum(events_rejected_total) + sum(bots_total) — events of a batch the buffer refused are counted as rejected
 * with the buffer's code (CLK_ERR_BUFFER_FULL, ...). Events of a request refused as a whole (bad body, too many
 * events) are not counted as received.
 */
export interface CollectorMetrics {
  readonly requests: Counter<'status'>;
  readonly received: Counter;
  readonly accepted: Counter;
  readonly rejected: Counter<'code'>;
  readonly bots: Counter<'reason'>;
  readonly duration: Histogram;
}

/** Reuses a metric already registered under the same name (the plugin registered twice on one registry). */
function get<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  const registers = [registry];
  return {
    requests: get(registry, 'clicklake_collector_requests_total', () =>
      new Counter({ name: 'clicklake_collector_requests_total', help: 'POST/OPTIONS /collect requests by HTTP status', labelNames: ['status'], registers }),
    ),
    received: get(registry, 'clicklake_collector_events_received_total', () =>
      new Counter({ name: 'clicklake_collector_events_received_total', help: 'Events in well-formed batches', registers }),
    ),
    accepted: get(registry, 'clicklake_collector_events_accepted_total', () =>
      new Counter({ name: 'clicklake_collector_events_accepted_total', help: 'Events durably appended to the buffer', registers }),
    ),
    rejected: get(registry, 'clicklake_collector_events_rejected_total', () =>
      new Counter({ name: 'clicklake_collector_events_rejected_total', help: 'Events not accepted, by error code', labelNames: ['code'], registers }),
    ),
    bots: get(registry, 'clicklake_collector_bots_total', () =>
      new Counter({ name: 'clicklake_collector_bots_total', help: 'Events of detected bots dropped (collector.bots = drop), by reason', labelNames: ['reason'], registers }),
    ),
    duration: get(registry, 'clicklake_collector_request_seconds', () =>
      new Histogram({
        name: 'clicklake_collector_request_seconds',
        help: 'Time from request start to response sent',
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        registers,
      }),
    ),
  };
}
