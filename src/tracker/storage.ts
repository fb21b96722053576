import type { KeyValueStore } from './types.js';

/**
 * JSON in Web Storage that never throws: storage can be missing (null), blocked (SecurityError), full
 * (QuotaExceededError) or hold garbage written by someone else. Reads answer undefined then; writes are skipped.
 */
export function load(store: KeyValueStore | null, key: string): any {
  try {
    return JSON.parse(store!.getItem(key) as string);
  } catch (e) {
    // missing, blocked or unreadable
  }
}

/** Writes `value` as JSON, or removes the key when `value` is falsy. */
export function save(store: KeyValueStore | null, key: string, value: unknown): void {
  try {
    if (value) store!.setItem(key, JSON.stringify(value));
    else store!.removeItem(key);
  } catch (e) {
    // missing, blocked or full: memory stays the truth for this page
  }
}
