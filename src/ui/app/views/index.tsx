// One component per view; the shell (components/app.tsx) picks one by the URL's `view`.
import type { FunctionComponent } from 'preact';
import type { View } from '../state.js';
import { Audience } from './audience.js';
import { Clicks } from './clicks.js';
import { Events } from './events.js';
import { Funnels } from './funnels.js';
import { Overview } from './overview.js';
import { Pages } from './pages.js';
import { Paths } from './paths.js';
import { Realtime } from './realtime.js';
import { Retention } from './retention.js';
import { Sources } from './sources.js';
import { Sql } from './sql.js';

export const VIEW_TITLES: Record<View, string> = {
  overview: 'Overview',
  realtime: 'Realtime',
  pages: 'Pages',
  sources: 'Sources',
  clicks: 'Clicks',
  audience: 'Audience',
  funnels: 'Funnels',
  retention: 'Retention',
  paths: 'Paths',
  events: 'Events',
  sql: 'SQL',
};

export const VIEW_COMPONENTS: Record<View, FunctionComponent> = {
  overview: Overview,
  realtime: Realtime,
  pages: Pages,
  sources: Sources,
  clicks: Clicks,
  audience: Audience,
  funnels: Funnels,
  retention: Retention,
  paths: Paths,
  events: Events,
  sql: Sql,
};
