import { autocapture } from './autocapture.js';
import { createCore } from './core.js';
import { optedOut } from './privacy.js';
import type { AutocaptureFeature, ClicklakeApi, TrackerOptions, TrackerWindow } from './types.js';

/**
 * `clicklake/tracker`: the browser tracker as an ES module, for bundled apps.
 *
 *   import { init } from 'clicklake/tracker';
 *   const clicklake = init({ site: 'shop', endpoint: 'https://collect.example.com/collect' });
 *   clicklake.track('signup', { plan: 'pro' });
 *
 * Call init once, in the browser (not during server-side rendering). docs/tracker.md documents every option.
 */
export type { AutocaptureFeature, ClicklakeApi, TrackerOptions, WireElement, WireEvent } from './types.js';

export function init(options: TrackerOptions, w: Window = window): ClicklakeApi {
  const auto = options.autocapture;
  // A list (array, or a comma-separated string from data-autocapture) keeps those features; false/"false": none.
  const on = (f: AutocaptureFeature) => auto == null || auto === true || ('' + auto).indexOf(f) >= 0;
  return createCore(
    options,
    w as unknown as TrackerWindow,
    (emit) => autocapture(emit, w, on),
    // Do-Not-Track / Global Privacy Control count as a refusal (respectDnt: false or "false" ignores them).
    options.respectDnt + '' != 'false' && optedOut(w.navigator as any),
  );
}
