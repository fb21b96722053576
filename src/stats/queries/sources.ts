import type { SqlRunner } from '../../core/ports.js';
import { rangeDays, type NamedQuery, type StatsQuery } from '../params.js';
import { rollupRows } from '../rollup.js';
import { mergeParams, num, str } from '../sql.js';

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

// Over the rollup rows (../rollup.ts): a row's dimensions are those of its events, so the row holding a session's
// first page view (least pv_first) carries the entry's values.
const sourcesSql = (rows: string, filtered: boolean) => `
WITH r AS MATERIALIZED (SELECT * FROM (${rows}) WHERE sid IS NOT NULL),
s AS (
  SELECT sid, arg_min(vid, pv_first) AS visitor,
    ${TABLES.map((t) => `arg_min(coalesce(${SOURCE_DIMENSIONS[t]}, '(none)'), pv_first) AS ${t}`).join(',\n    ')}
  FROM r WHERE pv > 0${filtered ? ' AND sid IN (SELECT sid FROM r WHERE m)' : ''}
  GROUP BY sid
),
u AS (
  ${TABLES.map((t) => `SELECT '${t}' AS dim, ${t} AS value, count(*) AS sessions, count(DISTINCT visitor) AS visitors FROM s GROUP BY ALL`).join('\n  UNION ALL ')}
)
SELECT * FROM u
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY sessions DESC, value) <= $limit
ORDER BY dim, sessions DESC, value`;

export async function sources(sql: SqlRunner, q: StatsQuery) {
  const rows = await rollupRows(sql, q);
  const result = await sql.queryInternal(sourcesSql(rows.sql, q.filters.length > 0), mergeParams(rows.params, { limit: q.limit }));
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
