import type { SqlParam, SqlValue } from '../core/ports.js';

/**
 * SQL building blocks shared by the named queries. Filter semantics (docs/dashboard-api.md, "Filters"):
 * - event metrics (page views, visitors, clicks, event counts) count the events that match every filter;
 * - session metrics (sessions, bounce rate, duration, entry/exit pages, sources, engaged time, scroll depth) are
 *   computed over ALL in-range events of the sessions that contain at least one matching event.
 * The tiles that follow these rules over rollup rows take them from ./rollup.ts; bounces use core/rollup.ts
 * PASSIVE_EVENT_TYPES.
 */

/** Merges parameter objects (names must not clash; a clash with a different value is a programming error). */
export function mergeParams(...parts: Record<string, SqlParam>[]): Record<string, SqlParam> {
  const out: Record<string, SqlParam> = {};
  for (const p of parts) {
    for (const [k, v] of Object.entries(p)) {
      if (k in out && out[k] !== v) throw new Error(`SQL parameter $${k} bound twice with different values`);
      out[k] = v;
    }
  }
  return out;
}

/** A numeric cell (BIGINT beyond 2^53 arrives as a string; NULL -> 0). */
export function num(v: SqlValue | undefined): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return 0;
}

/** A numeric cell or null (NULL stays null, e.g. an average over nothing). */
export function numOrNull(v: SqlValue | undefined): number | null {
  return v === null || v === undefined ? null : num(v);
}

export function str(v: SqlValue | undefined): string {
  return v === null || v === undefined ? '' : String(v);
}

/** Rounds to `digits` decimals (ratios and averages in responses). */
export function round(n: number, digits = 4): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function ratio(a: number, b: number, digits = 4): number {
  return b === 0 ? 0 : round(a / b, digits);
}

/** Bucket starts (ISO) covering [from, to): hours or UTC days. */
export function bucketStarts(fromIso: string, toIso: string, bucket: 'hour' | 'day'): string[] {
  const step = bucket === 'hour' ? 3_600_000 : 86_400_000;
  const from = Math.floor(Date.parse(fromIso) / step) * step;
  const to = Date.parse(toIso);
  const out: string[] = [];
  for (let t = from; t < to; t += step) out.push(new Date(t).toISOString());
  return out;
}
