import type { SqlRunner } from '../../core/ports.js';
import { type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { rollupRows, sessionRowsMatching } from '../rollup.js';
import { mergeParams, num, str } from '../sql.js';

/**
 * GET /api/stats/audience: visitors (distinct anonymous_id of matching events) per device type, browser, OS,
 * country, language and screen size ("<screen_w>x<screen_h>"), most visitors first; NULL is "(none)".
 * One scan with GROUPING SETS over the distinct (visitor, dimensions) rows.
 */

/** Table name in the response -> SQL expression over lake columns (the allow-list of this query). */
export const AUDIENCE_DIMENSIONS = {
  devices: 'device_type',
  browsers: 'browser',
  os: 'os',
  countries: 'country',
  languages: 'language',
  screens: "CASE WHEN screen_w IS NULL OR screen_h IS NULL THEN NULL ELSE screen_w::VARCHAR || 'x' || screen_h::VARCHAR END",
} as const;

type Table = keyof typeof AUDIENCE_DIMENSIONS;
const TABLES = Object.keys(AUDIENCE_DIMENSIONS) as Table[];

// ev is deduplicated first (a visitor's events mostly repeat the same dimension values): the distinct counts of the
// grouping sets then run over a few rows per visitor instead of every event (measured: 1.2x at 1M, ~1.7x at 10M events).
// It reads the rollup rows (../rollup.ts): every dimension here is one the rollup groups by, so a row's values are
// those of each of its events.
// Without filters, or with filters on visitor dimensions only, it reads the per-(day, session) rows instead, which keep these dimensions (core/rollup.ts
// VISITOR_DIMENSIONS) and are about a third as many.
// The screen size string is made after the deduplication (once per visitor and values, not per row).
const audienceSql = (rows: string, prelude: string) => `
WITH ${prelude} ev AS (
  SELECT anonymous_id, ${TABLES.map((t) => `${AUDIENCE_DIMENSIONS[t]} AS ${t}`).join(', ')}
  FROM (SELECT DISTINCT vid AS anonymous_id, device_type, browser, os, country, language, screen_w, screen_h FROM (${rows}) WHERE m)
),
g AS (
  SELECT ${TABLES.map((t, i) => `CASE WHEN grouping(${t}) = 0 THEN ${i} ELSE -1 END`).reduce((a, b) => `greatest(${a}, ${b})`)} AS dim,
    coalesce(${TABLES.join(', ')}) AS value_raw,
    count(DISTINCT anonymous_id) AS visitors
  FROM ev
  GROUP BY GROUPING SETS (${TABLES.map((t) => `(${t})`).join(', ')})
)
SELECT dim, coalesce(value_raw, '(none)') AS value, visitors FROM g
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY visitors DESC, value) <= $limit
ORDER BY dim, visitors DESC, value`;

/**
 * With visitor numbers (../rollup.ts VisitorBitmap; rows from `events` by their visitors' keys): the distinct (number,
 * dimensions) rows, then per table its values' visitors as bitmap bits (63 -> 46 ms on the bench lake).
 */
const numberedSql = (rows: string, prelude: string, bitmap: (column: string) => string) => `
WITH ${prelude} ev AS MATERIALIZED (SELECT DISTINCT vno, device_type, browser, os, country, language, screen_w, screen_h FROM (${rows}) WHERE m),
g AS (
  ${TABLES.map((t, i) => `SELECT ${i} AS dim, ${AUDIENCE_DIMENSIONS[t]} AS value_raw, ${bitmap('vno')} AS visitors FROM ev GROUP BY ALL`).join('\n  UNION ALL ')}
)
SELECT dim, coalesce(value_raw, '(none)') AS value, visitors FROM g
QUALIFY row_number() OVER (PARTITION BY dim ORDER BY visitors DESC, value) <= $limit
ORDER BY dim, visitors DESC, value`;

export async function audience(sql: SqlRunner, q: StatsQuery) {
  // Without `solo`: each row counts its visitor alone, never as a whole session.
  const bySession = await sessionRowsMatching(sql, q, 's_', false);
  // Groups: at most every value of these dimensions the rollup holds.
  const bitmap = bySession?.visitors(sql.rollupSiteStats?.(q.site)?.audienceValues ?? Infinity) ?? null;
  const rows = bySession ?? (await rollupRows(sql, q));
  const prelude = bySession?.prelude ?? '';
  const statement = bitmap === null ? audienceSql(rows.sql, prelude) : numberedSql(rows.sql, prelude, bitmap);
  const result = await sql.queryInternal(statement, mergeParams(rows.params, { limit: q.limit }));
  const out = Object.fromEntries(TABLES.map((t) => [t, [] as { value: string; visitors: number }[]]));
  for (const r of result.rows) {
    const table = TABLES[num(r.dim)];
    if (table) out[table]!.push({ value: str(r.value), visitors: num(r.visitors) });
  }
  return out as Record<Table, { value: string; visitors: number }[]>;
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'audience',
  path: '/api/stats/audience',
  run: (sql, q) => audience(sql, q),
};
