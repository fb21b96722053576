// Pages: top pages (views, visitors, engaged time, scroll depth), entry and exit pages (GET /api/stats/pages).
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { DataTable } from '../components/table.js';

interface PagesData {
  top: { page: string; views: number; visitors: number; avg_engaged_ms: number | null; avg_scroll_depth: number | null }[];
  entry: { page: string; sessions: number }[];
  exit: { page: string; sessions: number }[];
}

export function Pages() {
  const loaded = useStats<PagesData>('/api/stats/pages', { limit: 25 });
  const d = loaded.data?.data;
  const top = (d?.top ?? []).map((r) => ({ ...r, engaged_s: r.avg_engaged_ms === null ? null : r.avg_engaged_ms / 1000, depth: r.avg_scroll_depth === null ? null : r.avg_scroll_depth / 100 }));
  return (
    <div class="grid">
      <Tile title="Top pages" id="top-pages" loaded={loaded} wide empty={top.length === 0}>
        <DataTable
          caption="Top pages"
          rows={top}
          columns={[
            { key: 'page', label: 'Page', filter: 'page' },
            { key: 'views', label: 'Views', format: 'number', bar: true },
            { key: 'visitors', label: 'Visitors', format: 'number' },
            { key: 'engaged_s', label: 'Avg. engaged time', format: 'duration' },
            { key: 'depth', label: 'Avg. scroll depth', format: 'percent' },
          ]}
        />
      </Tile>
      <Tile title="Entry pages" id="entry-pages" loaded={loaded} empty={(d?.entry ?? []).length === 0}>
        <DataTable caption="Entry pages" rows={d?.entry ?? []} columns={[{ key: 'page', label: 'Page', filter: 'page' }, { key: 'sessions', label: 'Sessions', format: 'number', bar: true }]} />
      </Tile>
      <Tile title="Exit pages" id="exit-pages" loaded={loaded} empty={(d?.exit ?? []).length === 0}>
        <DataTable caption="Exit pages" rows={d?.exit ?? []} columns={[{ key: 'page', label: 'Page', filter: 'page' }, { key: 'sessions', label: 'Sessions', format: 'number', bar: true }]} />
      </Tile>
    </div>
  );
}
