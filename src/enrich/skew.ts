/**
 * Device clock skew (docs/enrichment.md, "Event time"). The tracker stamps each event with the device time (`ts`)
 * and each request with the device time of sending (`sent_at`); the collector stamps `received_at`. When the
 * device clock is wrong, `received_at - sent_at` measures how wrong (plus the network latency), and the same error
 * is in every `ts` of that request.
 *
 * Rule: offset = received_at - sent_at. When both times are present, sent_at is within collector.maxClockSkewMs
 * of received_at, ts is not after sent_at (+1 s of rounding), and |offset| > SKEW_THRESHOLD_MS, the event time is
 * ts + offset, capped at received_at; otherwise nothing is corrected. Below the threshold the difference is
 * indistinguishable from network latency and queueing (a slow mobile upload takes seconds), so it is left alone:
 * a correction would move every event by its request's latency. The corrected time must itself be within
 * maxClockSkewMs of received_at, else the usual rule applies (ts = received_at).
 */
export const SKEW_THRESHOLD_MS = 60_000;
const ORDER_SLACK_MS = 1_000;

/** The corrected event time (epoch ms), or null when no correction applies. */
export function skewCorrected(clientTs: number | null, sentAt: number | null, receivedAt: number, maxSkewMs: number): number | null {
  if (clientTs === null || sentAt === null) return null;
  const offset = receivedAt - sentAt;
  if (Math.abs(offset) <= SKEW_THRESHOLD_MS || Math.abs(offset) > maxSkewMs) return null;
  if (clientTs > sentAt + ORDER_SLACK_MS) return null;
  const corrected = Math.min(clientTs + offset, receivedAt);
  return receivedAt - corrected > maxSkewMs ? null : corrected;
}
