import type { SqlRunner } from '../../core/ports.js';
import { eventScope, type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { CLICK_EVENT_TYPES, elementHashSql, elementKeySql } from '../../core/rollup.js';
import { elementSources, interactionEvents } from '../rollup.js';
import { mergeParams, num, str } from '../sql.js';

/**
 * GET /api/stats/clicks: the most clicked elements: matching `click` and `outbound` events grouped by page, element
 * selector and element text (NULL: "(none)"), with clicks and visitors. `rage_click` events are counted per element
 * in `rage_clicks` (they are additional to the clicks).
 */
export const CLICK_TYPES_SQL = CLICK_EVENT_TYPES.map((t) => `'${t}'`).join(', ');

/** The element key (core/rollup.ts elementKeySql): the per-day element tables hash the same expressions. */
const [PAGE_KEY, SELECTOR_KEY, TEXT_KEY] = elementKeySql();

// The top elements are chosen by their counts alone, so distinct visitors are counted for those elements only.
const clicksSql = (scope: string, source: string) => `
WITH c AS MATERIALIZED (
  SELECT ${PAGE_KEY} AS page, ${SELECTOR_KEY} AS selector,
    ${TEXT_KEY} AS text, event_type IN (${CLICK_TYPES_SQL}) AS is_click, anonymous_id
  FROM (${source}) WHERE ${scope} AND event_type IN (${CLICK_TYPES_SQL}, 'rage_click')
),
top AS (
  SELECT page, selector, text, count_if(is_click) AS clicks, count_if(NOT is_click) AS rage_clicks
  FROM c GROUP BY ALL HAVING clicks > 0
  ORDER BY clicks DESC, page, selector, text LIMIT $limit
),
vis AS (
  SELECT page, selector, text, count(DISTINCT anonymous_id) AS visitors
  FROM c SEMI JOIN top USING (page, selector, text) WHERE is_click GROUP BY ALL
)
SELECT top.page, top.selector, top.text, top.clicks, coalesce(vis.visitors, 0) AS visitors, top.rage_clicks
FROM top LEFT JOIN vis USING (page, selector, text)
ORDER BY clicks DESC, page, selector, text`;

/**
 * The same answer from the per-day element tables (../rollup.ts elementSources), without filters or with filters on
 * the page: counts are sums of per-day ones; visitors are distinct over the (element hash, visitor) pairs of the top
 * elements.
 */
const fastSql = (elements: string, visitors: string, filter: string, prelude: string) => `
WITH ${prelude} top AS (
  SELECT ${PAGE_KEY} AS page, ${SELECTOR_KEY} AS selector, ${TEXT_KEY} AS text,
    sum(clicks)::BIGINT AS clicks, sum(rage_clicks)::BIGINT AS rage_clicks
  FROM (${elements}) WHERE ${filter} GROUP BY ALL HAVING clicks > 0
  ORDER BY clicks DESC, page, selector, text LIMIT $limit
),
th AS (SELECT *, ${elementHashSql('page', 'selector', 'text')} AS eh FROM top),
vis AS (SELECT eh, count(DISTINCT vid) AS visitors FROM (${visitors}) WHERE eh IN (SELECT eh FROM th) GROUP BY eh)
SELECT th.page, th.selector, th.text, th.clicks, coalesce(vis.visitors, 0) AS visitors, th.rage_clicks
FROM th LEFT JOIN vis USING (eh)
ORDER BY clicks DESC, page, selector, text`;

export async function clicks(sql: SqlRunner, q: StatsQuery) {
  const fast = await elementSources(sql, q, 'e_');
  let result;
  if (fast !== null) {
    result = await sql.queryInternal(
      fastSql(fast.elements.sql, fast.visitors.sql, fast.filter.sql, fast.prelude),
      mergeParams(fast.elements.params, fast.visitors.params, fast.filter.params, { limit: q.limit }),
    );
  } else {
    const scope = eventScope(q);
    const source = await interactionEvents(sql, q);
    result = await sql.queryInternal(clicksSql(scope.sql, source.sql), mergeParams(scope.params, source.params, { limit: q.limit }));
  }
  return result.rows.map((r) => ({
    page: str(r.page),
    selector: str(r.selector),
    text: str(r.text),
    clicks: num(r.clicks),
    visitors: num(r.visitors),
    rage_clicks: num(r.rage_clicks),
  }));
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'clicks',
  path: '/api/stats/clicks',
  run: (sql, q) => clicks(sql, q),
};
