// Funnels: steps (a page path, `*` as wildcard, or an event name; each with optional property equalities), an
// optional time window; the result per step: visitors, conversion, drop-off and median time from the previous step
// (POST /api/stats/funnel). The definition being looked at is in the URL (`funnel` = JSON), so a funnel link can
// be shared; saved funnels (GET/POST/PUT/DELETE /api/funnels) are listed beside it.
import { useState } from 'preact/hooks';
import type { Envelope } from '../api.js';
import { useApp } from '../components/context.js';
import { Tile, useFetch } from '../components/data.js';
import { DataTable } from '../components/table.js';
import { formatDuration } from '../format.js';
import { parseDefinition, toDefinition, toDrafts, type StepDraft } from '../funnel-def.js';
import { formatFilter, withExtra } from '../state.js';

interface StepResult {
  index: number;
  label: string;
  visitors: number;
  conversion: number;
  conversionFromPrevious: number;
  dropOff: number;
  medianMsFromPrevious: number | null;
}
interface SavedFunnel {
  id: string;
  name: string;
  steps: ({ page?: string; event?: string; properties?: Record<string, string | number | boolean> })[];
  windowSeconds?: number;
}

const WINDOWS: [string, string][] = [
  ['', 'anywhere in the range'],
  ['3600', 'within 1 hour'],
  ['86400', 'within 1 day'],
  ['604800', 'within 7 days'],
  ['2592000', 'within 30 days'],
];

