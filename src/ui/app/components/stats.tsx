// useStats: one GET /api/stats/<tile> (or any GET under /api) for the current site, range and filters.
import type { Envelope } from '../api.js';
import { useApp } from './context.js';
import { useFetch, type Loaded } from './data.js';

/** `extra`: tile-specific parameters; `null` in place of the path: do not load (yet). */
export function useStats<T>(path: string | null, extra: Record<string, string | number | undefined> = {}, opts: { common?: boolean } = {}): Loaded<Envelope<T>> {
  const { api, params, state, version } = useApp();
  const p = opts.common === false ? new URLSearchParams() : new URLSearchParams(params);
  for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== '') p.set(k, String(v));
  const needsSite = opts.common !== false;
  const key = path === null || (needsSite && !state.site) ? null : `${path}?${p.toString()}#${version}`;
  return useFetch(key, (signal) => api.get<Envelope<T>>(path!, p, signal));
}
