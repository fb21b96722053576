// Test helpers for the tracker core (Node only, not part of the bundle): a fake of the window members the core
// uses, with a manual clock and timers, a scripted collector behind `fetch`, a recording `sendBeacon`, in-memory
// storage and an event target for pagehide/visibilitychange/online. Nothing global is touched.
import { webcrypto } from 'node:crypto';
import { createCore, type Emit } from './core.js';
import type { ClicklakeApi, KeyValueStore, TrackerOptions, TrackerWindow, WireEvent } from './types.js';

export class MemoryStorage implements KeyValueStore {
  readonly map = new Map<string, string>();
  /** When set, writes throw like a full or blocked localStorage. */
  failWrites = false;
  key(i: number): string | null {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.map.set(k, String(v));
  }
  removeItem(k: string): void {
    if (this.failWrites) throw new Error('QuotaExceededError');
    this.map.delete(k);
  }
  /** Keys of stored events (`clicklake:<site>:e:<id>`). */
  eventKeys(): string[] {
    return [...this.map.keys()].filter((k) => k.includes(':e:'));
  }
}

/** What the fake collector answers: a status, a status with Retry-After, or a network failure. */
export type Answer = number | { status: number; retryAfter?: string } | 'network';

export interface Sent {
  via: 'fetch' | 'beacon';
  url: string;
  events: WireEvent[];
  keepalive?: boolean;
  /** Fake-clock time of the send. */
  at: number;
  /** What the fake collector answered (0: network error; beacons: 200). */
  status: number;
}

export interface FakeBrowser {
  readonly win: TrackerWindow;
  readonly storage: MemoryStorage;
  /** Every request the core made, in order. */
  readonly sent: Sent[];
  now(): number;
  /** Runs the timers due within `ms` in order, letting promises settle in between, then sets the clock. */
  advance(ms: number): Promise<void>;
  /** Lets pending promise callbacks (fetch answers) run. */
  settle(): Promise<void>;
  /** Dispatches pagehide, visibilitychange or online on the window. */
  fire(type: 'pagehide' | 'visibilitychange' | 'online'): void;
  /** How the collector answers the next requests; called with the batch and the request number (0-based). */
  answer: (events: WireEvent[], n: number) => Answer;
  /** What sendBeacon returns; null removes sendBeacon. */
  beaconAccepts: boolean;
  online: boolean;
  /** The page: url and title of the next events. */
  page: { href: string; title: string };
}

export const START = Date.UTC(2026, 10, 27, 10, 0, 0);

export function fakeBrowser(storage = new MemoryStorage(), start = START): FakeBrowser {
  let now = start;
  let seqTimer = 0;
  let requests = 0;
  const timers: { at: number; order: number; fn: () => void }[] = [];
  const target = new EventTarget();
  const page = { href: 'https://shop.example/products?id=3', title: 'Products' };
  const fake: FakeBrowser = {
    win: undefined as unknown as TrackerWindow,
    storage,
    sent: [],
    now: () => now,
    answer: () => 200,
    beaconAccepts: true,
    online: true,
    page,
    async settle() {
      for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    },
    async advance(ms) {
      const end = now + ms;
      for (;;) {
        await fake.settle();
        timers.sort((a, b) => a.at - b.at || a.order - b.order);
        const next = timers[0];
        if (!next || next.at > end) break;
        timers.shift();
        now = Math.max(now, next.at);
        next.fn();
      }
      now = end;
      await fake.settle();
    },
    fire(type) {
      target.dispatchEvent(new Event(type));
    },
  };
  const navigator = {
    language: 'en-US',
    get onLine() {
      return fake.online;
    },
    sendBeacon(url: string, body: string) {
      if (!fake.beaconAccepts) return false;
      fake.sent.push({ via: 'beacon', url, events: JSON.parse(body), at: now, status: 200 });
      return true;
    },
  };
  (fake as { win: TrackerWindow }).win = {
    Date: { now: () => now },
    Math: { random: () => 0.5 },
    crypto: webcrypto as unknown as TrackerWindow['crypto'],
    setTimeout(fn, ms = 0) {
      timers.push({ at: now + ms, order: seqTimer++, fn });
    },
    async fetch(url, init) {
      const events = JSON.parse(init.body) as WireEvent[];
      const entry: Sent = { via: 'fetch', url, events, keepalive: init.keepalive, at: now, status: 0 };
      fake.sent.push(entry);
      const a = fake.answer(events, requests++);
      if (a === 'network') throw new TypeError('Failed to fetch');
      const { status, retryAfter } = typeof a === 'number' ? { status: a, retryAfter: undefined } : a;
      entry.status = status;
      return { status, headers: { get: (name: string) => (name.toLowerCase() === 'retry-after' ? retryAfter ?? null : null) } };
    },
    navigator,
    localStorage: storage,
    location: page,
    document: page,
    innerWidth: 1280,
    innerHeight: 720,
    screen: { width: 1920, height: 1080 },
    addEventListener: (type, fn) => target.addEventListener(type, fn),
  };
  return fake;
}

/** A core on the fake browser; `emit` is the core's raw emitter, `page` emits a page_view. */
export function startCore(
  fake: FakeBrowser,
  options: Partial<TrackerOptions> = {},
  optedOut = false,
): { api: ClicklakeApi; emit: Emit } {
  let emit!: Emit;
  const api = createCore(
    { endpoint: 'https://collect.example/collect', site: 'shop', ...options },
    fake.win,
    (e) => {
      emit = e;
      return (props) => void e('page_view', { props });
    },
    optedOut,
  );
  return { api, emit };
}

/** Every event the collector accepted (2xx answers and beacons), in order of arrival. */
export function delivered(fake: FakeBrowser): WireEvent[] {
  return fake.sent.filter((s) => s.status >= 200 && s.status < 300).flatMap((s) => s.events);
}

/** Holds every fetch of `fake` in flight until the returned function is called. */
export function holdFetch(fake: FakeBrowser): () => void {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const fetch = fake.win.fetch;
  fake.win.fetch = async (url, init) => {
    await gate;
    return fetch(url, init);
  };
  return release;
}
