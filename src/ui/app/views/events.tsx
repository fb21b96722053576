// Events: custom events with count and visitors, and for each the most frequent values of its properties
// (GET /api/stats/events).
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { DataTable } from '../components/table.js';
import { formatNumber } from '../format.js';

interface EventRow {
  name: string;
  events: number;
  visitors: number;
  properties: { key: string; events: number; values: { value: string; events: number }[] }[];
}

export function Events() {
  const loaded = useStats<EventRow[]>('/api/stats/events', { limit: 25 });
  const rows = loaded.data?.data ?? [];
  return (
    <div class="grid">
      <Tile title="Custom events" id="custom-events" loaded={loaded} wide empty={rows.length === 0} emptyText="No custom events in this range. Send them with clicklake.track('name', { ...props })."
      >
        <DataTable
          caption="Custom events"
          rows={rows}
          columns={[
            { key: 'name', label: 'Event', filter: 'event' },
            { key: 'events', label: 'Events', format: 'number', bar: true },
            { key: 'visitors', label: 'Visitors', format: 'number' },
          ]}
        />
      </Tile>
      {rows
        .filter((r) => r.properties.length > 0)
        .map((r) => (
          <section class="tile" aria-label={`Properties of ${r.name}`} data-tile={`event-${r.name}`}>
            <header class="tile-head">
              <h2>
                {r.name} <span class="meta">{formatNumber(r.events)} events</span>
              </h2>
            </header>
            {r.properties.map((p) => (
              <details open={r.properties.length <= 3}>
                <summary>
                  <code>{p.key}</code> <span class="meta">in {formatNumber(p.events)} events</span>
                </summary>
                <DataTable caption={`Values of ${p.key} in ${r.name}`} rows={p.values} columns={[{ key: 'value', label: 'Value' }, { key: 'events', label: 'Events', format: 'number', bar: true }]} />
              </details>
            ))}
          </section>
        ))}
    </div>
  );
}
