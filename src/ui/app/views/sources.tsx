// Sources: sessions by referrer host, channel and UTM source/medium/campaign of their entry page view
// (GET /api/stats/sources).
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { DataTable } from '../components/table.js';
import type { FilterName } from '../state.js';

type Row = { value: string; sessions: number; visitors: number };
type SourcesData = Record<'referrers' | 'channels' | 'utm_sources' | 'utm_mediums' | 'utm_campaigns', Row[]>;

const TABLES: { key: keyof SourcesData; title: string; filter: FilterName; label: string }[] = [
  { key: 'channels', title: 'Channels', filter: 'channel', label: 'Channel' },
  { key: 'referrers', title: 'Referrers', filter: 'referrer', label: 'Referrer host' },
  { key: 'utm_sources', title: 'UTM source', filter: 'utm_source', label: 'utm_source' },
  { key: 'utm_mediums', title: 'UTM medium', filter: 'utm_medium', label: 'utm_medium' },
  { key: 'utm_campaigns', title: 'UTM campaign', filter: 'utm_campaign', label: 'utm_campaign' },
];

export function Sources() {
  const loaded = useStats<SourcesData>('/api/stats/sources', { limit: 15 });
  const d = loaded.data?.data;
  return (
    <div class="grid">
      {TABLES.map((t) => (
        <Tile title={t.title} id={t.key} loaded={loaded} empty={(d?.[t.key] ?? []).length === 0}>
          <DataTable
            caption={t.title}
            rows={d?.[t.key] ?? []}
            columns={[
              { key: 'value', label: t.label, filter: t.filter },
              { key: 'sessions', label: 'Sessions', format: 'number', bar: true },
              { key: 'visitors', label: 'Visitors', format: 'number' },
            ]}
          />
        </Tile>
      ))}
    </div>
  );
}
