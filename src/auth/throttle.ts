import type { Clock } from '../core/ports.js';

/**
 * A small per-key (client IP) throttle for failed logins: after `maxFailures` failures within `windowMs`, the key
 * is refused until the window of its first failure ends. Bounded memory: at most `maxKeys` keys are tracked (the
 * oldest is forgotten first). A success clears the key.
 */
export interface ThrottleOptions {
  readonly maxFailures?: number;
  readonly windowMs?: number;
  readonly maxKeys?: number;
  readonly clock?: Clock;
}

export class LoginThrottle {
  private readonly entries = new Map<string, { first: number; failures: number }>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly clock: Clock;

  constructor(options: ThrottleOptions = {}) {
    this.maxFailures = options.maxFailures ?? 10;
    this.windowMs = options.windowMs ?? 15 * 60_000; // 15 min
    this.maxKeys = options.maxKeys ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  /** Seconds until `key` may try again, or 0 when it may now. */
  retryAfter(key: string): number {
    const e = this.entries.get(key);
    if (!e) return 0;
    const now = this.clock();
    if (now - e.first >= this.windowMs) {
      this.entries.delete(key);
      return 0;
    }
    return e.failures >= this.maxFailures ? Math.ceil((e.first + this.windowMs - now) / 1000) : 0;
  }

  fail(key: string): void {
    const now = this.clock();
    const e = this.entries.get(key);
    if (e && now - e.first < this.windowMs) {
      e.failures++;
      return;
    }
    this.entries.delete(key);
    if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { first: now, failures: 1 });
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
