import type { SqlRunner } from '../../core/ports.js';
import { rangeDays, type NamedQuery, type StatsQuery } from '../params.js';
import { rollupRows, sessionRowsMatching } from '../rollup.js';
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

/**
 * The tables from `s` (one row per session: visitor and entry values), most sessions first. Visitors are counted
 * over pre-deduplicated (value, visitor) rows instead of count(DISTINCT) per value (measured: about 25% less time).
 */
const tablesSql = (s: string) => `
WITH s AS MATERIALIZED (${s}),
u AS (
  ${TABLES.map((t) => `SELECT '${t}' AS dim, value, sum(n)::BIGINT AS sessions, count(visitor) AS visitors FROM (SELECT ${t} AS value, visitor, count(*) AS n FROM s GROUP BY ALL) GROUP BY ALL`).join('\n  UNION ALL ')}
)
SELECT * FROM u
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY sessions DESC, value) <= $limit
ORDER BY dim, sessions DESC, value`;

// Over the rollup rows (../rollup.ts): a row's dimensions are those of its events, so the row holding a session's
// first page view (least pv_first) carries the entry's values. A `solo` row (a stored per-(day, session) row that is
// all of its session in the range) is used as it is; only the other sessions are regrouped.
const fromRowsSql = (rows: string, filtered: boolean) => {
  const values = TABLES.map((t) => SOURCE_DIMENSIONS[t]);
  const pick = `SELECT sid, arg_min(vid, pv_first) AS visitor, ${TABLES.map((t) => `arg_min(coalesce(${SOURCE_DIMENSIONS[t]}, '(none)'), pv_first) AS ${t}`).join(', ')}`;
  const whole = `SELECT sid, vid AS visitor, ${TABLES.map((t) => `coalesce(${SOURCE_DIMENSIONS[t]}, '(none)') AS ${t}`).join(', ')}`;
  // `r` is read more than once: materialised with only the columns needed.
  const columns = ['sid', 'vid', 'pv', 'pv_first', 'm', 'solo', ...values].join(', ');
  const regrouped = filtered ? `NOT solo AND pv > 0 AND sid IN (SELECT sid FROM r WHERE m AND NOT solo)` : 'NOT solo';
  return (
    `WITH r AS MATERIALIZED (SELECT ${columns} FROM (${rows}) WHERE sid IS NOT NULL${filtered ? '' : ' AND pv > 0'}) ` +
    `${pick} FROM r WHERE ${regrouped} GROUP BY sid ` +
    `UNION ALL ${whole} FROM r WHERE solo AND pv > 0${filtered ? ' AND m' : ''}`
  );
};

export async function sources(sql: SqlRunner, q: StatsQuery) {
  // The per-(day, session) rows keep the entry values and answer without filters or with visitor-dimension filters
  // (fromRowsSql's coalesce is then a no-op); otherwise the rollup rows.
  const rows = (await sessionRowsMatching(sql, q, 's_')) ?? (await rollupRows(sql, q));
  const result = await sql.queryInternal(tablesSql(fromRowsSql(rows.sql, q.filters.length > 0)), mergeParams(rows.params, { limit: q.limit }));
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
