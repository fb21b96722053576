import { Buffer } from 'node:buffer';
import { FIELD_LIMITS as L } from './limits.js';
import { hasSurrogate, toWellFormed } from './text.js';

/**
 * `props` -> the `properties` column: a plain object (arrays, strings, numbers, booleans and null inside), at most
 * FIELD_LIMITS.props_depth levels deep (props itself is level 1), props_keys object keys over all levels, keys of at
 * most props_key_length, and props_bytes UTF-8 bytes once serialised. Absent or null -> "{}". Lone surrogates in keys
 * or strings are replaced by U+FFFD; everything else is kept exactly (JSON escapes control characters).
 */
export type PropsResult = { json: string } | { error: string };

const EMPTY: PropsResult = { json: '{}' };

class PropsError extends Error {}

interface Walk {
  /** The body is plain (body.ts isPlainJson): no string can hold a lone surrogate, skip the checks. */
  plain: boolean;
  keys: number;
  surrogates: boolean;
  /** Keys from props down to the current value; joined only for an error message. */
  path: string[];
}

const where = (state: Walk): string => ['props', ...state.path].join('.').slice(0, 300);

function walk(value: unknown, depth: number, state: Walk): void {
  if (typeof value === 'string') {
    if (!state.plain && !state.surrogates && hasSurrogate(value)) state.surrogates = true;
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth > L.props_depth) throw new PropsError(`${where(state)}: nested deeper than ${L.props_depth} levels`);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) walk(value[i], depth + 1, state);
    return;
  }
  const obj = value as Record<string, unknown>;
  for (const key in obj) {
    if (++state.keys > L.props_keys) throw new PropsError(`props: more than ${L.props_keys} keys`);
    if (key.length > L.props_key_length) throw new PropsError(`${where(state)}: a key is longer than ${L.props_key_length}`);
    if (!state.plain && !state.surrogates && hasSurrogate(key)) state.surrogates = true;
    state.path.push(key);
    walk(obj[key], depth + 1, state);
    state.path.pop();
  }
}

/** Deep copy with every string and key made well-formed (rare path). */
function wellFormedCopy(value: unknown): unknown {
  if (typeof value === 'string') return toWellFormed(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(wellFormedCopy);
  const out: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) {
    Object.defineProperty(out, toWellFormed(key), {
      value: wellFormedCopy((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

export function serializeProps(props: unknown, plain = false): PropsResult {
  if (props === undefined || props === null) return EMPTY;
  if (typeof props !== 'object' || Array.isArray(props)) return { error: 'props: must be an object' };
  const state: Walk = { plain, keys: 0, surrogates: false, path: [] };
  try {
    walk(props, 1, state);
  } catch (err) {
    if (err instanceof PropsError) return { error: err.message };
    throw err;
  }
  if (state.keys === 0) return EMPTY;
  const json = JSON.stringify(state.surrogates ? wellFormedCopy(props) : props);
  if (json.length * 3 > L.props_bytes) {
    const bytes = Buffer.byteLength(json, 'utf8');
    if (bytes > L.props_bytes) return { error: `props: ${bytes} bytes serialised (max ${L.props_bytes})` };
  }
  return { json };
}
