import { load } from './storage.js';
import type { KeyValueStore, WireEvent } from './types.js';

/**
 * The tracker's outbox on the device. The core (core.ts) keeps the queue as an array in memory and writes each
 * event through to storage under its own key, `clicklake:<site>:e:<event_id>`, removing it once the collector
 * answered for it; the count of events lost to overflow is kept under `clicklake:<site>:d`.
 *
 * Design constraints:
 * - Survives offline periods, reloads and crashes: a page load adopts every stored event of its site (`loadQueue`)
 *   and sends it. One key per event means a write is O(1) and tabs never overwrite each other's events; an event
 *   another tab still holds when a page loads may be sent by both, and the lake deduplicates by event_id.
 * - Bounded: at most QUEUE_MAX (limits.ts) events per page. Queueing one more drops the oldest and counts it; the
 *   count is reported by a `queue_overflow` event (props.dropped) after the next delivered batch. Dropped events
 *   leave gaps in seq, which the report explains.
 * - Storage that is missing, blocked, full or holds garbage reads as empty and skips writes (storage.ts).
 */
/** Every stored event under `prefix` (in storage order; the lake orders by ts). */
export function loadQueue(store: KeyValueStore | null, prefix: string): WireEvent[] {
  const q: WireEvent[] = [];
  try {
    for (let i = 0, k; (k = store!.key(i)); i++) if (!k.indexOf(prefix)) q.push(load(store, k));
  } catch (e) {
    // no storage
  }
  return q.filter(Boolean);
}
