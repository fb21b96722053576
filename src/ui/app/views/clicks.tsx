// Clicks: the most clicked elements (selector, text, page) and, for one chosen page, a map of the click positions
// (GET /api/stats/clicks, GET /api/stats/click-map?page=). The map is an SVG: each grid cell a dot whose area grows
// with its clicks, positions scaled from each click's viewport width to one common width.
import { useState } from 'preact/hooks';
import { useApp } from '../components/context.js';
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { DataTable } from '../components/table.js';
import { formatNumber } from '../format.js';
import { withExtra } from '../state.js';

interface ClickRow {
  page: string;
  selector: string;
  text: string;
  clicks: number;
  visitors: number;
  rage_clicks: number;
}
interface ClickMap {
  page: string;
  grid: number;
  total: number;
  truncated: boolean;
  points: { x: number; y: number; viewport_w: number | null; clicks: number }[];
}

const WIDTH = 1000;

export function ClickMapSvg({ map }: { map: ClickMap }) {
  const fallbackW = Math.max(1, ...map.points.map((p) => p.x + map.grid));
  const pts = map.points.map((p) => {
    const k = WIDTH / (p.viewport_w && p.viewport_w > 0 ? p.viewport_w : fallbackW);
    return { x: p.x * k, y: p.y * k, clicks: p.clicks };
  });
  const height = Math.max(300, ...pts.map((p) => p.y + 40));
  const maxClicks = Math.max(1, ...pts.map((p) => p.clicks));
  return (
    <div class="click-map">
      <svg viewBox={`0 0 ${WIDTH} ${Math.ceil(height)}`} role="img" aria-label={`Click positions on ${map.page}: ${formatNumber(map.total)} clicks in ${pts.length} spots`}>
        <rect x="0" y="0" width={WIDTH} height={height} fill="#f8fafc" />
        {pts.map((p) => (
          <circle cx={p.x} cy={p.y} r={4 + 16 * Math.sqrt(p.clicks / maxClicks)} fill="#dc2626" fill-opacity={0.25 + 0.5 * (p.clicks / maxClicks)}>
            <title>{`${formatNumber(p.clicks)} clicks`}</title>
          </circle>
        ))}
      </svg>
    </div>
  );
}

export function Clicks() {
  const { state, navigate } = useApp();
  const loaded = useStats<ClickRow[]>('/api/stats/clicks', { limit: 25 });
  const rows = loaded.data?.data ?? [];
  const page = state.extra.page ?? '';
  const [draft, setDraft] = useState(page);
  const map = useStats<ClickMap>(page ? '/api/stats/click-map' : null, { page });
  const pages = [...new Set(rows.map((r) => r.page))];
  const m = map.data?.data;
  return (
    <div class="grid">
      <Tile title="Top clicked elements" id="top-clicks" loaded={loaded} wide empty={rows.length === 0}>
        <DataTable
          caption="Top clicked elements"
          rows={rows}
          columns={[
            { key: 'selector', label: 'Element (selector)' },
            { key: 'text', label: 'Text' },
            { key: 'page', label: 'Page', filter: 'page' },
            { key: 'clicks', label: 'Clicks', format: 'number', bar: true },
            { key: 'visitors', label: 'Visitors', format: 'number' },
            { key: 'rage_clicks', label: 'Rage clicks', format: 'number' },
          ]}
        />
      </Tile>
      <section class="tile wide" aria-labelledby="click-map-h" data-tile="click-map">
        <header class="tile-head">
          <h2 id="click-map-h">Click map</h2>
        </header>
        <form
          class="toolbar"
          onSubmit={(e) => {
            e.preventDefault();
            navigate(withExtra(state, { page: draft.trim() || null }));
          }}
        >
          <label>
            <span>Page path</span>
            <input type="text" list="click-pages" value={draft} placeholder="/pricing" maxLength={1000} onInput={(e) => setDraft((e.currentTarget as HTMLInputElement).value)} />
          </label>
          <datalist id="click-pages">
            {pages.map((p) => (
              <option value={p} />
            ))}
          </datalist>
          <button type="submit">Show map</button>
        </form>
        {!page ? (
          <p class="state empty">Choose a page to see where visitors click.</p>
        ) : map.error ? (
          <p class="state error" role="alert">
            Could not load: {map.error.message}
          </p>
        ) : !m ? (
          <p class="state loading">Loading…</p>
        ) : m.points.length === 0 ? (
          <p class="state empty">No clicks with a position on {m.page} in this range.</p>
        ) : (
          <>
            <p class="meta">
              {formatNumber(m.total)} clicks on {m.page}
              {m.truncated ? ` (the ${m.points.length} busiest spots)` : ''}, positions scaled to a common page width.
            </p>
            <ClickMapSvg map={m} />
          </>
        )}
      </section>
    </div>
  );
}
