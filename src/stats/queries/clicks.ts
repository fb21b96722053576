import type { SqlRunner } from '../../core/ports.js';
import { eventScope, type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { interactionEvents } from '../rollup.js';
import { mergeParams, num, str } from '../sql.js';

/**
 * GET /api/stats/clicks: the most clicked elements: matching `click` and `outbound` events grouped by page, element
 * selector and element text (NULL: "(none)"), with clicks and visitors. `rage_click` events are counted per element
 * in `rage_clicks` (they are additional to the clicks).
 */
export const CLICK_TYPES_SQL = "'click', 'outbound'";

const clicksSql = (scope: string, source: string) => `
SELECT coalesce(page_path, '(none)') AS page,
  coalesce(element_selector, '(none)') AS selector,
  coalesce(element_text, '') AS text,
  count_if(event_type IN (${CLICK_TYPES_SQL})) AS clicks,
  count(DISTINCT anonymous_id) FILTER (WHERE event_type IN (${CLICK_TYPES_SQL})) AS visitors,
  count_if(event_type = 'rage_click') AS rage_clicks
FROM (${source}) WHERE ${scope} AND event_type IN (${CLICK_TYPES_SQL}, 'rage_click')
GROUP BY ALL
HAVING clicks > 0
ORDER BY clicks DESC, page, selector, text
LIMIT $limit`;

export async function clicks(sql: SqlRunner, q: StatsQuery) {
  const scope = eventScope(q);
  const source = await interactionEvents(sql, q);
  const result = await sql.queryInternal(clicksSql(scope.sql, source.sql), mergeParams(scope.params, source.params, { limit: q.limit }));
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
