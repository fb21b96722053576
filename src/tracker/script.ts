import { init } from './index.js';
import type { TrackerOptions } from './types.js';

/**
 * The script build (tracker.js, an IIFE): takes its options from its <script> tag's data-* attributes (the
 * dataset: data-respect-dnt is `respectDnt`; values are strings, which init accepts), becomes
 * `window.clicklake`, and replays the calls the stub snippet queued before it loaded (docs/tracker.md):
 *
 *   <script defer src="https://HOST/tracker.js" data-site="SITE_ID"></script>
 *
 * The endpoint defaults to the script's origin + /collect. A second copy of the script on a page does nothing.
 */
type Stub = { q?: unknown[][] } & Record<string, any>;

((w: Window & { clicklake?: Stub }, s: HTMLScriptElement) => {
  const stub = w.clicklake;
  if (stub && !stub.q) return; // already loaded
  const api: Stub = init(Object.assign({ endpoint: new URL('/collect', s.src).href }, s.dataset) as TrackerOptions, w);
  w.clicklake = api;
  ((stub && stub.q) || []).forEach((call) => api[call[0] as string] && api[call[0] as string].apply(api, call.slice(1)));
})(window, document.currentScript as HTMLScriptElement);
