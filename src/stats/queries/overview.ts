import type { SqlRunner } from '../../core/ports.js';
import { keyBitsSql, orCountSql } from '../../core/visitor-bits.js';
import { bucketOf, previousPeriod, rangeDays, type NamedQuery, type Scope, type StatsQuery } from '../params.js';
import { rollupRows, sessionRowsMatching, sessionSources } from '../rollup.js';
import { bucketStarts, mergeParams, num, ratio, round } from '../sql.js';

/**
 * GET /api/stats/overview: the headline numbers of the range and of the previous period of equal length, and a
 * trend series (hourly for ranges <= 2 days, else daily) of both. Definitions in docs/dashboard-api.md:
 * - visitors: distinct anonymous_id of matching events; page_views: matching page_view events;
 * - sessions: distinct session_id of sessions with a matching event (events outside the range are not seen);
 * - bounce: a session with exactly one page_view and no event other than page_view, scroll or identify;
 * - session duration: last event ts - first event ts of the session (in the range), averaged over sessions;
 * - views_per_session: page views of those sessions / sessions.
 * Both periods and the trend come from one statement over the rollup rows (../rollup.ts) of each period.
 */
export interface OverviewTotals {
  visitors: number;
  sessions: number;
  page_views: number;
  bounce_rate: number;
  avg_session_seconds: number;
  views_per_session: number;
}

export interface TrendPoint {
  t: string;
  visitors: number;
  sessions: number;
  page_views: number;
}

/**
 * One statement over the rollup rows (../rollup.ts) of both periods, tagged `cur`: `r` (only the needed columns, the
 * bucket `b` from the row's dt/hour) is materialised and feeds the totals (kind 'total', one row per period) and the
 * trend (kind 'trend', one row per period and bucket). A session's rows re-aggregate exactly (sums, min, max), except
 * a `solo` row, which is all of its session already; distinct counts are taken over pre-deduplicated (period,
 * bucket, id) sets instead of count(DISTINCT) per group.
 */
const overviewSql = (cur: string, prev: string, bucket: 'hour' | 'day', prelude = '') => `
WITH ${prelude} r AS MATERIALIZED (
  SELECT sid, vid, pv, active, t_min, t_max, cur, m, solo,
    ${bucket === 'hour' ? 'CAST(epoch(dt) AS BIGINT) + hour * 3600' : 'CAST(epoch(dt) AS BIGINT)'} AS b
  FROM (SELECT *, TRUE AS cur FROM (${cur}) UNION ALL SELECT *, FALSE AS cur FROM (${prev}))
),
sess AS (
  SELECT cur, pv, active, epoch_ms(t_max) - epoch_ms(t_min) AS dur_ms FROM r WHERE solo AND m
  UNION ALL
  SELECT cur, sum(pv) AS pv, sum(active) AS active, epoch_ms(max(t_max)) - epoch_ms(min(t_min)) AS dur_ms
  FROM r WHERE sid IS NOT NULL AND NOT solo
  GROUP BY cur, sid HAVING bool_or(m)
),
vd AS MATERIALIZED (SELECT cur, b, vid FROM r WHERE m AND vid IS NOT NULL GROUP BY ALL),
sd AS (
  SELECT cur, b, count(*) AS sessions FROM (
    SELECT cur, b FROM r WHERE m AND solo
    UNION ALL SELECT cur, b FROM (SELECT cur, b, sid FROM r WHERE m AND sid IS NOT NULL AND NOT solo GROUP BY ALL)
  ) GROUP BY ALL
),
pvb AS (SELECT cur, b, coalesce(sum(pv) FILTER (WHERE m), 0)::BIGINT AS page_views FROM r GROUP BY ALL),
tv AS (SELECT cur, b, count(*) AS visitors FROM vd GROUP BY ALL),
v AS (SELECT cur, count(*) AS visitors FROM (SELECT DISTINCT cur, vid FROM vd) GROUP BY cur),
e AS (
  SELECT p.cur, coalesce(v.visitors, 0) AS visitors, sum(p.page_views)::BIGINT AS page_views
  FROM pvb p LEFT JOIN v USING (cur) GROUP BY ALL
),
s AS (
  SELECT cur, count(*) AS sessions, count_if(pv = 1 AND active = 0) AS bounces,
    avg(dur_ms)::DOUBLE AS avg_dur_ms, sum(pv)::BIGINT AS session_pv
  FROM sess GROUP BY cur
),
t AS (
  SELECT p.cur, p.b, coalesce(tv.visitors, 0) AS visitors, coalesce(sd.sessions, 0) AS sessions, p.page_views
  FROM pvb p LEFT JOIN tv USING (cur, b) LEFT JOIN sd USING (cur, b)
)
SELECT 'total' AS kind, e.cur, NULL::BIGINT AS b, e.visitors, e.page_views, s.sessions, s.bounces, s.avg_dur_ms, s.session_pv
FROM e LEFT JOIN s ON s.cur = e.cur
UNION ALL
SELECT 'trend', cur, b, visitors, page_views, sessions, NULL, NULL, NULL FROM t`;

