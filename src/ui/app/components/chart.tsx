// Line chart on uPlot (https://github.com/leeoniya/uPlot): x is unix seconds, one line per series; the previous
// period is drawn dashed on the same x positions. The chart canvas is described for screen readers by a summary
// (aria-label) and a visually hidden table of the same numbers.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import { formatNumber } from '../format.js';

export interface Series {
  readonly label: string;
  readonly values: readonly (number | null)[];
  readonly color: string;
  readonly dashed?: boolean;
}

export interface ChartProps {
  readonly x: readonly number[];
  readonly series: readonly Series[];
  readonly label: string;
  readonly height?: number;
  /** Labels of the x values for the hidden table (defaults to ISO dates). */
  readonly xLabels?: readonly string[];
  /** How precise the x labels are. Default day. */
  readonly resolution?: 'day' | 'hour' | 'second';
}

const LABEL_CHARS = { day: 10, hour: 16, second: 19 } as const;
const timeLabel = (t: number, resolution: 'day' | 'hour' | 'second') => new Date(t * 1000).toISOString().slice(0, LABEL_CHARS[resolution]).replace('T', ' ');

export function LineChart({ x, series, label, height = 260, xLabels, resolution = 'day' }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      series: [
        { label: 'Time (UTC)', value: (_u, v) => (v == null ? '' : timeLabel(v, resolution)) },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          ...(s.dashed ? { dash: [6, 4] } : {}),
          value: (_u: uPlot, v: number | null) => (v == null ? '–' : formatNumber(v)),
        })),
      ],
      axes: [{}, { values: (_u, vals) => vals.map((v) => formatNumber(v, { compact: true })) }],
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max) * 1.1] } },
      cursor: { drag: { x: false, y: false } },
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    };
    const plot = new uPlot(opts, [x as number[], ...series.map((s) => s.values as (number | null)[])], el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, height, resolution]);
  const labels = xLabels ?? x.map((t) => timeLabel(t, resolution));
  return (
    <figure class="chart">
      <div ref={box} role="img" aria-label={label} />
      <table class="sr-only">
        <caption>{label}</caption>
        <thead>
          <tr>
            <th scope="col">Time</th>
            {series.map((s) => (
              <th scope="col">{s.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {labels.map((l, i) => (
            <tr>
              <th scope="row">{l}</th>
              {series.map((s) => (
                <td>{formatNumber(s.values[i])}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
