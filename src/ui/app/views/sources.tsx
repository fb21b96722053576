// Sources: sessions by referrer host, channel and UTM source/medium/campaign of their entry page view
// (GET /api/stats/sources).
import { BreakdownGrid, type Breakdown } from '../components/breakdowns.js';

type Table = 'referrers' | 'channels' | 'utm_sources' | 'utm_mediums' | 'utm_campaigns';

const TABLES: readonly Breakdown<Table>[] = [
  { key: 'channels', title: 'Channels', filter: 'channel', label: 'Channel' },
  { key: 'referrers', title: 'Referrers', filter: 'referrer', label: 'Referrer host' },
  { key: 'utm_sources', title: 'UTM source', filter: 'utm_source', label: 'utm_source' },
  { key: 'utm_mediums', title: 'UTM medium', filter: 'utm_medium', label: 'utm_medium' },
  { key: 'utm_campaigns', title: 'UTM campaign', filter: 'utm_campaign', label: 'utm_campaign' },
];

export function Sources() {
  return (
    <BreakdownGrid
      path="/api/stats/sources"
      tables={TABLES}
      metrics={[
        { key: 'sessions', label: 'Sessions', format: 'number', bar: true },
        { key: 'visitors', label: 'Visitors', format: 'number' },
      ]}
    />
  );
}
