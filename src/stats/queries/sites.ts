import { rangeDays, type NamedQuery } from '../params.js';
import { num, str } from '../sql.js';

/** GET /api/sites: every site that has (non-bot) events, with its event count and last event time; most events first. */
const SITES_MAX = 1000;

export const query: NamedQuery = {
  name: 'sites',
  path: '/api/sites',
  common: false,
  cacheDays: rangeDays,
  async run(sql) {
    const result = await sql.queryInternal(
      `SELECT site_id, count(*) AS events, max(ts) AS last_seen FROM events WHERE is_bot IS NOT TRUE GROUP BY site_id ORDER BY events DESC, site_id LIMIT ${SITES_MAX}`,
      {},
    );
    return result.rows.map((r) => ({ id: str(r.site_id), events: num(r.events), last_seen: r.last_seen === null ? null : new Date(str(r.last_seen)).toISOString() }));
  },
};
