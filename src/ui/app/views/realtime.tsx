// Realtime: visitors of the last 5 minutes and events per second (GET /api/stats/realtime, refreshed every 5 s),
// and the live event stream (Server-Sent Events, GET /api/realtime/stream?site=): each event is shown as it
// arrives, newest first, at most MAX_SHOWN. EventSource reconnects by itself after a network error.
import { useEffect, useState } from 'preact/hooks';
import { LineChart } from '../components/chart.js';
import { useApp } from '../components/context.js';
import { Tile } from '../components/data.js';
import { useStats } from '../components/stats.js';
import { formatNumber } from '../format.js';

interface RealtimeResult {
  now: string;
  visitors: number;
  events_last_minute: number;
  events_per_second: number;
  series: { t: string; events: number; per_second: number }[];
}
interface LiveEvent {
  event_id: string;
  ts: string;
  received_at: string;
  type: string;
  name: string | null;
  page: string | null;
  text: string | null;
  country: string | null;
  browser: string | null;
}

const MAX_SHOWN = 100;
const REFRESH_MS = 5_000;

function useTicker(ms: number): number {
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setTick((n) => n + 1), ms);
    return () => clearInterval(t);
  }, [ms]);
  return tick;
}

function useLiveStream(site: string | null): { events: LiveEvent[]; status: 'connecting' | 'live' | 'reconnecting' } {
  const [events, setEvents] = useState<LiveEvent[]>([]);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  useEffect(() => {
    setEvents([]);
    if (!site) return;
    setStatus('connecting');
    const source = new EventSource(`/api/realtime/stream?site=${encodeURIComponent(site)}`);
    source.addEventListener('ready', () => setStatus('live'));
    source.addEventListener('event', (e) => {
      let ev: LiveEvent;
      try {
        ev = JSON.parse((e as MessageEvent<string>).data) as LiveEvent;
      } catch {
        return;
      }
      setEvents((list) => (list.some((x) => x.event_id === ev.event_id) ? list : [ev, ...list].slice(0, MAX_SHOWN)));
    });
    source.onerror = () => setStatus('reconnecting');
    return () => source.close();
  }, [site]);
  return { events, status };
}

export function Realtime() {
  const { state } = useApp();
  const tick = useTicker(REFRESH_MS);
  const live = useLiveStream(state.site);
  return (
    <div class="grid">
      <RealtimeNumbers tick={tick} />
      <section class="tile wide" aria-labelledby="stream-h" data-tile="stream">
        <header class="tile-head">
          <h2 id="stream-h">Live events</h2>
          <span class="meta" data-testid="stream-status">
            {live.status === 'live' ? '● live' : live.status === 'connecting' ? 'connecting…' : 'reconnecting…'}
          </span>
        </header>
        {live.events.length === 0 ? (
          <p class="state empty">{live.status === 'live' ? 'Waiting for events…' : 'Connecting to the live stream…'}</p>
        ) : (
          <ol class="stream" aria-live="polite" aria-relevant="additions" data-testid="stream">
            {live.events.map((e) => (
              <li key={e.event_id} data-event-id={e.event_id}>
                <time dateTime={e.received_at}>{e.received_at.slice(11, 19)}</time>
                <span class="type">{e.name ? `${e.type}: ${e.name}` : e.type}</span>
                {e.page ? <span class="page">{e.page}</span> : null}
                {e.text ? <span class="text">“{e.text}”</span> : null}
                {e.country || e.browser ? <span class="meta">{[e.country, e.browser].filter(Boolean).join(' · ')}</span> : null}
              </li>
            ))}
          </ol>
        )}
      </section>
    </div>
  );
}

function RealtimeNumbers({ tick }: { tick: number }) {
  const loaded = useStats<RealtimeResult>('/api/stats/realtime', {}, {});
  const [last, setLast] = useState<RealtimeResult | null>(null);
  const { api, state } = useApp();
  useEffect(() => {
    if (loaded.data) setLast(loaded.data.data);
  }, [loaded.data]);
  useEffect(() => {
    if (tick === 0 || !state.site) return;
    const ctrl = new AbortController();
    api
      .get<{ data: RealtimeResult }>('/api/stats/realtime', new URLSearchParams({ site: state.site }), ctrl.signal)
      .then((r) => setLast(r.data))
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [tick]);
  const d = last;
  return (
    <Tile title="Right now" id="realtime-numbers" loaded={{ ...loaded, data: d ?? undefined }} wide>
      {d ? (
        <>
          <dl class="kpis">
            <div class="kpi" data-metric="visitors">
              <dt>Visitors, last 5 minutes</dt>
              <dd>
                <span class="kpi-value" data-value={String(d.visitors)}>
                  {formatNumber(d.visitors)}
                </span>
              </dd>
            </div>
            <div class="kpi" data-metric="events_per_second">
              <dt>Events per second (last minute)</dt>
              <dd>
                <span class="kpi-value" data-value={String(d.events_per_second)}>
                  {formatNumber(d.events_per_second)}
                </span>
              </dd>
            </div>
          </dl>
          <LineChart x={d.series.map((p) => Date.parse(p.t) / 1000)} series={[{ label: 'Events per second', values: d.series.map((p) => p.per_second), color: '#2563eb' }]} resolution="second" label="Events per second over the last 5 minutes, in 10-second steps" height={160} />
        </>
      ) : null}
    </Tile>
  );
}
