import { ClicklakeError } from '../../core/errors.js';
import type { SqlRunner } from '../../core/ports.js';
import { enumParam, eventScope, intParam, type NamedQuery, type StatsQuery } from '../params.js';
import { ratio } from '../sql.js';

/**
 * Retention (docs/dashboard-api.md, "Retention"): a cohort grid. A visitor (anonymous_id) belongs to the cohort of
 * the UTC day or ISO week (Monday) of their first event in the range; cell N of a cohort is the share of its
 * visitors with at least one event in period cohort + N. Cells run from 0 to `periods`, and stop at the period
 * that holds the end of the range (later periods cannot have data yet). Filters apply to every event. Shares are
 * rounded to 4 decimals.
 */
export type RetentionPeriod = 'day' | 'week';
const PERIODS: readonly RetentionPeriod[] = ['day', 'week'];
/** SQL of each period (allow-list: only these fragments reach the statement). */
const TRUNC_SQL: Record<RetentionPeriod, string> = {
  day: `CAST(timezone('UTC', ts) AS DATE)`,
  week: `CAST(date_trunc('week', timezone('UTC', ts)) AS DATE)`,
};
const PERIOD_DAYS: Record<RetentionPeriod, number> = { day: 1, week: 7 };
const DEFAULT_PERIODS: Record<RetentionPeriod, number> = { day: 14, week: 12 };
export const MAX_PERIODS = 120;
/** Most cohorts (rows): a day grid may span 120 days, a week grid 120 weeks. */
export const MAX_COHORTS = 120;
const DAY_MS = 86_400_000;

export interface RetentionCohort {
  /** First day of the cohort's period, YYYY-MM-DD. */
  readonly cohort: string;
  readonly visitors: number;
  /** cells[N]: visitors active in period N and their share of the cohort. */
  readonly cells: { readonly period: number; readonly visitors: number; readonly share: number }[];
}

export interface RetentionResult {
  readonly period: RetentionPeriod;
  readonly periods: number;
  readonly cohorts: RetentionCohort[];
}

function periodStart(ms: number, period: RetentionPeriod): number {
  const day = Math.floor(ms / DAY_MS) * DAY_MS;
  if (period === 'day') return day;
  const weekday = (new Date(day).getUTCDay() + 6) % 7; // Monday = 0
  return day - weekday * DAY_MS;
}

export async function runRetention(
  sql: SqlRunner,
  q: StatsQuery,
  period: RetentionPeriod,
  periods: number,
): Promise<RetentionResult> {
  const step = PERIOD_DAYS[period] * DAY_MS;
  const first = periodStart(Date.parse(q.from), period);
  const last = periodStart(Date.parse(q.to) - 1, period);
  const cohortCount = Math.round((last - first) / step) + 1;
  if (cohortCount > MAX_COHORTS) {
    throw new ClicklakeError('CLK_ERR_BAD_REQUEST', `to: a ${period} retention grid spans at most ${MAX_COHORTS} ${period}s`);
  }
  const scope = eventScope(q);
  const trunc = TRUNC_SQL[period];
  const statement =
    `WITH a AS (SELECT anonymous_id AS v, ${trunc} AS p FROM events WHERE ${scope.sql} AND anonymous_id IS NOT NULL GROUP BY ALL),\n` +
    `f AS (SELECT v, min(p) AS c FROM a GROUP BY v)\n` +
    `SELECT f.c AS cohort, CAST(date_diff('day', f.c, a.p) / ${PERIOD_DAYS[period]} AS INTEGER) AS n, count(*) AS visitors ` +
    `FROM a JOIN f USING (v) WHERE date_diff('day', f.c, a.p) <= $rt_max_days GROUP BY ALL ORDER BY cohort, n`;
  const result = await sql.queryInternal(
    statement,
    { ...scope.params, rt_max_days: periods * PERIOD_DAYS[period] },
    { maxRows: MAX_COHORTS * (MAX_PERIODS + 1) },
  );
  const byCohort = new Map<string, Map<number, number>>();
  for (const row of result.rows) {
    const cohort = String(row.cohort);
    const cells = byCohort.get(cohort) ?? new Map<number, number>();
    cells.set(Number(row.n), Number(row.visitors));
    byCohort.set(cohort, cells);
  }
  const cohorts: RetentionCohort[] = [];
  for (const [cohort, cells] of [...byCohort].sort(([a], [b]) => a.localeCompare(b))) {
    const size = cells.get(0) ?? 0;
    const available = Math.min(periods, Math.round((last - Date.parse(`${cohort}T00:00:00Z`)) / step));
    const row = [];
    for (let n = 0; n <= available; n++) {
      const visitors = cells.get(n) ?? 0;
      row.push({ period: n, visitors, share: ratio(visitors, size) });
    }
    cohorts.push({ cohort, visitors: size, cells: row });
  }
  return { period, periods, cohorts };
}

export const query: NamedQuery = {
  name: 'retention',
  path: '/api/stats/retention',
  extraParams: ['period', 'periods'],
  run: (sql, q, extra) => {
    const period = enumParam(extra, 'period', PERIODS, 'day');
    const periods = intParam(extra, 'periods', 1, MAX_PERIODS, DEFAULT_PERIODS[period]);
    return runRetention(sql, q, period, periods);
  },
};
