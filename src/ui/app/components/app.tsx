// The dashboard shell: header (site selector, logout), navigation between the views, the range and filter bar,
// and the current view. Every view link is a real link (<a href="?view=...">) so it works with the keyboard, in a
// new tab and when shared.
import { useMemo, useState } from 'preact/hooks';
import { createApi } from '../api.js';
import { VIEWS, type UrlState, type View, serializeState } from '../state.js';
import { Ctx, useDerived, useUrlState, type AppContext, type Site } from './context.js';
import { useFetch } from './data.js';
import { FilterBar } from './filter-bar.js';
import { VIEW_COMPONENTS, VIEW_TITLES } from '../views/index.js';

function goToLogin() {
  const next = location.pathname + location.search;
  location.assign(next === '/' ? '/login' : `/login?next=${encodeURIComponent(next)}`);
}

export function App() {
  const api = useMemo(() => createApi({ onUnauthorized: goToLogin }), []);
  const [state, navigate] = useUrlState();
  const [refreshCount, setRefreshCount] = useState(0);
  const { range, params } = useDerived(state, refreshCount);
  const me = useFetch('me', (signal) => api.get<{ name: string; kind: string }>('/api/auth/me', undefined, signal));
  const sites = useFetch<Site[]>('sites', (signal) => api.get<{ data: Site[] } | Site[]>('/api/sites', undefined, signal).then(sitesOf));

  // No site in the URL yet: take the one with the most events.
  const first = sites.data?.[0];
  if (!state.site && first) queueMicrotask(() => navigate({ ...state, site: first.id }, { replace: true }));

  const ctx: AppContext = {
    api,
    state,
    navigate,
    href: (next: UrlState) => `/?${serializeState(next)}`,
    sites: sites.data ?? null,
    params,
    range,
    version: refreshCount,
    refresh: () => setRefreshCount((n) => n + 1),
  };
  const ViewComponent = VIEW_COMPONENTS[state.view];
  const go = (view: View) => ({ ...state, view, extra: view === state.view ? state.extra : {} });

  return (
    <Ctx.Provider value={ctx}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Clicklake</span>
        <label class="site-select">
          <span>Site</span>
          <select
            value={state.site ?? ''}
            data-testid="site"
            onChange={(e) => navigate({ ...state, site: (e.currentTarget as HTMLSelectElement).value || null })}
            disabled={!sites.data || (sites.data.length === 0 && !state.site)}
          >
            {state.site && !sites.data?.some((s) => s.id === state.site) ? <option value={state.site}>{state.site}</option> : null}
            {(sites.data ?? []).map((s) => (
              <option value={s.id}>{s.id}</option>
            ))}
          </select>
        </label>
        {me.data ? (
          <span class="who" data-testid="who">
            {me.data.kind === 'admin' ? 'admin' : me.data.name}
          </span>
        ) : null}
        <button type="button" class="refresh" onClick={ctx.refresh}>
          Refresh
        </button>
        <button
          type="button"
          class="logout"
          onClick={async () => {
            await api.send('POST', '/api/auth/logout').catch(() => undefined);
            location.assign('/login');
          }}
        >
          Log out
        </button>
      </header>
      <div class="layout">
        <nav class="views" aria-label="Views">
          <ul>
            {VIEWS.map((v) => (
              <li>
                <a
                  href={ctx.href(go(v))}
                  aria-current={state.view === v ? 'page' : undefined}
                  onClick={(e) => {
                    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                    e.preventDefault();
                    navigate(go(v));
                  }}
                >
                  {VIEW_TITLES[v]}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" tabIndex={-1}>
          <h1 class="view-title">{VIEW_TITLES[state.view]}</h1>
          {sites.error ? (
            <p class="state error" role="alert">
              Could not load the sites: {sites.error.message}
            </p>
          ) : sites.data && sites.data.length === 0 ? (
            <p class="state empty">No events yet. Send some to POST /collect (or open the demo shop at /demo/) and refresh.</p>
          ) : null}
          {state.view !== 'sql' && state.view !== 'realtime' ? <FilterBar key={`${state.range}|${state.from}|${state.to}`} /> : null}
          {state.site || state.view === 'sql' ? <ViewComponent key={state.view} /> : !sites.error ? <p class="state loading">Loading…</p> : null}
        </main>
      </div>
    </Ctx.Provider>
  );
}

function sitesOf(answer: { data: Site[] } | Site[]): Site[] {
  return Array.isArray(answer) ? answer : answer.data;
}
