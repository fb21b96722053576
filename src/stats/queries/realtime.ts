import type { SqlRunner } from '../../core/ports.js';
import type { NamedQuery } from '../params.js';
import { num, round } from '../sql.js';

/**
 * GET /api/stats/realtime (docs/dashboard-api.md, "Realtime"): what is happening now, by server time (received_at),
 * so events a device sends late (offline queue) count when they arrive. Ignores from/to/filters: always the last
 * 5 minutes before the request.
 * - visitors: distinct anonymous_id of events received in the last 5 minutes;
 * - events_per_second: events received in the last 60 s / 60;
 * - series: one bucket per 10 s for the last 5 minutes (30 buckets, oldest first, the last one partial), each with
 *   its event count and events per second.
 * Never cached (the plugin sends Cache-Control: no-store on every stats answer).
 */
export const REALTIME_WINDOW_MS = 5 * 60_000;
export const BUCKET_MS = 10_000;
const BUCKETS = REALTIME_WINDOW_MS / BUCKET_MS;

export interface RealtimeResult {
  readonly now: string;
  readonly visitors: number;
  readonly events_last_minute: number;
  readonly events_per_second: number;
  readonly series: { readonly t: string; readonly events: number; readonly per_second: number }[];
}

export async function runRealtime(sql: SqlRunner, site: string, nowMs: number): Promise<RealtimeResult> {
  // Bucket boundaries are aligned to 10 s of wall time; the window is the 30 buckets ending with the current one.
  const end = Math.floor(nowMs / BUCKET_MS) * BUCKET_MS + BUCKET_MS;
  const start = end - REALTIME_WINDOW_MS;
  const statement =
    `WITH ev AS (SELECT anonymous_id, received_at FROM events WHERE site_id = $rt_site ` +
    `AND received_at >= $rt_start::TIMESTAMPTZ AND received_at < $rt_end::TIMESTAMPTZ)\n` +
    `SELECT 'total' AS k, NULL::BIGINT AS b, ` +
    `count(DISTINCT anonymous_id) FILTER (WHERE received_at > $rt_5m::TIMESTAMPTZ AND received_at <= $rt_now::TIMESTAMPTZ) AS visitors, ` +
    `count(*) FILTER (WHERE received_at > $rt_1m::TIMESTAMPTZ AND received_at <= $rt_now::TIMESTAMPTZ) AS n FROM ev\n` +
    `UNION ALL SELECT 'bucket', (epoch_ms(received_at) - $rt_start_ms) // ${BUCKET_MS}, NULL, count(*) FROM ev GROUP BY 2`;
  const result = await sql.queryInternal(
    statement,
    {
      rt_site: site,
      rt_start: new Date(start).toISOString(),
      rt_end: new Date(end).toISOString(),
      rt_start_ms: start,
      rt_now: new Date(nowMs).toISOString(),
      rt_5m: new Date(nowMs - REALTIME_WINDOW_MS).toISOString(),
      rt_1m: new Date(nowMs - 60_000).toISOString(),
    },
    { maxRows: BUCKETS + 1 },
  );
  const counts = new Array<number>(BUCKETS).fill(0);
  let visitors = 0;
  let lastMinute = 0;
  for (const row of result.rows) {
    if (row.k === 'total') {
      visitors = num(row.visitors);
      lastMinute = num(row.n);
    } else {
      const b = num(row.b);
      if (b >= 0 && b < BUCKETS) counts[b] = num(row.n);
    }
  }
  return {
    now: new Date(nowMs).toISOString(),
    visitors,
    events_last_minute: lastMinute,
    events_per_second: round(lastMinute / 60, 3),
    series: counts.map((n, i) => ({ t: new Date(start + i * BUCKET_MS).toISOString(), events: n, per_second: round(n / 10, 3) })),
  };
}

/** Site only: the range and filters do not apply (they are still parsed and validated by the plugin). */
export function createRealtimeQuery(clock: () => number = Date.now): NamedQuery {
  return { name: 'realtime', path: '/api/stats/realtime', run: (sql, q) => runRealtime(sql, q.site, clock()) };
}

export const query: NamedQuery = createRealtimeQuery();
