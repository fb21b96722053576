// Audience: visitors by device, browser, OS, country, language and screen size (GET /api/stats/audience).
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { DataTable } from '../components/table.js';
import type { FilterName } from '../state.js';

type Row = { value: string; visitors: number };
type AudienceData = Record<'devices' | 'browsers' | 'os' | 'countries' | 'languages' | 'screens', Row[]>;

const TABLES: { key: keyof AudienceData; title: string; filter?: FilterName }[] = [
  { key: 'devices', title: 'Devices', filter: 'device' },
  { key: 'browsers', title: 'Browsers', filter: 'browser' },
  { key: 'os', title: 'Operating systems', filter: 'os' },
  { key: 'countries', title: 'Countries', filter: 'country' },
  { key: 'languages', title: 'Languages' },
  { key: 'screens', title: 'Screen sizes' },
];

export function Audience() {
  const loaded = useStats<AudienceData>('/api/stats/audience', { limit: 15 });
  const d = loaded.data?.data;
  return (
    <div class="grid">
      {TABLES.map((t) => (
        <Tile title={t.title} id={t.key} loaded={loaded} empty={(d?.[t.key] ?? []).length === 0}>
          <DataTable
            caption={t.title}
            rows={d?.[t.key] ?? []}
            columns={[
              { key: 'value', label: t.title.replace(/s$/, ''), ...(t.filter ? { filter: t.filter } : {}) },
              { key: 'visitors', label: 'Visitors', format: 'number', bar: true },
            ]}
          />
        </Tile>
      ))}
    </div>
  );
}
