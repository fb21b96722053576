// The date range (presets and custom days) and the filters that apply to every tile of every view. Both live in
// the URL (state.ts), so changing them is navigation: back undoes it and the link can be shared.
import { useState } from 'preact/hooks';
import { FILTER_NAMES, PRESETS, formatFilter, isDay, withFilter, withoutFilter, type FilterName, type Preset } from '../state.js';
import { useApp } from './context.js';

export function FilterBar() {
  const { state, navigate, range } = useApp();
  const [name, setName] = useState<FilterName>('page');
  const [op, setOp] = useState<'eq' | 'neq'>('eq');
  const [value, setValue] = useState('');
  const [from, setFrom] = useState(range.from);
  const [to, setTo] = useState(range.to);
  const customValid = isDay(from) && isDay(to) && from <= to;

  const setPreset = (p: Preset) => {
    if (p === 'custom') navigate({ ...state, range: 'custom', from: range.from, to: range.to });
    else navigate({ ...state, range: p, from: null, to: null });
  };

  return (
    <div class="filter-bar">
      <div class="range" role="group" aria-label="Date range">
        <label>
          <span>Range</span>
          <select value={state.range} onChange={(e) => setPreset((e.currentTarget as HTMLSelectElement).value as Preset)} data-testid="range">
            {Object.entries(PRESETS).map(([k, label]) => (
              <option value={k}>{label}</option>
            ))}
          </select>
        </label>
        {state.range === 'custom' ? (
          <form
            class="custom-range"
            onSubmit={(e) => {
              e.preventDefault();
              if (customValid) navigate({ ...state, range: 'custom', from, to });
            }}
          >
            <label>
              <span>From</span>
              <input type="date" value={from} max={to} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} required />
            </label>
            <label>
              <span>To</span>
              <input type="date" value={to} min={from} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} required />
            </label>
            <button type="submit" disabled={!customValid}>
              Apply
            </button>
          </form>
        ) : (
          <span class="range-text" data-testid="range-text">
            {range.from === range.to ? range.from : `${range.from} – ${range.to}`} (UTC)
          </span>
        )}
      </div>
      <form
        class="add-filter"
        aria-label="Add a filter"
        onSubmit={(e) => {
          e.preventDefault();
          const v = value.trim();
          if (!v) return;
          navigate(withFilter(state, { name, op, value: v }));
          setValue('');
        }}
      >
        <label>
          <span>Filter</span>
          <select value={name} onChange={(e) => setName((e.currentTarget as HTMLSelectElement).value as FilterName)} data-testid="filter-name">
            {Object.entries(FILTER_NAMES).map(([k, label]) => (
              <option value={k}>{label}</option>
            ))}
          </select>
        </label>
        <label>
          <span class="sr-only">Comparison</span>
          <select value={op} onChange={(e) => setOp((e.currentTarget as HTMLSelectElement).value as 'eq' | 'neq')}>
            <option value="eq">is</option>
            <option value="neq">is not</option>
          </select>
        </label>
        <label>
          <span class="sr-only">Value</span>
          <input type="text" value={value} placeholder="value" maxLength={500} onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)} data-testid="filter-value" />
        </label>
        <button type="submit">Add filter</button>
      </form>
      {state.filters.length > 0 ? (
        <ul class="chips" aria-label="Active filters">
          {state.filters.map((f, i) => (
            <li class="chip" data-filter={formatFilter(f)}>
              <span>
                {FILTER_NAMES[f.name]} {f.op === 'neq' ? 'is not' : 'is'} <strong>{f.value}</strong>
              </span>
              <button type="button" aria-label={`Remove filter ${FILTER_NAMES[f.name]} ${f.op === 'neq' ? 'is not' : 'is'} ${f.value}`} onClick={() => navigate(withoutFilter(state, i))}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
