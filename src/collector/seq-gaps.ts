import { Counter, type Registry } from 'prom-client';

/**
 * Counts seq gaps as events arrive (clicklake_collector_seq_gaps_total): the tracker numbers each device's events
 * 1, 2, 3, ... (`seq`), so an accepted event whose seq is more than one past the last one seen for its (site_id,
 * anonymous_id) reveals missing events. The last seq per device lives in a bounded LRU map (`capacity` devices; the
 * least recently seen is forgotten), so memory stays bounded whatever the traffic.
 *
 * Approximate by design: a retried batch that arrives after a later one (out of order) was first counted as a gap
 * and is not subtracted when it arrives; a device evicted from the map, or seen by another collector process,
 * starts over. The exact figure is the `delivery` view over the lake. Reported drops (a `queue_overflow` event's
 * `props.dropped`) are counted in clicklake_collector_tracker_dropped_total.
 */
export interface SeqGapTracker {
  /** Records an accepted event (raw protocol object); ignores events without anonymous_id or integer seq. */
  observe(event: unknown): void;
  /** Devices currently tracked. */
  size(): number;
}

function get<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createSeqGapTracker(registry: Registry, capacity = 100_000): SeqGapTracker {
  const registers = [registry];
  const gaps = get(registry, 'clicklake_collector_seq_gaps_total', () =>
    new Counter({
      name: 'clicklake_collector_seq_gaps_total',
      help: 'Events missing between consecutive seq numbers of a device, as seen on arrival (approximate)',
      registers,
    }),
  );
  const dropped = get(registry, 'clicklake_collector_tracker_dropped_total', () =>
    new Counter({
      name: 'clicklake_collector_tracker_dropped_total',
      help: 'Events trackers report they dropped (queue_overflow events, props.dropped)',
      registers,
    }),
  );
  const last = new Map<string, number>();
  return {
    observe(event) {
      if (event === null || typeof event !== 'object') return;
      const e = event as { site_id?: unknown; anonymous_id?: unknown; seq?: unknown; type?: unknown; props?: unknown };
      if (e.type === 'queue_overflow' && e.props !== null && typeof e.props === 'object') {
        const n = (e.props as { dropped?: unknown }).dropped;
        if (typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= 2_147_483_647) dropped.inc(n);
      }
      if (typeof e.anonymous_id !== 'string' || typeof e.seq !== 'number' || !Number.isSafeInteger(e.seq)) return;
      const key = `${typeof e.site_id === 'string' ? e.site_id : 'default'}\u0000${e.anonymous_id}`;
      const prev = last.get(key);
      if (prev !== undefined) {
        last.delete(key); // re-inserted below: Map order is the LRU order
        if (e.seq > prev + 1) gaps.inc(e.seq - prev - 1);
      } else if (last.size >= capacity) {
        last.delete(last.keys().next().value!);
      }
      last.set(key, prev === undefined ? e.seq : Math.max(prev, e.seq));
    },
    size: () => last.size,
  };
}
