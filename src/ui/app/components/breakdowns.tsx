// A grid of breakdown tables that all come from one stats answer (Audience, Sources): one tile per table, the first
// column clickable as a filter where the dimension has one.
import { Tile } from './data.js';
import { useStats } from './stats.js';
import { DataTable, type Column } from './table.js';
import type { FilterName } from '../state.js';

export interface Breakdown<K extends string> {
  readonly key: K;
  readonly title: string;
  /** Header of the first (value) column. */
  readonly label: string;
  readonly filter?: FilterName;
}

export function BreakdownGrid<K extends string>({
  path,
  tables,
  metrics,
}: {
  path: string;
  tables: readonly Breakdown<K>[];
  /** The metric columns after the value column. */
  metrics: readonly Column[];
}) {
  const loaded = useStats<Record<K, object[]>>(path, { limit: 15 });
  const d = loaded.data?.data;
  return (
    <div class="grid">
      {tables.map((t) => (
        <Tile title={t.title} id={t.key} loaded={loaded} empty={(d?.[t.key] ?? []).length === 0}>
          <DataTable
            caption={t.title}
            rows={d?.[t.key] ?? []}
            columns={[{ key: 'value', label: t.label, ...(t.filter ? { filter: t.filter } : {}) }, ...metrics]}
          />
        </Tile>
      ))}
    </div>
  );
}
