import type { SqlRunner } from '../../core/ports.js';
import { eventScope, type NamedQuery, rangeDays, type StatsQuery } from '../params.js';
import { mergeParams, num, str } from '../sql.js';

/**
 * GET /api/stats/events: custom events (event_type = 'custom') per event_name with count and visitors, most
 * frequent first; for each of them the top-level keys of `properties` (at most KEYS_PER_EVENT, most frequent first)
 * with their most frequent values (at most VALUES_PER_KEY; strings as they are, other JSON values as JSON text, cut
 * to VALUE_CHARS characters).
 */
export const KEYS_PER_EVENT = 10;
export const VALUES_PER_KEY = 10;
export const VALUE_CHARS = 200;

const topSql = (scope: string) => `
SELECT coalesce(event_name, '(none)') AS name, count(*) AS events, count(DISTINCT anonymous_id) AS visitors
FROM events WHERE ${scope} AND event_type = 'custom'
GROUP BY 1 ORDER BY events DESC, name LIMIT $limit`;

const propsSql = (scope: string) => `
WITH ev AS (
  SELECT coalesce(event_name, '(none)') AS name, properties
  FROM events WHERE ${scope} AND event_type = 'custom' AND coalesce(event_name, '(none)') IN (SELECT unnest(from_json($names, '["VARCHAR"]')))
    AND json_valid(properties) AND json_type(properties) = 'OBJECT'
),
kv AS (
  SELECT name, left(k.key, ${VALUE_CHARS}) AS key,
    left(CASE WHEN json_type(k.value) = 'VARCHAR' THEN json_extract_string(k.value, '$') ELSE k.value::VARCHAR END, ${VALUE_CHARS}) AS value
  FROM ev, json_each(ev.properties) AS k
),
keys AS (
  SELECT name, key, count(*) AS events FROM kv GROUP BY name, key
  QUALIFY row_number() OVER (PARTITION BY name ORDER BY events DESC, key) <= ${KEYS_PER_EVENT}
),
vals AS (
  SELECT kv.name, kv.key, kv.value, count(*) AS events FROM kv SEMI JOIN keys USING (name, key) GROUP BY kv.name, kv.key, kv.value
  QUALIFY row_number() OVER (PARTITION BY kv.name, kv.key ORDER BY events DESC, kv.value) <= ${VALUES_PER_KEY}
)
SELECT k.name, k.key, k.events AS key_events, v.value, v.events AS value_events
FROM keys k JOIN vals v USING (name, key)
ORDER BY k.name, k.events DESC, k.key, v.events DESC, v.value`;

export interface EventRow {
  name: string;
  events: number;
  visitors: number;
  properties: { key: string; events: number; values: { value: string; events: number }[] }[];
}

export async function events(sql: SqlRunner, q: StatsQuery): Promise<EventRow[]> {
  const scope = eventScope(q);
  const top = await sql.queryInternal(topSql(scope.sql), mergeParams(scope.params, { limit: q.limit }));
  const rows: EventRow[] = top.rows.map((r) => ({ name: str(r.name), events: num(r.events), visitors: num(r.visitors), properties: [] }));
  if (rows.length === 0) return rows;
  const props = await sql.queryInternal(
    propsSql(scope.sql),
    mergeParams(scope.params, { names: JSON.stringify(rows.map((r) => r.name)) }),
    { maxRows: rows.length * KEYS_PER_EVENT * VALUES_PER_KEY },
  );
  const byName = new Map(rows.map((r) => [r.name, r]));
  for (const p of props.rows) {
    const row = byName.get(str(p.name));
    if (!row) continue;
    let key = row.properties.find((k) => k.key === str(p.key));
    if (!key) row.properties.push((key = { key: str(p.key), events: num(p.key_events), values: [] }));
    key.values.push({ value: str(p.value), events: num(p.value_events) });
  }
  return rows;
}

export const query: NamedQuery = {
  cacheDays: rangeDays,
  name: 'events',
  path: '/api/stats/events',
  run: (sql, q) => events(sql, q),
};
