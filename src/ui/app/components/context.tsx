// The app-wide context: the API client, the URL state and how to change it, the sites, and "now" (one clock per
// state change, so that every tile of a view asks for the same range).
import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useState } from 'preact/hooks';
import type { Api } from '../api.js';
import { apiParams, parseState, resolveRange, serializeState, type UrlState } from '../state.js';

export interface Site {
  readonly id: string;
  readonly events: number;
  readonly last_seen: string | null;
}

export interface AppContext {
  readonly api: Api;
  readonly state: UrlState;
  readonly navigate: (next: UrlState, opts?: { replace?: boolean }) => void;
  readonly href: (next: UrlState) => string;
  readonly sites: readonly Site[] | null;
  /** Common query parameters of the stats API for the current state. */
  readonly params: URLSearchParams;
  readonly range: { from: string; to: string };
  /** Changes whenever the data should be fetched again (state change or refresh). */
  readonly version: number;
  readonly refresh: () => void;
}

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const ctx = useContext(Ctx);
  if (!ctx) throw new Error('useApp outside <Ctx.Provider>');
  return ctx;
}

/** The state in location.search; navigate() pushes (or replaces) a history entry, back/forward re-read it. */
export function useUrlState(): [UrlState, (next: UrlState, opts?: { replace?: boolean }) => void] {
  const [state, setState] = useState(() => parseState(location.search));
  useEffect(() => {
    const onPop = () => setState(parseState(location.search));
    addEventListener('popstate', onPop);
    return () => removeEventListener('popstate', onPop);
  }, []);
  const navigate = useCallback((next: UrlState, opts: { replace?: boolean } = {}) => {
    const url = `/?${serializeState(next)}`;
    if (opts.replace) history.replaceState(null, '', url);
    else if (url !== location.pathname + location.search) history.pushState(null, '', url);
    setState(parseState(url.slice(1)));
  }, []);
  return [state, navigate];
}

export function useDerived(state: UrlState, refreshCount: number) {
  return useMemo(() => {
    const now = new Date();
    const range = resolveRange(state, now);
    return { range, params: apiParams(state, now, range) };
    // Keyed by the serialized state (not the object), and by refreshCount: a refresh re-reads the clock.
  }, [serializeState(state), refreshCount]);
}
