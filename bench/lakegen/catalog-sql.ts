import type { Catalog } from '../gen/catalog.js';
import { sqlString } from '../duck.js';
import { countryOf, uaInfo } from '../gen/enrichment.js';

/**
 * The JS catalog (sites, pages, elements, referrers, devices, locales) as DuckDB tables and weighted lists, so the
 * SQL lake generator browses the same synthetic web as the JS generators.
 *
 * Weighted choice in SQL: each list repeats an item in proportion to its weight (`slots` entries in all), and a row
 * picks `list[1 + floor(random() * len(list))]`.
 */
const lit = (v: string | number | null): string =>
  v === null ? 'NULL' : typeof v === 'number' ? String(v) : sqlString(v);

function weightedList(items: readonly string[], weights: readonly number[], slots: number): string {
  const total = weights.reduce((a, b) => a + b, 0);
  const out: string[] = [];
  items.forEach((item, i) => {
    const n = Math.max(1, Math.round((weights[i]! / total) * slots));
    for (let k = 0; k < n; k++) out.push(item);
  });
  return `[${out.join(', ')}]`;
}

/** Traffic by hour of day (UTC), a daytime peak for a mostly European/American audience. */
const HOUR_WEIGHTS = [2, 1.5, 1.2, 1, 1, 1.2, 1.8, 2.6, 3.4, 4, 4.4, 4.6, 4.8, 5, 5, 4.8, 4.6, 4.4, 4.2, 4, 3.8, 3.4, 3, 2.5];

/** Statements creating `sites`, `pages`, `elements` and the one-row `consts` table of weighted lists. */
export function catalogStatements(catalog: Catalog): string[] {
  const sites = catalog.sites.map((s, i) => `(${i}, ${lit(s.id)}, ${lit(s.host)}, ${s.pages.length})`);
  const pages: string[] = [];
  const elements: string[] = [];
  catalog.sites.forEach((s, si) =>
    s.pages.forEach((p, pi) => {
      pages.push(`(${si}, ${pi}, ${lit(p.path)}, ${lit(p.title)}, ${p.elements.length})`);
      p.elements.forEach((e, ei) =>
        elements.push(
          `(${si}, ${pi}, ${ei}, ${lit(e.tag)}, ${lit(e.id)}, ${lit(e.classes)}, ${lit(e.text)}, ${lit(e.selector)}, ${lit(e.href)})`,
        ),
      );
    }),
  );
  // Each device carries what the enrichment parses from its user agent; each locale its country (gen/enrichment.ts).
  const devices = catalog.devices.map((d) => {
    const u = uaInfo(d.userAgent);
    return (
      `{'vw': ${d.viewport.w}, 'vh': ${d.viewport.h}, 'sw': ${d.screen.w}, 'sh': ${d.screen.h}, 'ua': ${lit(d.userAgent)}, ` +
      `'browser': ${lit(u?.browser ?? null)}::VARCHAR, 'browser_version': ${lit(u?.browser_version ?? null)}::VARCHAR, ` +
      `'os': ${lit(u?.os ?? null)}::VARCHAR, 'os_version': ${lit(u?.os_version ?? null)}::VARCHAR, ` +
      `'device_type': ${lit(u?.device_type ?? null)}::VARCHAR, 'device_vendor': ${lit(u?.device_vendor ?? null)}::VARCHAR, ` +
      `'device_model': ${lit(u?.device_model ?? null)}::VARCHAR}`
    );
  });
  const locales = catalog.locales.map(
    (l) => `{'language': ${lit(l.language)}, 'timezone': ${lit(l.timezone)}, 'country': ${lit(countryOf(l.timezone))}::VARCHAR}`,
  );
  return [
    `CREATE TABLE sites (s INTEGER, site_id VARCHAR, host VARCHAR, n_pages INTEGER)`,
    `INSERT INTO sites VALUES ${sites.join(', ')}`,
    `CREATE TABLE pages (s INTEGER, p INTEGER, path VARCHAR, title VARCHAR, n_el INTEGER)`,
    `INSERT INTO pages VALUES ${pages.join(', ')}`,
    `CREATE TABLE elements (s INTEGER, p INTEGER, e INTEGER, tag VARCHAR, el_id VARCHAR, classes VARCHAR, ` +
      `text VARCHAR, selector VARCHAR, href VARCHAR)`,
    `INSERT INTO elements VALUES ${elements.join(', ')}`,
    `CREATE TABLE consts AS SELECT ` +
      `${weightedList(catalog.sites.map((_, i) => String(i)), catalog.siteWeights.weights, 20)} AS site_list, ` +
      `${weightedList(catalog.referrers.map(lit), catalog.referrerWeights.weights, 400)} AS ref_list, ` +
      `${weightedList(devices, catalog.deviceWeights.weights, 100)} AS dev_list, ` +
      `${weightedList(locales, catalog.localeWeights.weights, 100)} AS loc_list, ` +
      `${weightedList(HOUR_WEIGHTS.map((_, h) => String(h)), HOUR_WEIGHTS, 240)} AS hour_list, ` +
      `${weightedList(catalog.campaigns.map(lit), catalog.campaigns.map(() => 1), catalog.campaigns.length)} AS campaign_list`,
  ];
}
