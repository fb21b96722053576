import { clean, cut, redact, REDACTED_PARAMS } from './privacy.js';
import { BATCH_MAX, BATCH_WAIT_MS, KEEPALIVE_MAX_CHARS, NAME_MAX, OVERFLOW, QUEUE_MAX, TITLE_MAX, URL_MAX } from './limits.js';
import { loadQueue } from './queue.js';
import { retryDelay } from './retry.js';
import { touch, type Identity } from './session.js';
import { load, save } from './storage.js';
import type { ClicklakeApi, KeyValueStore, TrackerOptions, TrackerWindow, WireEvent } from './types.js';

/**
 * The tracker without the DOM: consent, identity and session, event building, the outbox and its delivery.
 * Everything outside comes through `w` (the window, or a fake of it), so the whole core runs under node:test with
 * a controlled clock, timers, fetch, beacon and storage (testkit.ts). The browser layer (autocapture.ts, index.ts)
 * adds page views and autocapture through `attach`.
 *
 * Design constraints:
 * - Storage: nothing is written in cookieless mode, nor while consent is pending or refused. A refusal is
 *   remembered as {"c":0} so it survives reloads (not in cookieless mode, which writes nothing at all).
 * - `optedOut` (the browser sends Do-Not-Track or GPC) starts as refused without storing anything: nothing is
 *   sent unless the visitor explicitly opts in with consent(true).
 * - Events: a UUID event_id, the next seq, ts, and (unless cookieless) anonymous_id and session_id. The event is
 *   copied through JSON: URLs are cut to what the collector takes, URL parameters on the redact list are redacted
 *   in every string (url, referrer, element.href, props), later changes to the caller's objects cannot alter it,
 *   and unserialisable props drop it here instead of jamming the queue.
 * - Delivery: batches of at most BATCH_MAX events, sent when full or BATCH_WAIT_MS after the first waits; one
 *   request at a time, so batches leave in event order. `fetch(..., {keepalive: true})` with a string body
 *   (text/plain: no CORS preflight); browsers cap keepalive bodies at 64 KiB, so larger ones go without it.
 * - Nothing lost: events leave the queue only once the collector answered for them (2xx, or a status retrying
 *   cannot fix: retry.ts). Network errors, 5xx and 429 keep them and retry after a backoff or the Retry-After;
 *   the `online` event retries at once. The queue is persistent and bounded (queue.ts).
 * - Page hidden or left (visibilitychange, pagehide): the waiting events not in flight go to navigator.sendBeacon
 *   in batches, and what the browser accepted leaves the queue, since the page may never run again. Offline,
 *   nothing is beaconed: the events stay stored for the next page load.
 * - `sent_at` is stamped on every attempt.
 */
/** Builds, queues and schedules one event; undefined when consent forbids it or it cannot be serialised. */
export type Emit = (type: string, fields?: Partial<WireEvent>) => WireEvent | undefined;

/** Connects the browser layer (autocapture): it gets `emit` and returns what `page(props)` does. */
export type Attach = (emit: Emit) => (props?: Record<string, unknown>) => void;