/**
 * The CTE bk (the trend buckets of both periods; the daily point of a day rolled up in part counted from the rows of
 * the CTE ses, `visitors` its distinct visitors) and the answer's rows from it and the CTEs v and s.
 */
const bucketsAnswerSql = (buckets: [string, string], partial: [string, string], bucket: 'hour' | 'day', visitors: string) => `bk AS (
  SELECT dt, hour, visitors, sessions, page_views, TRUE AS cur FROM (${buckets[0]})
  UNION ALL SELECT dt, hour, visitors, sessions, page_views, FALSE AS cur FROM (${buckets[1]})${
    bucket === 'day' && partial.some((p) => p !== 'FALSE')
      ? `
  UNION ALL SELECT dt, -1, ${visitors}::INTEGER, count(DISTINCT sid)::INTEGER, sum(pv)::INTEGER, cur FROM ses
  WHERE (cur AND ${partial[0]}) OR (NOT cur AND ${partial[1]}) GROUP BY dt, cur`
      : ''
  }
)
SELECT 'total' AS kind, v.cur, NULL::BIGINT AS b, v.visitors, v.page_views, s.sessions, s.bounces, s.avg_dur_ms, s.session_pv
FROM v LEFT JOIN s ON s.cur = v.cur
UNION ALL
SELECT 'trend', cur, ${bucket === 'hour' ? 'CAST(epoch(dt) AS BIGINT) + hour * 3600' : 'CAST(epoch(dt) AS BIGINT)'}, visitors, page_views, sessions, NULL, NULL, NULL
FROM bk WHERE ${bucket === 'hour' ? 'hour >= 0' : 'hour = -1'}`;

/**
 * The same answer without filters, from the per-(day, session) rows and the stored trend buckets (../rollup.ts
 * sessionSources): sessions re-aggregate across days as above; visitors are distinct over the session rows (which
 * keep the events without a session too, sid NULL); each trend
 * point is its bucket's stored distinct counts, except the daily point of a day rolled up in part (today), which is
 * counted from its session rows. (With per-day totals and visitor numbers: totalsSql.)
 */
const unfilteredSql = (
  sessions: [string, string],
  buckets: [string, string],
  partial: [string, string],
  bucket: 'hour' | 'day',
  prelude: string,
) => `
WITH ${prelude} ses AS MATERIALIZED (
  SELECT dt, sid, vid AS visitor, pv, active, t_min, t_max, solo, TRUE AS cur FROM (${sessions[0]})
  UNION ALL SELECT dt, sid, vid AS visitor, pv, active, t_min, t_max, solo, FALSE AS cur FROM (${sessions[1]})
),
sess AS (
  SELECT cur, pv, active, epoch_ms(t_max) - epoch_ms(t_min) AS dur_ms FROM ses WHERE solo
  UNION ALL
  SELECT cur, sum(pv) AS pv, sum(active) AS active, epoch_ms(max(t_max)) - epoch_ms(min(t_min)) AS dur_ms
  FROM ses WHERE sid IS NOT NULL AND NOT solo GROUP BY cur, sid
),
v AS (SELECT cur, count(DISTINCT visitor) AS visitors, sum(pv)::BIGINT AS page_views FROM ses GROUP BY cur),
s AS (
  SELECT cur, count(*) AS sessions, count_if(pv = 1 AND active = 0) AS bounces,
    avg(dur_ms)::DOUBLE AS avg_dur_ms, sum(pv)::BIGINT AS session_pv
  FROM sess GROUP BY cur
),
${bucketsAnswerSql(buckets, partial, bucket, 'count(DISTINCT visitor)')}`;

