import type { NamedQuery } from '../params.js';
import { query as sites } from './sites.js';
import { query as overview } from './overview.js';
import { query as pages } from './pages.js';
import { query as sources } from './sources.js';
import { query as clicks } from './clicks.js';
import { query as clickMap } from './click-map.js';
import { query as audience } from './audience.js';
import { query as events } from './events.js';
import { query as retention } from './retention.js';
import { query as paths } from './paths.js';
import { query as realtime } from './realtime.js';

/**
 * Every named query of the dashboard API; src/stats/plugin.ts registers `GET <path>` for each. Add a query by
 * writing src/stats/queries/<name>.ts (exporting `query: NamedQuery`) and listing it here.
 */
export const NAMED_QUERIES: readonly NamedQuery[] = [sites, overview, pages, sources, clicks, clickMap, audience, events, retention, paths, realtime];