export function createCore(o: TrackerOptions, w: TrackerWindow, attach: Attach, optedOut?: boolean): ClicklakeApi {
  const key = 'clicklake:' + (o.site || 'default');
  const prefix = key + ':e:';
  const dkey = key + ':d';
  // An array, or a comma/space-separated string (data-redact).
  const names = REDACTED_PARAMS.concat(('' + (o.redact || '')).toLowerCase().split(/[\s,]+/));
  // true, or '' (the data-cookieless attribute present).
  const cookieless = /^(|true)$/.test(o.cookieless as unknown as string);
  const nav = w.navigator;
  let ls: KeyValueStore | null = null;
  try {
    if (!cookieless) ls = w.localStorage; // throws in sandboxed frames and when storage is blocked
  } catch (e) {
    // no storage: the tracker runs from memory
  }
  const now = () => w.Date.now();
  // RFC 4122 version 4 from getRandomValues (crypto.randomUUID needs a secure context).
  const uuid = () =>
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (+c ^ (w.crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (+c / 4)))).toString(16),
    );
  let id: Identity = load(ls, key) || {};
  /** Consent: 1 granted, 0 refused (or Do-Not-Track/GPC, not stored), -1 pending. */
  let granted = optedOut || id.c === 0 ? 0 : id.c || !o.consent ? 1 : -1;
  if (granted < 1) id = { c: id.c };
  /** The store, when writing is allowed. */
  const store = () => (granted > 0 ? ls : null);
  let q = loadQueue(store(), prefix);
  /** Events lost to overflow, not yet reported. */
  let d = +load(store(), dkey) || 0;
  /**
   * The batch in flight or waiting for its retry: always the oldest events, since one request goes at a time. A
   * batch waiting for a retry is not beaconed either: a keepalive fetch cut off by the page's unload fails in the
   * page but may still arrive, so sending it again would double it (it stays stored for the next page load).
   */
  let flying: WireEvent[] = [];
  /** A request is out. */
  let busy = false;
  let timer = false;
  let attempt = 0;
  /** No send before this time (backoff or Retry-After). */
  let until = 0;

  /** Writes (or removes, for a falsy value) a key when writing is allowed. */
  const put = (k: string, v: unknown) => save(store(), k, v);
  const saveId = () => put(key, id);
  const saveEvent = (e: WireEvent) => put(prefix + e.event_id, e);
  /** Out of the queue for good (delivered, refused, beaconed or dropped). */
  const drop = (batch: WireEvent[]) => {
    q = q.filter((e) => batch.indexOf(e) < 0);
    batch.forEach((e) => put(prefix + e.event_id, 0));
  };
  /** Up to BATCH_MAX events from index `from`, with sent_at stamped, as the request body. */
  const batchFrom = (from: number) => q.slice(from, from + BATCH_MAX);
  const body = (batch: WireEvent[]) => {
    const t = now();
    batch.forEach((e) => (e.sent_at = t));
    return JSON.stringify(batch);
  };

  const later = (ms: number) => {
    if (timer) return;
    timer = true;
    w.setTimeout(() => {
      timer = false;
      flush();
    }, ms);
  };

  function flush(): void {
    if (busy || granted < 1) return;
    if (until > now()) return later(until - now());
    const batch = (flying = batchFrom(0));
    if (!batch.length) return;
    const text = body(batch);
    busy = true;
    const done = (status: number, retryAfter?: string | null) => {
      busy = false;
      const delay = retryDelay(status, retryAfter, ++attempt, w.Math.random());
      if (delay < 0) {
        attempt = until = 0;
        flying = [];
        drop(batch);
        if (status < 300 && d) {
          const dropped = d;
          put(dkey, (d = 0));
          emit(OVERFLOW, { props: { dropped } });
        }
        flush();
      } else {
        until = now() + delay;
        later(delay);
      }
    };
    w.fetch(o.endpoint, { method: 'POST', body: text, keepalive: text.length <= KEEPALIVE_MAX_CHARS }).then(
      (r) => done(r.status, r.headers.get('retry-after')),
      () => done(0),
    );
  }

  function emit(type: string, fields?: Partial<WireEvent>): WireEvent | undefined {
    if (!granted) return; // pending consent: kept in memory until the decision
    if (store()) id = load(ls, key) || id; // another tab may have moved seq or the session on
    const ts = now();
    const seq = touch(id, ts, uuid);
    saveId();
    let e: WireEvent = Object.assign(
      {
        event_id: uuid(),
        type,
        ts,
        seq,
        site_id: o.site,
        url: w.location.href,
        title: cut(w.document.title, TITLE_MAX),
        viewport: { w: w.innerWidth, h: w.innerHeight },
        screen: { w: w.screen.width, h: w.screen.height },
        language: nav.language,
      },
      fields,
    );
    if (!cookieless) {
      e.anonymous_id = id.a;
      e.session_id = id.s;
    }
    e.user_id = id.u;
    try {
      // A copy through JSON with URLs cut to URL_MAX (url, referrer, element.href, and props of those names), then
      // every URL-like string in it redacted (those, and URLs anywhere else, such as in props).
      const bound = (k: string, v: any) => (/^(url|referrer|href)$/.test(k) && v && v.slice ? v.slice(0, URL_MAX) : v);
      e = JSON.parse(redact(JSON.stringify(e, bound), names));
    } catch (err) {
      return;
    }
    q.push(e);
    saveEvent(e);
    if (q.length > QUEUE_MAX) drop([q[0]]), put(dkey, ++d);
    if (q.length < BATCH_MAX) later(BATCH_WAIT_MS);
    else flush();
    return e;
  }

  if (q.length) later(0);

  const page = attach(emit);
  // After attach: the browser layer's pagehide/visibilitychange listeners (a last scroll report) run first.
  const beacon = () => {
    if (!nav.sendBeacon || granted < 1 || !nav.onLine) return;
    for (let b = batchFrom(flying.length); b.length && nav.sendBeacon(o.endpoint, body(b)); b = batchFrom(flying.length)) {
      drop(b);
    }
  };
  w.addEventListener('pagehide', beacon);
  w.addEventListener('visibilitychange', beacon); // bubbles from the document; on becoming visible it just sends early
  w.addEventListener('online', () => {
    attempt = until = 0;
    flush();
  });

  return {
    track: (name, props) => emit('custom', { name: cut('' + name, NAME_MAX), props }),
    identify(userId, traits) {
      id.u = clean(userId, NAME_MAX);
      saveId();
      emit('identify', { props: traits });
    },
    page,
    reset() {
      id = { n: id.n, c: id.c }; // keep seq monotonic and the consent decision
      saveId();
    },
    consent(yes) {
      if (yes) {
        granted = id.c = 1;
        saveId();
        q.forEach(saveEvent);
        put(dkey, d);
        flush();
      } else {
        drop(q);
        put(dkey, (d = 0));
        granted = 0;
        save(ls, key, (id = { c: 0 }));
      }
    },
  };
}
