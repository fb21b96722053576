import { randomBytes } from 'node:crypto';
import { buildCatalog } from './catalog.js';
import { EventStream, type SimEvent } from './sessions.js';

/**
 * Request bodies for POST /collect, shaped like the browser tracker's: a JSON array of events.
 *
 * Bodies are generated once (a pool of templates) and every request gets fresh event ids spliced in, so the
 * collector never sees a duplicate id and the load generator spends almost no CPU per request (the machine has
 * two cores shared by load generator and server).
 */
const ID_MARK = '"@@EVENT_ID@@"';

/** The tracker's wire format of one event. */
export function toClientEvent(e: SimEvent, eventId: string, sentAtMs: number): Record<string, unknown> {
  const ev: Record<string, unknown> = {
    event_id: eventId,
    type: e.type,
    ts: e.tsMs,
    sent_at: sentAtMs,
    site_id: e.site.id,
    anonymous_id: e.visitorId,
    session_id: e.sessionId,
    seq: e.seq,
    url: e.url,
    referrer: e.referrer ?? '',
    title: e.title,
    viewport: e.device.viewport,
    screen: e.device.screen,
    language: e.locale.language,
    timezone: e.locale.timezone,
  };
  if (e.name !== null) ev.name = e.name;
  if (e.element !== null) {
    const el = e.element;
    ev.element = {
      tag: el.tag,
      ...(el.id !== null ? { id: el.id } : {}),
      classes: el.classes.split(' '),
      text: el.text,
      selector: el.selector,
      ...(el.href !== null ? { href: el.href } : {}),
      x: e.x,
      y: e.y,
    };
  }
  if (e.scrollDepth !== null) ev.scroll_depth = e.scrollDepth;
  if (e.props !== null) ev.props = e.props;
  return ev;
}

/** Unique UUID-v4-shaped ids: a random per-process prefix plus a counter (cheap, never repeats in a run). */
export function idFactory(): () => string {
  const r = randomBytes(8).toString('hex');
  const prefix = `${r.slice(0, 8)}-${r.slice(8, 12)}-4${r.slice(12, 15)}-a`;
  let n = 0;
  return () => `${prefix}${(n >>> 20).toString(16).padStart(3, '0')}-${(n++ & 0xfffff).toString(16).padStart(12, '0')}`;
}

export interface BodyPool {
  readonly eventsPerBody: number;
  /** Mean body size in bytes (with ids filled in). */
  readonly meanBytes: number;
  /** The next body, with fresh event ids. */
  next(): string;
  /** The same as a Buffer, built by copying (cheaper for the load generator than encoding a string). */
  nextBuffer(): Buffer;
}

/** A pool of `size` bodies of `eventsPerBody` events each, from recent simulated traffic (ending now). */
export function bodyPool(opts: { size: number; eventsPerBody: number; seed?: number; nowMs?: number }): BodyPool {
  const now = opts.nowMs ?? Date.now();
  const total = opts.size * opts.eventsPerBody;
  const stream = new EventStream({
    catalog: buildCatalog(),
    seed: opts.seed ?? 7,
    startMs: now - 10 * 60_000,
    endMs: now,
    expectedEvents: total,
    visitors: 50_000,
  });
  const templates: string[][] = [];
  let bytes = 0;
  for (let b = 0; b < opts.size; b++) {
    const events = [];
    let sentAt = 0;
    for (let i = 0; i < opts.eventsPerBody; i++) {
      const e = stream.next();
      sentAt = Math.max(sentAt, e.tsMs);
      events.push(e);
    }
    const json = JSON.stringify(events.map((e) => toClientEvent(e, 'x', sentAt + 150)));
    const body = JSON.stringify(events.map((e) => toClientEvent(e, '@@EVENT_ID@@', sentAt + 150)));
    templates.push(body.split(ID_MARK));
    bytes += Buffer.byteLength(json) + opts.eventsPerBody * 35; // 36-char id instead of 'x'
  }
  const nextId = idFactory();
  const encoded = templates.map((parts) => parts.map((p) => Buffer.from(p)));
  let k = 0;
  return {
    eventsPerBody: opts.eventsPerBody,
    meanBytes: bytes / opts.size,
    next() {
      return this.nextBuffer().toString('utf8');
    },
    nextBuffer() {
      const parts = encoded[k++ % encoded.length]!;
      let size = 0;
      for (const p of parts) size += p.length;
      const buf = Buffer.allocUnsafe(size + (parts.length - 1) * 38); // "<36-char id>"
      let at = parts[0]!.copy(buf, 0);
      for (let i = 1; i < parts.length; i++) {
        at += buf.write(`"${nextId()}"`, at, 'latin1');
        at += parts[i]!.copy(buf, at);
      }
      return buf;
    },
  };
}