/** The CTE s of overviewSql (the session totals per period) from `parts` (cur, sessions, bounces, dur_ms, pv). */
const TOTALS_FROM_PARTS = `s AS (
  SELECT cur, sum(sessions)::BIGINT AS sessions, sum(bounces)::BIGINT AS bounces,
    CASE WHEN sum(sessions) = 0 THEN NULL ELSE sum(dur_ms)::DOUBLE / sum(sessions) END AS avg_dur_ms, sum(pv)::BIGINT AS session_pv
  FROM parts GROUP BY cur
),`;

/**
 * The unfiltered answer from the stored days' per-day session totals (core/rollup.ts SESSION_TOTALS_TABLE, each row
 * taken as a whole session): those sums, minus the same sums over the stored rows that are not `solo` (`shared`, or
 * their session goes on in the rows from `events`), plus all the non-solo rows' sessions regrouped (the rows from
 * `events` included); visitors are a bitmap of their numbers (`bitmap`, the rows from `events` by their keys), or the
 * stored days' bitmaps OR-ed with one of the rows from `events` (`dayBits`); the trend is the buckets, and the daily
 * point of a day rolled up in part is counted from its session rows. Reads the
 * session rows' visitor number and page views, and the few non-solo rows, instead of every session's times.
 */
const totalsSql = (
  sessions: [string, string],
  totals: [string, string],
  buckets: [string, string],
  partial: [string, string],
  bucket: 'hour' | 'day',
  prelude: string,
  bitmap: (c: string) => string,
  dayBits: { sql: [string, string]; capacity: number } | null,
) => `
WITH ${prelude} ses AS (
  SELECT dt, vno, pv, solo, live, sid, active, t_min, t_max, TRUE AS cur FROM (${sessions[0]})
  UNION ALL SELECT dt, vno, pv, solo, live, sid, active, t_min, t_max, FALSE AS cur FROM (${sessions[1]})
),
sh AS MATERIALIZED (SELECT cur, sid, live, pv, active, epoch_ms(t_min) AS t0, epoch_ms(t_max) AS t1 FROM ses WHERE NOT solo AND sid IS NOT NULL),
parts AS (
  SELECT TRUE AS cur, sessions, bounces, dur_ms, pv FROM (${totals[0]})
  UNION ALL SELECT FALSE, sessions, bounces, dur_ms, pv FROM (${totals[1]})
  UNION ALL SELECT cur, -1, -(pv = 1 AND active = 0)::INTEGER, -(t1 - t0), -pv FROM sh WHERE NOT live
  UNION ALL SELECT cur, 1, (sum(pv) = 1 AND sum(active) = 0)::INTEGER, max(t1) - min(t0), sum(pv) FROM sh GROUP BY cur, sid
),
${TOTALS_FROM_PARTS}
v AS (${dayBits === null ? `SELECT cur, ${bitmap('vno')} AS visitors, sum(pv)::BIGINT AS page_views FROM ses GROUP BY cur` : dayBitsVisitorsSql(dayBits)}),
${bucketsAnswerSql(buckets, partial, bucket, bitmap('vno'))}`;

/**
 * The CTE v of totalsSql from the stored days' bitmaps and page views (core/visitor-bits.ts DAY_BITS_TABLE) OR-ed and
 * summed with those of the session rows from `events` (their visitors' keys outside the bitmaps counted apart:
 * keyBitsSql), instead of reading every stored session row.
 */
function dayBitsVisitorsSql(dayBits: { sql: [string, string]; capacity: number }): string {
  const c = dayBits.capacity;
  const stored = (i: 0 | 1) => `SELECT ${i === 0} AS cur, bits AS b, 0::BIGINT AS o, pv FROM (${dayBits.sql[i]}) WHERE bits IS NULL OR bit_length(bits) = ${c}`;
  return (
    `SELECT cur, ${orCountSql('b', 'o')} AS visitors, sum(pv)::BIGINT AS page_views FROM (` +
    `${stored(0)} UNION ALL ${stored(1)} ` +
    `UNION ALL SELECT cur, ${keyBitsSql('vno', c).join(', ')}, sum(pv) FROM ses WHERE live GROUP BY cur) GROUP BY cur`
  );
}

/**
 * totalsSql with filters on visitor dimensions (every row has `m`) and a daily trend: the sessions with a matching
 * row, as the per-day sums of matching rows, minus the matching stored non-solo rows, plus the non-solo sessions with
 * a matching row regrouped (all their rows, as overviewSql does); per day the same for the sessions, and the visitors
 * and page views of the matching rows.
 */
