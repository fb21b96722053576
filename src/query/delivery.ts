import { EVENTS_VIEW } from './lakeview.js';

/**
 * The view `delivery`: per site and device (anonymous_id), how many events the tracker numbered (`seq`) and how
 * many reached the lake, and what the tracker itself reported losing (docs/data-quality.md).
 *
 * The tracker gives every event the next `seq` of its device, across page loads and sessions, so for one device
 * `max(seq) - min(seq) + 1` events were made between the first and the last one received. Events it had to drop
 * (its queue overflowed) still used their seq; it reports how many in a `queue_overflow` event (`dropped`). So
 * `missing - reported_dropped` is what went missing without an explanation (lost in transit, blocked, or still on the
 * device waiting to be sent). Events dropped before the first received seq are reported but not missing: that
 * difference is floored at 0. Devices without seq (other clients) are not listed. Plain SQL over `events`, so it
 * covers the not-yet-written tail too.
 */
export const DELIVERY_VIEW = 'delivery';

export const DELIVERY_VIEW_SQL =
  `CREATE OR REPLACE VIEW ${DELIVERY_VIEW} AS ` +
  `SELECT site_id, anonymous_id, expected, received, expected - received AS missing, reported_dropped, ` +
  `greatest(expected - received - reported_dropped, 0) AS unexplained_missing, sessions, first_seq, last_seq, ` +
  `first_ts, last_ts ` +
  `FROM (SELECT site_id, anonymous_id, max(seq) - min(seq) + 1 AS expected, count(DISTINCT seq) AS received, ` +
  `coalesce(sum(dropped), 0) AS reported_dropped, count(DISTINCT session_id) AS sessions, min(seq) AS first_seq, ` +
  `max(seq) AS last_seq, min(ts) AS first_ts, max(ts) AS last_ts ` +
  `FROM ${EVENTS_VIEW} WHERE anonymous_id IS NOT NULL AND seq IS NOT NULL GROUP BY site_id, anonymous_id)`;
