import { LAKE_COLUMNS } from '../../src/core/schema.js';
import { channelSql } from '../gen/enrichment.js';

/**
 * DuckDB SQL that simulates clickstream events on the catalog tables of catalog-sql.ts, one UTC day at a time
 * (bounded memory; the day's rows are then written to its dt= directory). Same behaviour model as
 * bench/gen/sessions.ts:
 *   visitors (returning ones come back more) -> sessions (40% bounce, diurnal rhythm)
 *   -> page views (Zipf-like page popularity, external referrer on landing, the previous page after that)
 *   -> per page view: scroll events at 25/50/75/100%, 0-3 clicks on the page's elements, 4% custom events.
 * A day holds whole sessions only (cut at midnight), so it has slightly fewer rows than asked.
 */

/** Mean events per session of the model below: 2.82 page views x (1 + 1.68 scrolls + 0.79 clicks + 0.04 custom). */
const EVENTS_PER_SESSION = 2.82 * 3.51;

const rnd = (list: string) => `${list}[1 + floor(random() * len(${list}))::INTEGER]`;

/** The visitors table, shared by every day. */
export function visitorsStatement(visitors: number): string {
  return `CREATE OR REPLACE TABLE visitors AS
SELECT v, uuid()::VARCHAR AS anonymous_id, ${rnd('site_list')} AS s, ${rnd('dev_list')} AS dev, ${rnd('loc_list')} AS loc,
  CASE WHEN random() < 0.04 THEN 'user_' || v ELSE NULL END AS user_id
FROM range(${visitors}) t(v), consts`;
}

