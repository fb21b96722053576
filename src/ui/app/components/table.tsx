// A data table: visitor-supplied values rendered as text only; a cell of a filterable dimension is a button that
// adds the filter (so a click on "DE" narrows every tile to Germany); URLs become links only for http(s).
import { formatCell, formatDuration, formatNumber, formatPercent, safeHref } from '../format.js';
import { withFilter, type FilterName } from '../state.js';
import { useApp } from './context.js';

export interface Column {
  readonly key: string;
  readonly label: string;
  readonly format?: 'number' | 'percent' | 'duration' | 'text' | 'url';
  /** Cells become "filter by this value" buttons. */
  readonly filter?: FilterName;
  /** A bar behind the number, relative to the column's maximum. */
  readonly bar?: boolean;
}

export type Row = object;

function text(value: unknown, format: Column['format']): string {
  switch (format) {
    case 'number':
      return formatNumber(value);
    case 'percent':
      return formatPercent(value);
    case 'duration':
      return formatDuration(value);
    default:
      return formatCell(value);
  }
}

export function DataTable({ columns, rows, caption }: { columns: readonly Column[]; rows: readonly Row[]; caption: string }) {
  const { state, navigate } = useApp();
  const max: Record<string, number> = {};
  for (const c of columns) if (c.bar) max[c.key] = Math.max(1, ...rows.map((r) => Number((r as Record<string, unknown>)[c.key]) || 0));
  return (
    <div class="table-wrap">
      <table>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th scope="col" class={c.format && c.format !== 'text' && c.format !== 'url' ? 'num' : ''}>
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr>
              {columns.map((c) => {
                const v = (r as Record<string, unknown>)[c.key];
                const shown = text(v, c.format);
                const numeric = c.format && c.format !== 'text' && c.format !== 'url';
                if (c.filter && typeof v === 'string' && v !== '') {
                  return (
                    <td>
                      <button type="button" class="link" title={`Filter: ${c.label} is ${v}`} onClick={() => navigate(withFilter(state, { name: c.filter!, op: 'eq', value: v }))}>
                        {shown}
                      </button>
                    </td>
                  );
                }
                if (c.format === 'url') {
                  const href = safeHref(v);
                  return <td>{href ? <a href={href} rel="noopener noreferrer nofollow" target="_blank">{shown}</a> : shown}</td>;
                }
                if (c.bar && numeric) {
                  const pct = Math.round(((Number(v) || 0) / max[c.key]!) * 100);
                  return (
                    <td class="num bar-cell">
                      <span class="bar" style={{ width: `${pct}%` }} aria-hidden="true" />
                      <span class="bar-value">{shown}</span>
                    </td>
                  );
                }
                return <td class={numeric ? 'num' : ''}>{shown}</td>;
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
