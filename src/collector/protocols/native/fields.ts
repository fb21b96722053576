import { cleanToken } from './text.js';
import { parseClientTime } from './time.js';

/**
 * Field readers of the native protocol: each checks one value's type and bounds and returns it, or throws
 * FieldError (turned into CLK_ERR_EVENT_INVALID "<path>: <reason>"). `undefined` and `null` mean absent, and so
 * does '' for optional strings. Hand-written rather than a zod schema: on the hot path zod's safeParse alone cost
 * ~4.5x a JSON.parse of the same event (docs/collect.md, "Performance notes").
 */
export class FieldError extends Error {}

const fail = (path: string, reason: string): never => {
  throw new FieldError(`${path}: ${reason}`);
};

/** A bounded string as sent ('' -> null). Text rules are applied when the row is encoded (row-json.ts). */
export function str(v: unknown, path: string, max: number): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') return fail(path, `must be a string, got ${kind(v)}`);
  if (v.length > max) return fail(path, `longer than ${max} characters`);
  return v === '' ? null : v;
}

/** A bounded identifier cleaned now (needed before encoding, e.g. site_id for the origin check). */
export function token(v: unknown, path: string, max: number): string | null {
  const s = str(v, path, max);
  if (s === null) return null;
  const clean = cleanToken(s);
  return clean === null ? fail(path, 'must not contain control characters') : clean;
}

export function integer(v: unknown, path: string, min: number, max: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number' || !Number.isInteger(v)) return fail(path, `must be an integer, got ${kind(v)}`);
  return v < min || v > max ? fail(path, `must be between ${min} and ${max}`) : v;
}

/** A finite number in [min, max], rounded to an integer. */
export function rounded(v: unknown, path: string, min: number, max: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'number') return fail(path, `must be a number, got ${kind(v)}`);
  return v >= min && v <= max ? Math.round(v) : fail(path, `must be between ${min} and ${max}`);
}

/** Epoch ms of a client time (ISO-8601 string with offset, or epoch ms number). */
export function clientTime(v: unknown, path: string, maxLength: number): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' && typeof v !== 'number') return fail(path, `must be an ISO-8601 string or epoch ms, got ${kind(v)}`);
  if (typeof v === 'string' && v.length > maxLength) return fail(path, `longer than ${maxLength} characters`);
  const t = parseClientTime(v);
  return typeof t === 'string' ? fail(path, t) : t;
}

/** A nested object ({w,h}, element): null when absent. */
export function object(v: unknown, path: string): Record<string, unknown> | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'object' || Array.isArray(v)) return fail(path, `must be an object, got ${kind(v)}`);
  return v as Record<string, unknown>;
}

/** `element.classes`: a string or an array of strings -> one space-separated, whitespace-collapsed string. */
export function classList(v: unknown, path: string, max: number, maxItems: number): string | null {
  if (v === undefined || v === null) return null;
  let joined: string;
  if (typeof v === 'string') {
    if (v.length > max) return fail(path, `longer than ${max} characters`);
    joined = v;
  } else if (Array.isArray(v)) {
    if (v.length > maxItems) return fail(path, `more than ${maxItems} items`);
    for (let i = 0; i < v.length; i++) {
      if (typeof v[i] !== 'string') return fail(`${path}.${i}`, `must be a string, got ${kind(v[i])}`);
    }
    joined = v.join(' ');
  } else {
    return fail(path, `must be a string or an array of strings, got ${kind(v)}`);
  }
  const collapsed = joined.trim().replace(/\s+/g, ' ');
  if (collapsed.length > max) return fail(path, `longer than ${max} characters once joined`);
  return collapsed === '' ? null : collapsed;
}

export function kind(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}