/** Statements building table `day_ev` (about `events` rows of the UTC day starting at dayStartS). */
export function dayStatements(o: { events: number; dayStartS: number; visitors: number }): string[] {
  const sessions = Math.ceil((o.events / EVENTS_PER_SESSION) * 1.05);
  const dayEndS = o.dayStartS + 86_400;
  return [
    `CREATE OR REPLACE TABLE sessions AS
SELECT sid, uuid()::VARCHAR AS session_id,
  least(${o.visitors - 1}, floor(${o.visitors} * pow(random(), 2.2)))::INTEGER AS v,
  ${o.dayStartS} + ${rnd('hour_list')} * 3600 + random() * 3600 AS start_s,
  CASE WHEN random() < 0.4 THEN 1 ELSE 2 + floor(-ln(1 - random()) * 2.5)::INTEGER END AS n_pv,
  ${rnd('ref_list')} AS landing_ref,
  CASE WHEN random() < 0.08 THEN '?utm_source=' || ['newsletter', 'google', 'facebook', 'twitter'][1 + floor(random() * 4)::INTEGER]
    || '&utm_medium=' || ['email', 'cpc', 'social'][1 + floor(random() * 3)::INTEGER]
    || '&utm_campaign=' || ${rnd('campaign_list')} ELSE '' END AS utm
FROM range(${sessions}) t(sid), consts`,

    `CREATE OR REPLACE TABLE pvs_raw AS
SELECT * EXCLUDE (u_scroll, u_click),
  CASE WHEN u_scroll < 0.14625 THEN 4 WHEN u_scroll < 0.2925 THEN 3 WHEN u_scroll < 0.4875 THEN 2
       WHEN u_scroll < 0.75 THEN 1 ELSE 0 END AS n_scroll,
  CASE WHEN u_click < 0.45 THEN 0 WHEN u_click < 0.8075 THEN 1 WHEN u_click < 0.9515 THEN 2 ELSE 3 END AS n_click
FROM (
  SELECT se.sid, se.v, k, se.start_s + k * 70 + random() * 50 AS pv_s,
    least(si.n_pages - 1, floor(exp(random() * ln(si.n_pages + 1)))::INTEGER - 1) AS p, vi.s,
    CASE WHEN k = 0 THEN se.utm ELSE '' END AS qs, se.landing_ref,
    random() AS u_scroll, random() AS u_click, (random() < 0.04)::INTEGER AS n_custom
  FROM (SELECT *, unnest(range(n_pv)) AS k FROM sessions) se
  JOIN visitors vi USING (v) JOIN sites si ON si.s = vi.s)`,

    // Keep whole sessions until the day's target count is reached.
    `CREATE OR REPLACE TABLE pvs AS
WITH per_session AS (
  SELECT sid, sum(1 + n_scroll + n_click + n_custom) AS n FROM pvs_raw GROUP BY sid),
kept AS (SELECT sid FROM (SELECT sid, sum(n) OVER (ORDER BY sid) AS cum FROM per_session) WHERE cum <= ${o.events})
SELECT r.*, 'https://' || si.host || pg.path || r.qs AS url, si.host, pg.path, pg.title, pg.n_el, si.site_id,
  CASE WHEN r.k = 0 THEN r.landing_ref
       ELSE lag('https://' || si.host || pg.path || r.qs) OVER (PARTITION BY r.sid ORDER BY r.k) END AS referrer
FROM pvs_raw r SEMI JOIN kept USING (sid)
JOIN sites si ON si.s = r.s JOIN pages pg ON pg.s = r.s AND pg.p = r.p`,

    `CREATE OR REPLACE TABLE ev_raw AS
SELECT *, 'page_view' AS event_type, 0 AS i, pv_s AS t_s FROM pvs
UNION ALL BY NAME
SELECT *, 'scroll' AS event_type, pv_s + i * 9 + random() * 8 AS t_s
  FROM (SELECT *, unnest(range(1, n_scroll + 1)) AS i FROM pvs)
UNION ALL BY NAME
SELECT *, 'click' AS event_type, pv_s + 1 + random() * 45 AS t_s FROM (SELECT *, unnest(range(n_click)) AS i FROM pvs)
UNION ALL BY NAME
SELECT *, 'custom' AS event_type, 0 AS i, pv_s + 1 + random() * 30 AS t_s FROM pvs WHERE n_custom = 1`,

    `CREATE OR REPLACE TABLE day_ev AS
WITH x AS (
  SELECT r.*, vi.anonymous_id, vi.user_id, vi.dev, vi.loc, se.session_id, to_timestamp(r.t_s) AS ts,
    CASE WHEN r.event_type = 'click' THEN least(r.n_el - 1, floor(-ln(1 - random()) * 1.8)::INTEGER) END AS e,
    CASE WHEN r.event_type = 'custom' THEN [['add_to_cart', 'begin_checkout', 'purchase', 'search'],
      ['newsletter_signup', 'share', 'outbound_click'], ['copy_code', 'search', 'feedback']][r.s + 1][1 + floor(random() * 3)::INTEGER]
    END AS custom_name,
    random() AS u1, random() AS u2
  FROM ev_raw r JOIN visitors vi USING (v) JOIN sessions se USING (sid)
  WHERE r.t_s < ${dayEndS})
SELECT
  ${LAKE_COLUMNS.map((c) => (c.since === 2 ? `NULL::${c.type} AS ${c.name}` : `CAST(${c.name} AS ${c.type}) AS ${c.name}`)).join(',\n  ')}
FROM (
  SELECT uuid()::VARCHAR AS event_id, event_type, custom_name AS event_name, ts, NULL::TIMESTAMPTZ AS client_ts,
    ts + to_milliseconds(50 + floor(u1 * 2950)::BIGINT) AS sent_at,
    ts + to_milliseconds(65 + floor(u1 * 2950 + u2 * 385)::BIGINT) AS received_at,
    site_id, anonymous_id, user_id, session_id, k * 8 + i AS seq, url AS page_url, host AS page_host, path AS page_path,
    title AS page_title, referrer, el.tag AS element_tag, el.el_id AS element_id, el.classes AS element_classes,
    el.text AS element_text, el.selector AS element_selector, el.href AS element_href,
    CASE WHEN event_type = 'click' THEN floor(u1 * dev.vw) END AS x,
    CASE WHEN event_type = 'click' THEN 60 + floor(u2 * 2340) END AS y,
    CASE WHEN event_type = 'scroll' THEN i * 25 END AS scroll_depth,
    dev.vw AS viewport_w, dev.vh AS viewport_h, dev.sw AS screen_w, dev.sh AS screen_h,
    loc.language AS language, loc.timezone AS timezone, dev.ua AS user_agent,
    CASE WHEN custom_name IN ('add_to_cart', 'purchase')
           THEN '{"value":' || (9 + floor(u1 * 390) + 0.99) || ',"currency":"USD","items":' || (1 + floor(u2 * 4)::INTEGER) || '}'
         WHEN custom_name = 'search'
           THEN '{"query":"' || ['tent', 'boots', 'duckdb', 'parquet', 'install', 'api key'][1 + floor(u2 * 6)::INTEGER] || '"}'
         WHEN custom_name IS NOT NULL
           THEN '{"location":"' || ['header', 'footer', 'inline'][1 + floor(u2 * 3)::INTEGER] || '"}'
         ELSE '{}' END AS properties
  FROM x LEFT JOIN elements el ON el.s = x.s AND el.p = x.p AND el.e = x.e)`,

    // Enrichment columns (bench/gen/enrichment.ts): what src/enrich derives from the user agent, the time zone's
    // country, the referrer (NULL when internal) and the landing URL's utm parameters.
    `CREATE OR REPLACE TABLE day_ev AS
WITH u AS (
  SELECT d.*, nullif(regexp_extract(d.page_url, '[?&]utm_source=([^&#]*)', 1), '') AS u_source,
    nullif(regexp_extract(d.page_url, '[?&]utm_medium=([^&#]*)', 1), '') AS u_medium,
    nullif(regexp_extract(d.page_url, '[?&]utm_campaign=([^&#]*)', 1), '') AS u_campaign,
    CASE WHEN d.referrer IS NULL THEN NULL
         ELSE nullif(nullif(regexp_extract(d.referrer, '^https?://([^/:?#]+)', 1), ''), d.page_host) END AS r_host
  FROM day_ev d)
SELECT ${LAKE_COLUMNS.map((c) => (ENRICHED[c.name] ? `CAST(${ENRICHED[c.name]} AS ${c.type}) AS ${c.name}` : `u.${c.name}`)).join(',\n  ')}
FROM u JOIN dev_by_ua dv ON dv.ua = u.user_agent JOIN loc_by_tz lc ON lc.timezone = u.timezone`,
  ];
}

