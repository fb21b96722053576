import type { SqlRunner } from '../../core/ports.js';
import { rangeDays, type NamedQuery, type StatsQuery } from '../params.js';
import { mergeParams, num, sessionScope, str } from '../sql.js';

/**
 * GET /api/stats/sources: where sessions come from. Each matching session is attributed to the values of its first
 * page_view in the range (its entry): referrer host, channel, utm_source, utm_medium, utm_campaign. Tables count
 * sessions and visitors per value, most sessions first; NULL (direct, or data from before enrichment) is "(none)".
 */

/** Table name in the response -> lake column (the allow-list of identifiers in this query). */
export const SOURCE_DIMENSIONS = {
  referrers: 'referrer_host',
  channels: 'channel',
  utm_sources: 'utm_source',
  utm_mediums: 'utm_medium',
  utm_campaigns: 'utm_campaign',
} as const;

type Table = keyof typeof SOURCE_DIMENSIONS;
const TABLES = Object.keys(SOURCE_DIMENSIONS) as Table[];

const sourcesSql = (sessions: string) => `
WITH s AS (
  SELECT session_id, arg_min(anonymous_id, ts) AS visitor,
    ${TABLES.map((t) => `arg_min(coalesce(${SOURCE_DIMENSIONS[t]}, '(none)'), ts) AS ${t}`).join(',\n    ')}
  FROM events WHERE ${sessions} AND event_type = 'page_view'
  GROUP BY session_id
),
u AS (
  ${TABLES.map((t) => `SELECT '${t}' AS dim, ${t} AS value, count(*) AS sessions, count(DISTINCT visitor) AS visitors FROM s GROUP BY ALL`).join('\n  UNION ALL ')}
)
SELECT * FROM u
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY sessions DESC, value) <= $limit
ORDER BY dim, sessions DESC, value`;

export async function sources(sql: SqlRunner, q: StatsQuery) {
  const sessions = sessionScope(q);
  const result = await sql.queryInternal(sourcesSql(sessions.sql), mergeParams(sessions.params, { limit: q.limit }));
  const out = Object.fromEntries(TABLES.map((t) => [t, [] as { value: string; sessions: number; visitors: number }[]]));
  for (const r of result.rows) out[str(r.dim)]?.push({ value: str(r.value), sessions: num(r.sessions), visitors: num(r.visitors) });
  return out as Record<Table, { value: string; sessions: number; visitors: number }[]>;
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'sources',
  path: '/api/stats/sources',
  run: (sql, q) => sources(sql, q),
};