const matchingTotalsSql = (sessions: [string, string], totals: [string, string], prelude: string, bitmap: (c: string) => string) => `
WITH ${prelude} ses AS (
  SELECT dt, vno, pv, solo, live, sid, active, t_min, t_max, m, TRUE AS cur FROM (${sessions[0]})
  UNION ALL SELECT dt, vno, pv, solo, live, sid, active, t_min, t_max, m, FALSE AS cur FROM (${sessions[1]})
),
sh AS MATERIALIZED (
  SELECT cur, dt, sid, live, pv, active, epoch_ms(t_min) AS t0, epoch_ms(t_max) AS t1, m FROM ses WHERE NOT solo AND sid IS NOT NULL
),
tot AS (
  SELECT TRUE AS cur, dt, sessions, bounces, dur_ms, pv FROM (${totals[0]}) WHERE m
  UNION ALL SELECT FALSE, dt, sessions, bounces, dur_ms, pv FROM (${totals[1]}) WHERE m
),
parts AS (
  SELECT cur, sessions, bounces, dur_ms, pv FROM tot
  UNION ALL SELECT cur, -1, -(pv = 1 AND active = 0)::INTEGER, -(t1 - t0), -pv FROM sh WHERE m AND NOT live
  UNION ALL SELECT cur, 1, (sum(pv) = 1 AND sum(active) = 0)::INTEGER, max(t1) - min(t0), sum(pv) FROM sh GROUP BY cur, sid HAVING bool_or(m)
),
${TOTALS_FROM_PARTS}
v AS (SELECT cur, ${bitmap('vno')} AS visitors, sum(pv)::BIGINT AS page_views FROM ses WHERE m GROUP BY cur),
days AS (SELECT cur, dt, ${bitmap('vno')} AS visitors, sum(pv)::BIGINT AS page_views FROM ses WHERE m GROUP BY cur, dt),
dsess AS (
  SELECT cur, dt, sum(n)::BIGINT AS sessions FROM (
    SELECT cur, dt, sessions AS n FROM tot
    UNION ALL SELECT cur, dt, -count(*) FROM sh WHERE m AND NOT live GROUP BY cur, dt
    UNION ALL SELECT cur, dt, count(DISTINCT sid) FROM sh WHERE m GROUP BY cur, dt
  ) GROUP BY cur, dt
)
SELECT 'total' AS kind, v.cur, NULL::BIGINT AS b, v.visitors, v.page_views, s.sessions, s.bounces, s.avg_dur_ms, s.session_pv
FROM v LEFT JOIN s ON s.cur = v.cur
UNION ALL
SELECT 'trend', cur, CAST(epoch(dt) AS BIGINT), coalesce(days.visitors, 0), coalesce(days.page_views, 0), coalesce(dsess.sessions, 0), NULL, NULL, NULL
FROM days FULL JOIN dsess USING (cur, dt)`;

function emptyTotals(): OverviewTotals {
  return { visitors: 0, sessions: 0, page_views: 0, bounce_rate: 0, avg_session_seconds: 0, views_per_session: 0 };
}

