// Retention: the cohort grid by the day or ISO week of each visitor's first event in the range; cell N is the
// share of the cohort active N periods later (GET /api/stats/retention?period=day|week).
import { useApp } from '../components/context.js';
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { formatNumber, formatPercent } from '../format.js';
import { withExtra } from '../state.js';

interface RetentionResult {
  period: 'day' | 'week';
  periods: number;
  cohorts: { cohort: string; visitors: number; cells: { period: number; visitors: number; share: number }[] }[];
}

export function Retention() {
  const { state, navigate } = useApp();
  const period = state.extra.period === 'week' ? 'week' : 'day';
  const loaded = useStats<RetentionResult>('/api/stats/retention', { period });
  const d = loaded.data?.data;
  const n = d ? Math.max(0, ...d.cohorts.map((c) => c.cells.length)) : 0;
  const word = period === 'day' ? 'Day' : 'Week';
  return (
    <div class="grid">
      <Tile
        title="Cohorts"
        id="retention"
        loaded={loaded}
        wide
        empty={!!d && d.cohorts.length === 0}
        actions={
          <label class="inline">
            <span>Cohorts by </span>
            <select value={period} onChange={(e) => navigate(withExtra(state, { period: (e.currentTarget as HTMLSelectElement).value }))} data-testid="retention-period">
              <option value="day">day</option>
              <option value="week">week</option>
            </select>
          </label>
        }
      >
        {d ? (
          <div class="table-wrap retention">
            <table>
              <caption class="sr-only">Share of each cohort active in the following {period}s</caption>
              <thead>
                <tr>
                  <th scope="col">Cohort</th>
                  <th scope="col" class="num">
                    Visitors
                  </th>
                  {Array.from({ length: n }, (_, i) => (
                    <th scope="col" class="num">
                      {word} {i}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {d.cohorts.map((c) => (
                  <tr>
                    <th scope="row">{c.cohort}</th>
                    <td class="num">{formatNumber(c.visitors)}</td>
                    {Array.from({ length: n }, (_, i) => {
                      const cell = c.cells[i];
                      if (!cell) return <td class="cell" />;
                      const alpha = 0.08 + 0.8 * cell.share;
                      return (
                        <td class="cell" style={{ background: `rgba(37, 99, 235, ${alpha.toFixed(2)})`, color: cell.share > 0.5 ? '#fff' : 'inherit' }} title={`${formatNumber(cell.visitors)} visitors`}>
                          {formatPercent(cell.share, 0)}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : null}
      </Tile>
    </div>
  );
}