export function Funnels() {
  const { api, state, navigate, range, version } = useApp();
  const urlDef = parseDefinition(state.extra.funnel);
  const [steps, setSteps] = useState<StepDraft[]>(() => toDrafts(urlDef));
  const [windowSeconds, setWindow] = useState(urlDef && typeof urlDef.windowSeconds === 'number' ? String(urlDef.windowSeconds) : '');
  const [name, setName] = useState(state.extra.name ?? '');
  const [savedVersion, setSavedVersion] = useState(0);
  const [message, setMessage] = useState<string | null>(null);

  const saved = useFetch(`funnels#${savedVersion}`, (signal) => api.get<{ data: SavedFunnel[] }>('/api/funnels', undefined, signal));
  const body = urlDef && state.site ? { site: state.site, from: range.from, to: range.to, filter: state.filters.map(formatFilter), ...urlDef } : null;
  const result = useFetch(body ? `${JSON.stringify(body)}#${version}` : null, (signal) => api.send<Envelope<{ windowSeconds: number | null; steps: StepResult[] }>>('POST', '/api/stats/funnel', body, signal));

  const update = (i: number, patch: Partial<StepDraft>) => setSteps(steps.map((s, j) => (j === i ? { ...s, ...patch } : s)));
  const run = (e?: Event) => {
    e?.preventDefault();
    const def = toDefinition(steps, windowSeconds);
    if (def.steps.length < 2) {
      setMessage('A funnel needs at least 2 steps.');
      return;
    }
    setMessage(null);
    navigate(withExtra(state, { funnel: JSON.stringify(def), name: name.trim() || null }));
  };
  const save = async () => {
    const def = toDefinition(steps, windowSeconds);
    if (!name.trim() || def.steps.length < 2) {
      setMessage('Give the funnel a name and at least 2 steps to save it.');
      return;
    }
    const existing = saved.data?.data.find((f) => f.name === name.trim());
    try {
      if (existing) await api.send('PUT', `/api/funnels/${encodeURIComponent(existing.id)}`, { name: name.trim(), ...def });
      else await api.send('POST', '/api/funnels', { name: name.trim(), ...def });
      setMessage(`Saved “${name.trim()}”.`);
      setSavedVersion((n) => n + 1);
    } catch (err) {
      setMessage(`Could not save: ${(err as Error).message}`);
    }
  };
  const load = (f: SavedFunnel) => {
    const def = { steps: f.steps, ...(f.windowSeconds ? { windowSeconds: f.windowSeconds } : {}) };
    setSteps(toDrafts(def));
    setWindow(f.windowSeconds ? String(f.windowSeconds) : '');
    setName(f.name);
    navigate(withExtra(state, { funnel: JSON.stringify(def), name: f.name }));
  };
  const remove = async (f: SavedFunnel) => {
    if (!confirm(`Delete the funnel “${f.name}”?`)) return;
    await api.send('DELETE', `/api/funnels/${encodeURIComponent(f.id)}`).catch((err: Error) => setMessage(`Could not delete: ${err.message}`));
    setSavedVersion((n) => n + 1);
  };

  const rows = (result.data?.data.steps ?? []).map((s, i) => ({
    label: s.label,
    visitors: s.visitors,
    conversion: s.conversion,
    fromPrevious: i === 0 ? null : s.conversionFromPrevious,
    dropOff: i === 0 ? null : s.dropOff,
    median: s.medianMsFromPrevious === null ? null : formatDuration(s.medianMsFromPrevious / 1000),
  }));

  return (
    <div class="grid">
      <section class="tile" aria-labelledby="funnel-build-h" data-tile="funnel-builder">
        <header class="tile-head">
          <h2 id="funnel-build-h">Steps</h2>
        </header>
        <form onSubmit={run}>
          <ol class="funnel-steps">
            {steps.map((s, i) => (
              <li class="funnel-step" data-step={i}>
                <label>
                  <span>Step {i + 1}</span>
                  <select value={s.kind} onChange={(e) => update(i, { kind: (e.currentTarget as HTMLSelectElement).value as 'page' | 'event' })} aria-label={`Step ${i + 1} kind`}>
                    <option value="page">Page path</option>
                    <option value="event">Event name</option>
                  </select>
                </label>
                <label>
                  <span>{s.kind === 'page' ? 'Path (* = any)' : 'Event'}</span>
                  <input type="text" value={s.value} maxLength={1000} required placeholder={s.kind === 'page' ? '/products/*' : 'signup'} onInput={(e) => update(i, { value: (e.currentTarget as HTMLInputElement).value })} aria-label={`Step ${i + 1} value`} />
                </label>
                {s.props.map((p, k) => (
                  <span class="prop">
                    <label>
                      <span>Property</span>
                      <input type="text" value={p.key} maxLength={64} pattern="[A-Za-z0-9_\-]{1,64}" onInput={(e) => update(i, { props: s.props.map((q, j) => (j === k ? { ...q, key: (e.currentTarget as HTMLInputElement).value } : q)) })} aria-label={`Step ${i + 1} property ${k + 1} name`} />
                    </label>
                    <label>
                      <span>equals</span>
                      <input type="text" value={p.value} maxLength={1000} onInput={(e) => update(i, { props: s.props.map((q, j) => (j === k ? { ...q, value: (e.currentTarget as HTMLInputElement).value } : q)) })} aria-label={`Step ${i + 1} property ${k + 1} value`} />
                    </label>
                    <button type="button" aria-label={`Remove property ${k + 1} of step ${i + 1}`} onClick={() => update(i, { props: s.props.filter((_, j) => j !== k) })}>
                      ×
                    </button>
                  </span>
                ))}
                <button type="button" onClick={() => update(i, { props: [...s.props, { key: '', value: '' }] })} disabled={s.props.length >= 10}>
                  + Property
                </button>
                <button type="button" aria-label={`Remove step ${i + 1}`} onClick={() => setSteps(steps.filter((_, j) => j !== i))} disabled={steps.length <= 2}>
                  Remove
                </button>
              </li>
            ))}
          </ol>
          <div class="toolbar">
            <button type="button" onClick={() => setSteps([...steps, { kind: 'page', value: '', props: [] }])} disabled={steps.length >= 10}>
              + Add step
            </button>
            <label>
              <span>Time window</span>
              <select value={windowSeconds} onChange={(e) => setWindow((e.currentTarget as HTMLSelectElement).value)}>
                {WINDOWS.map(([v, l]) => (
                  <option value={v}>{l}</option>
                ))}
              </select>
            </label>
            <button type="submit" class="primary">
              Run funnel
            </button>
          </div>
          <div class="toolbar">
            <label>
              <span>Name</span>
              <input type="text" value={name} maxLength={100} onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)} />
            </label>
            <button type="button" onClick={save}>
              Save funnel
            </button>
          </div>
          {message ? (
            <p class="meta" role="status">
              {message}
            </p>
          ) : null}
        </form>
      </section>
      <Tile title="Saved funnels" id="saved-funnels" loaded={saved} empty={(saved.data?.data ?? []).length === 0} emptyText="No saved funnels yet.">
        <ul class="saved">
          {(saved.data?.data ?? []).map((f) => (
            <li>
              <button type="button" class="link" onClick={() => load(f)}>
                {f.name}
              </button>
              <span class="meta">{f.steps.length} steps</span>
              <button type="button" aria-label={`Delete funnel ${f.name}`} onClick={() => remove(f)}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      </Tile>
      {body ? (
        <Tile title={state.extra.name ? `Conversion: ${state.extra.name}` : 'Conversion'} id="funnel-result" loaded={result} wide empty={rows.length === 0}>
          <DataTable
            caption="Funnel steps"
            rows={rows}
            columns={[
              { key: 'label', label: 'Step' },
              { key: 'visitors', label: 'Visitors', format: 'number', bar: true },
              { key: 'conversion', label: 'Conversion', format: 'percent' },
              { key: 'fromPrevious', label: 'From previous', format: 'percent' },
              { key: 'dropOff', label: 'Drop-off', format: 'number' },
              { key: 'median', label: 'Median time from previous' },
            ]}
          />
        </Tile>
      ) : (
        <p class="state empty tile wide">Define at least two steps and run the funnel.</p>
      )}
    </div>
  );
}
