// Overview: the headline numbers of the range against the previous period of equal length, and the trend chart
// with the previous period drawn dashed (GET /api/stats/overview).
import { useMemo, useState } from 'preact/hooks';
import { LineChart } from '../components/chart.js';
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { formatChange, formatDuration, formatNumber, formatPercent } from '../format.js';

interface Totals {
  visitors: number;
  sessions: number;
  page_views: number;
  bounce_rate: number;
  avg_session_seconds: number;
  views_per_session: number;
}
interface Point {
  t: string;
  visitors: number;
  sessions: number;
  page_views: number;
}
export interface OverviewData {
  current: Totals;
  previous: Totals;
  previous_range: { from: string; to: string };
  trend: { bucket: 'hour' | 'day'; current: Point[]; previous: Point[] };
}

const METRICS: { key: keyof Totals; label: string; show: (v: number) => string; lowerIsBetter?: boolean }[] = [
  { key: 'visitors', label: 'Unique visitors', show: (v) => formatNumber(v) },
  { key: 'sessions', label: 'Sessions', show: (v) => formatNumber(v) },
  { key: 'page_views', label: 'Page views', show: (v) => formatNumber(v) },
  { key: 'bounce_rate', label: 'Bounce rate', show: (v) => formatPercent(v), lowerIsBetter: true },
  { key: 'avg_session_seconds', label: 'Avg. session duration', show: (v) => formatDuration(v) },
  { key: 'views_per_session', label: 'Views per session', show: (v) => formatNumber(v) },
];

const TREND: { key: 'visitors' | 'sessions' | 'page_views'; label: string }[] = [
  { key: 'visitors', label: 'Visitors' },
  { key: 'sessions', label: 'Sessions' },
  { key: 'page_views', label: 'Page views' },
];

export function Overview() {
  const loaded = useStats<OverviewData>('/api/stats/overview');
  const d = loaded.data?.data;
  const [metric, setMetric] = useState<'visitors' | 'sessions' | 'page_views'>('visitors');
  const chart = useMemo(() => {
    if (!d) return null;
    const x = d.trend.current.map((p) => Date.parse(p.t) / 1000);
    const label = TREND.find((m) => m.key === metric)!.label;
    return {
      x,
      series: [
        { label, values: d.trend.current.map((p) => p[metric]), color: '#2563eb' },
        { label: `${label} (previous period)`, values: x.map((_, i) => d.trend.previous[i]?.[metric] ?? null), color: '#94a3b8', dashed: true },
      ],
    };
  }, [d, metric]);

  return (
    <div class="grid">
      <Tile title="Totals" id="totals" loaded={loaded} wide>
        {d ? (
          <dl class="kpis">
            {METRICS.map((m) => {
              const change = formatChange(d.current[m.key], d.previous[m.key]);
              const better = change && (change.startsWith('+') !== !!m.lowerIsBetter);
              return (
                <div class="kpi" data-metric={m.key}>
                  <dt>{m.label}</dt>
                  <dd>
                    <span class="kpi-value" data-value={String(d.current[m.key])}>
                      {m.show(d.current[m.key])}
                    </span>
                    <span class={`kpi-change ${change ? (better ? 'up' : 'down') : ''}`} title={`Previous period ${d.previous_range.from.slice(0, 10)} – ${d.previous_range.to.slice(0, 10)}: ${m.show(d.previous[m.key])}`}>
                      {change ? `${change} vs previous` : `previous ${m.show(d.previous[m.key])}`}
                    </span>
                  </dd>
                </div>
              );
            })}
          </dl>
        ) : null}
      </Tile>
      <Tile
        title="Trend"
        id="trend"
        loaded={loaded}
        wide
        empty={!!d && d.trend.current.every((p) => p.visitors === 0 && p.page_views === 0) && d.trend.previous.every((p) => p.visitors === 0)}
        actions={
          <label class="inline">
            <span class="sr-only">Metric</span>
            <select value={metric} onChange={(e) => setMetric((e.currentTarget as HTMLSelectElement).value as typeof metric)}>
              {TREND.map((m) => (
                <option value={m.key}>{m.label}</option>
              ))}
            </select>
          </label>
        }
      >
        {chart ? <LineChart x={chart.x} series={chart.series} resolution={d?.trend.bucket === 'hour' ? 'hour' : 'day'} label={`${chart.series[0]!.label} per ${d?.trend.bucket ?? 'day'}, current and previous period`} /> : null}
      </Tile>
    </div>
  );
}
