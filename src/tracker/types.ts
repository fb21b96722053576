/**
 * Types shared by the browser tracker's modules: the wire event (the native protocol, docs/collect.md), the public
 * API, the options, and the seam (`TrackerWindow`) through which the core reaches the clock, timers, the network,
 * storage and the page. The browser passes `window`; unit tests pass a fake (testkit.ts).
 *
 * Type-only: nothing here reaches the bundle.
 */

/** One element of a click, rage click, outbound click or form submit. Never carries an input's value. */
export interface WireElement {
  tag: string;
  id?: string;
  classes?: string;
  /** Visible text, whitespace collapsed, at most 100 UTF-16 code units. */
  text?: string;
  /** Bounded CSS selector path (at most 5 levels, stops at the nearest id). */
  selector?: string;
  /** Links: the resolved href; forms: the action attribute as written. Redacted like the page URL. */
  href?: string;
  /** Position in the document (px), clicks only. */
  x?: number;
  y?: number;
}

/** An event as sent to `POST /collect`. */
export interface WireEvent {
  event_id: string;
  type: string;
  /** Custom events: the name; clicks: data-clicklake-event; submits: the form's name. null means none. */
  name?: string | null;
  /** Epoch ms when the event happened on the device. */
  ts: number;
  /** Epoch ms when the batch carrying it was sent (set on every attempt). */
  sent_at?: number;
  site_id?: string;
  anonymous_id?: string;
  user_id?: string;
  session_id?: string;
  /** +1 per event, per browser (stored with the identity; per page load in cookieless mode). */
  seq: number;
  url?: string;
  referrer?: string;
  title?: string;
  element?: WireElement;
  scroll_depth?: number;
  viewport?: { w: number; h: number };
  screen?: { w: number; h: number };
  language?: string;
  /** Part of the protocol; the tracker does not send it (every byte counts, see docs/tracker.md). */
  timezone?: string;
  props?: Record<string, unknown>;
}

/** The Web Storage subset the tracker uses (localStorage in the browser). Calls may throw; the tracker copes. */
export interface KeyValueStore {
  key(index: number): string | null;
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** The part of a fetch Response the tracker reads. */
export interface SendResponse {
  status: number;
  headers: { get(name: string): string | null };
}

/**
 * Everything the core touches outside itself (STYLE.md §6: inject what you touch): the members of `window` it
 * uses, so the browser passes `window` itself and unit tests pass a fake with a controlled clock, timers, fetch,
 * beacon and storage (testkit.ts). Nothing is read from globals.
 */
export interface TrackerWindow {
  Date: { now(): number };
  Math: { random(): number };
  crypto: { getRandomValues<T extends Uint8Array>(a: T): T };
  setTimeout(fn: () => void, ms?: number): unknown;
  fetch(url: string, init: { method: 'POST'; body: string; keepalive: boolean }): Promise<SendResponse>;
  navigator: {
    onLine: boolean;
    language?: string;
    /** Absent: no beacons. */
    sendBeacon?(url: string, body: string): boolean;
  };
  /** Reading it may throw (blocked storage); the core catches that. */
  readonly localStorage: KeyValueStore | null;
  location: { href: string };
  document: { title: string };
  innerWidth: number;
  innerHeight: number;
  screen: { width: number; height: number };
  addEventListener(type: string, fn: () => void): void;
}

/** Autocapture features; each can be turned off. */
export type AutocaptureFeature = 'pageviews' | 'clicks' | 'outbound' | 'forms' | 'rage' | 'scroll';

/**
 * Options of `init` (ES module). The script build passes its <script> tag's data-* attributes instead, as strings
 * (data-respect-dnt becomes respectDnt), so each option also accepts the string form noted.
 */
export interface TrackerOptions {
  /** Site id (`site_id`); events without one land in site `default`. */
  site?: string;
  /** Collector URL, e.g. `https://collect.example.com/collect`. */
  endpoint: string;
  /** Store nothing on the device; the server derives the visitor id. Default false. String form: '' or 'true'. */
  cookieless?: boolean | '' | 'true' | 'false';
  /**
   * 'required': nothing is sent or stored until `consent(true)`; events wait in memory until then, and
   * `consent(false)` drops them. Absent: tracking starts at once, and `consent(false)` opts out.
   */
  consent?: 'required';
  /** Do-Not-Track and Global Privacy Control count as a refusal of consent. Default true; false/'false' ignores them. */
  respectDnt?: boolean | 'false';
  /** Extra URL parameters whose values are redacted (added to the defaults). String form: 'a,b'. */
  redact?: string[] | string;
  /**
   * Autocapture features to run: absent/true all of them, false none, a list only those. String form:
   * 'false' or 'pageviews,clicks'.
   */
  autocapture?: boolean | AutocaptureFeature[] | string;
}

/** The public API (`window.clicklake` or the value `init` returns). */
export interface ClicklakeApi {
  /** A custom event (`type: custom`, `name`). `props` must be a plain object (the collector refuses others). */
  track(name: string, props?: Record<string, unknown>): void;
  /** Sets `user_id` on this and later events and sends an `identify` event with the traits (an object) as props. */
  identify(userId: string, traits?: Record<string, unknown>): void;
  /** A page view of the current URL (also ends the previous page view's scroll/engagement measurement). */
  page(props?: Record<string, unknown>): void;
  /** Forgets the visitor: a new anonymous id and session from the next event, no user id. */
  reset(): void;
  /** Grants (true) or refuses/withdraws (false) consent. */
  consent(granted: boolean): void;
}