export async function overview(sql: SqlRunner, q: StatsQuery) {
  const prev = previousPeriod(q);
  const bucket = bucketOf(q);
  const [fastCur, fastPrev] = await Promise.all([sessionSources(sql, q, 'c_'), sessionSources(sql, prev, 'p_')]);
  let result;
  // Both periods in one aggregate: the bitmap only if each period's can have one. Groups: each period, and the days
  // rolled up in part (at most the first and the last of each).
  const bitmap = fastCur !== null && fastPrev !== null && fastPrev.visitors(6) !== null ? fastCur.visitors(6) : null;
  if (fastCur?.totals && fastPrev?.totals && bitmap !== null) {
    result = await sql.queryInternal(
      totalsSql(
        [fastCur.sessions.sql, fastPrev.sessions.sql],
        [fastCur.totals.sql, fastPrev.totals.sql],
        [fastCur.buckets.sql, fastPrev.buckets.sql],
        [fastCur.partialDays, fastPrev.partialDays],
        bucket,
        fastCur.prelude + fastPrev.prelude,
        bitmap,
        fastCur.dayBits && fastPrev.dayBits && { sql: [fastCur.dayBits.sql, fastPrev.dayBits.sql], capacity: fastCur.dayBits.capacity },
      ),
      mergeParams(fastCur.sessions.params, fastCur.buckets.params, fastPrev.sessions.params, fastPrev.buckets.params),
      { maxRows: 100_000 },
    );
  } else if (fastCur !== null && fastPrev !== null) {
    result = await sql.queryInternal(
      unfilteredSql(
        [fastCur.sessions.sql, fastPrev.sessions.sql],
        [fastCur.buckets.sql, fastPrev.buckets.sql],
        [fastCur.partialDays, fastPrev.partialDays],
        bucket,
        fastCur.prelude + fastPrev.prelude,
      ),
      mergeParams(fastCur.sessions.params, fastCur.buckets.params, fastPrev.sessions.params, fastPrev.buckets.params),
      { maxRows: 100_000 },
    );
  } else {
    // Daily trend and filters on visitor dimensions only: the per-(day, session) rows answer; else the rollup rows.
    const [byCur, byPrev] = bucket === 'day' ? await Promise.all([sessionRowsMatching(sql, q, 'c_'), sessionRowsMatching(sql, prev, 'p_')]) : [null, null];
    // Groups of the bitmaps: each period's days and the period itself.
    const groups = 2 * (bucketStarts(q.from, q.to, bucket).length + 1);
    const numbered = byCur !== null && byPrev !== null && byPrev.visitors(groups) !== null ? byCur.visitors(groups) : null;
    if (byCur?.totals && byPrev?.totals && numbered !== null) {
      result = await sql.queryInternal(
        matchingTotalsSql([byCur.sql, byPrev.sql], [byCur.totals.sql, byPrev.totals.sql], byCur.prelude + byPrev.prelude, numbered),
        mergeParams(byCur.params, byCur.totals.params, byPrev.params, byPrev.totals.params),
        { maxRows: 100_000 },
      );
    } else {
      const bySessions = byCur !== null && byPrev !== null;
      const [cur, before] = bySessions ? [byCur as Scope, byPrev as Scope] : await Promise.all([rollupRows(sql, q, 'c_'), rollupRows(sql, prev, 'p_')]);
      const prelude = bySessions ? byCur!.prelude + byPrev!.prelude : '';
      result = await sql.queryInternal(overviewSql(cur.sql, before.sql, bucket, prelude), mergeParams(cur.params, before.params), { maxRows: 100_000 });
    }
  }
  const totals = { rows: result.rows.filter((r) => r.kind === 'total') };
  const trend = { rows: result.rows.filter((r) => r.kind === 'trend') };
  const current = emptyTotals();
  const previous = emptyTotals();
  for (const row of totals.rows) {
    const t = row.cur === true ? current : previous;
    const sessions = num(row.sessions);
    t.visitors = num(row.visitors);
    t.page_views = num(row.page_views);
    t.sessions = sessions;
    t.bounce_rate = ratio(num(row.bounces), sessions);
    t.avg_session_seconds = sessions === 0 ? 0 : round(num(row.avg_dur_ms) / 1000, 3);
    t.views_per_session = ratio(num(row.session_pv), sessions);
  }
  const series = (from: string, to: string, cur: boolean): TrendPoint[] => {
    const byStart = new Map<string, TrendPoint>();
    for (const start of bucketStarts(from, to, bucket)) byStart.set(start, { t: start, visitors: 0, sessions: 0, page_views: 0 });
    for (const row of trend.rows) {
      if ((row.cur === true) !== cur) continue;
      const point = byStart.get(new Date(num(row.b) * 1000).toISOString());
      if (!point) continue; // a bucket partly before `from` (instant ranges): its start is outside the series
      point.visitors = num(row.visitors);
      point.sessions = num(row.sessions);
      point.page_views = num(row.page_views);
    }
    return [...byStart.values()];
  };
  return {
    current,
    previous,
    previous_range: { from: prev.from, to: prev.to },
    trend: { bucket, current: series(q.from, q.to, true), previous: series(prev.from, prev.to, false) },
  };
}

export const query: NamedQuery = {
  name: 'overview',
  path: '/api/stats/overview',
  // Reads the previous period too.
  cacheDays: (q) => (q === null ? rangeDays(q) : { from: previousPeriod(q).from.slice(0, 10), to: rangeDays(q).to }),
  run: (sql, q) => overview(sql, q),
};
