// Loading data for a tile: useFetch runs a loader whenever its key changes (aborting the previous request) and
// keeps loading / error / data apart, so that every tile can show a loading and an empty state instead of a blank
// box.
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
}

/** `key` null: nothing to load (e.g. no site chosen yet). */
export function useFetch<T>(key: string | null, load: (signal: AbortSignal) => Promise<T>): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: undefined, error: undefined, loading: key !== null });
  const loader = useRef(load);
  loader.current = load;
  useEffect(() => {
    if (key === null) {
      setState({ data: undefined, error: undefined, loading: false });
      return;
    }
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    loader.current(ctrl.signal).then(
      (data) => {
        if (!ctrl.signal.aborted) setState({ data, error: undefined, loading: false });
      },
      (error: unknown) => {
        if (!ctrl.signal.aborted) setState({ data: undefined, error: error instanceof Error ? error : new Error(String(error)), loading: false });
      },
    );
    return () => ctrl.abort();
  }, [key]);
  return state;
}

export function errorText(err: Error): string {
  if (err instanceof ApiError && err.status === 404 && err.code === 'CLK_ERR_NOT_FOUND') return 'This report is not available on this server yet.';
  return err.message;
}

export interface TileProps {
  readonly title: string;
  readonly loaded: Loaded<unknown>;
  /** True when the data holds nothing to show. */
  readonly empty?: boolean;
  readonly emptyText?: string;
  readonly wide?: boolean;
  readonly id?: string;
  readonly actions?: ComponentChildren;
  readonly children?: ComponentChildren;
}

/** A card with a heading and exactly one of: loading, error, empty, content. */
export function Tile({ title, loaded, empty, emptyText, wide, id, actions, children }: TileProps) {
  const headingId = `${id ?? title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-h`;
  let body: ComponentChildren;
  if (loaded.error) body = <p class="state error" role="alert">Could not load: {errorText(loaded.error)}</p>;
  else if (loaded.data === undefined) body = <p class="state loading">Loading…</p>;
  else if (empty) body = <p class="state empty">{emptyText ?? 'No data for this range and these filters.'}</p>;
  else body = children;
  return (
    <section class={`tile${wide ? ' wide' : ''}`} aria-labelledby={headingId} aria-busy={loaded.loading ? 'true' : 'false'} data-tile={id}>
      <header class="tile-head">
        <h2 id={headingId}>{title}</h2>
        {loaded.loading && loaded.data !== undefined ? <span class="spinner" aria-label="Updating" /> : null}
        {actions}
      </header>
      {body}
    </section>
  );
}
