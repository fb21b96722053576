import { SESSION_IDLE_MS } from './limits.js';

/**
 * Identity and session state of one browser (pure functions over a small object; the core stores it).
 *
 * Kept as JSON under `clicklake:<site>` in localStorage when storage is allowed (not cookieless, consent not
 * pending or refused), else only in memory. One-letter keys keep the bundle and the stored value small:
 *   a  anonymous_id (UUID), made on the first event
 *   u  user_id, set by identify
 *   s  session_id (UUID); a new one when the previous event is more than SESSION_IDLE_MS old
 *   t  time of the previous event (epoch ms)
 *   n  last seq handed out: +1 per event, across page loads, tabs and reset()
 *   c  consent: 1 granted, 0 refused, absent unknown
 */
export interface Identity {
  a?: string;
  u?: string;
  s?: string;
  t?: number;
  n?: number;
  c?: 0 | 1;
}

/** Readies `id` for an event at `now`: anonymous id, live session, next seq. Returns the event's seq. */
export function touch(id: Identity, now: number, uuid: () => string): number {
  id.a = id.a || uuid();
  // `!(x <= idle)` also starts a session when t is missing (NaN); a clock that went back keeps the session.
  if (!id.s || !(now - id.t! <= SESSION_IDLE_MS)) id.s = uuid();
  id.t = now;
  return (id.n = (id.n || 0) + 1);
}

