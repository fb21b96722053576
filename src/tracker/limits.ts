/**
 * The tracker's numbers in one table. This module holds constants only, so the bundler inlines them (a module
 * with code would keep them as variables, which costs bytes in the size budget).
 */

// Delivery (core.ts)
export const BATCH_MAX = 20; // events per request
export const BATCH_WAIT_MS = 1000; // a batch leaves at most 1 s after its first event
export const KEEPALIVE_MAX_CHARS = 60_000; // larger bodies go without keepalive (browsers allow 64 KiB in flight)
export const QUEUE_MAX = 500; // events waiting on the device; the oldest are dropped beyond
export const OVERFLOW = 'queue_overflow'; // type of the event reporting drops (props.dropped)

// Retries (retry.ts)
export const BACKOFF_BASE_MS = 1000; // first retry after 0.5-1 s
export const BACKOFF_CAP_MS = 60_000; // at most 1 min between attempts (`online` retries at once)
export const MAX_RETRY_AFTER_MS = 600_000; // a longer Retry-After is cut to 10 min

// Sessions (session.ts)
export const SESSION_IDLE_MS = 30 * 60 * 1000; // 30 min without an event ends a session

// Autocapture (autocapture.ts, element.ts)
export const INTERACTIVE = 'a,button,[type=submit],[type=button],[role=button],[data-clicklake-event]';
export const RAGE_CLICKS = 3; // clicks on one element ...
export const RAGE_WINDOW_MS = 1000; // ... within this time make a rage click
export const SELECTOR_DEPTH = 5; // steps of an element's selector path (it stops earlier at an id)

// Field bounds: the collector refuses longer values (docs/collect.md), so they are cut here.
export const TEXT_MAX = 100; // element text (the product decision; the collector allows 1024)
export const URL_MAX = 4096; // url, referrer, element href
export const TITLE_MAX = 1024; // title; also element classes and selector
export const NAME_MAX = 256; // event name, user id