/** Enrichment column -> its SQL in the last statement of dayStatements (other columns are copied). */
const ENRICHED: Readonly<Record<string, string>> = {
  browser: 'dv.browser', browser_version: 'dv.browser_version', os: 'dv.os', os_version: 'dv.os_version',
  device_type: 'dv.device_type', device_vendor: 'dv.device_vendor', device_model: 'dv.device_model',
  is_bot: 'false', country: 'lc.country', referrer_host: 'u.r_host',
  channel: channelSql('u.r_host', 'u.u_source', 'u.u_medium'),
  utm_source: 'u.u_source', utm_medium: 'u.u_medium', utm_campaign: 'u.u_campaign',
};

/** Lookup tables of the enrichment by user agent and time zone, from the catalog's weighted lists. */
export function enrichmentLookupStatements(): string[] {
  return [
    `CREATE OR REPLACE TABLE dev_by_ua AS SELECT DISTINCT d.ua, d.browser, d.browser_version, d.os, d.os_version, d.device_type, d.device_vendor, d.device_model FROM (SELECT unnest(dev_list) AS d FROM consts)`,
    `CREATE OR REPLACE TABLE loc_by_tz AS SELECT DISTINCT l.timezone, l.country FROM (SELECT unnest(loc_list) AS l FROM consts)`,
  ];
}

/** Events per day: weekends carry ~70% of weekday traffic and traffic grows ~1% a day; sums to `events`. */
export function eventsPerDay(events: number, days: number, firstDayEpochS: number): number[] {
  const weights = Array.from({ length: days }, (_, d) => {
    const weekday = new Date((firstDayEpochS + d * 86_400) * 1000).getUTCDay();
    return (weekday === 0 || weekday === 6 ? 0.7 : 1) * (1 + d / 100);
  });
  const total = weights.reduce((a, b) => a + b, 0);
  const counts = weights.map((w) => Math.floor((events * w) / total));
  counts[days - 1] += events - counts.reduce((a, b) => a + b, 0);
  return counts;
}
