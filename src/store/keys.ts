/**
 * Object key rules shared by every ObjectStore implementation (the contract suite checks them).
 *
 * A key is a '/'-separated relative path such as `events/dt=2026-11-27/hour=09/part-x.parquet`. It is rejected when it
 * is empty, absolute, longer than MAX_KEY_LENGTH, contains a backslash or NUL, or has an empty, `.` or `..` segment:
 * such keys either escape the store's root on a filesystem or mean different objects on different stores.
 */
export const MAX_KEY_LENGTH = 1024;

export class InvalidObjectKeyError extends Error {
  readonly key: string;

  constructor(key: string, reason: string) {
    super(`invalid object key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidObjectKeyError';
    this.key = key;
  }
}

function segmentProblem(segment: string): string | null {
  if (segment === '') return 'empty path segment';
  if (segment === '.' || segment === '..') return `'${segment}' segment`;
  return null;
}

function commonProblem(key: string): string | null {
  if (typeof key !== 'string') return 'not a string';
  if (key.length > MAX_KEY_LENGTH) return `longer than ${MAX_KEY_LENGTH} characters`;
  if (key.startsWith('/')) return 'absolute path';
  if (key.includes('\\')) return 'backslash';
  if (key.includes('\0')) return 'NUL character';
  return null;
}

/** Throws InvalidObjectKeyError unless `key` names an object. */
export function assertValidKey(key: string): void {
  if (key === '') throw new InvalidObjectKeyError(key, 'empty');
  const problem = commonProblem(key) ?? key.split('/').map(segmentProblem).find((p) => p !== null) ?? null;
  if (problem !== null) throw new InvalidObjectKeyError(key, problem);
}

/**
 * Throws InvalidObjectKeyError unless `prefix` is a valid list prefix: '' (everything), a key, a key followed by '/',
 * or a key whose last segment is cut short (`events/dt=2026-11-2`).
 */
export function assertValidPrefix(prefix: string): void {
  if (prefix === '') return;
  let problem = commonProblem(prefix);
  if (problem === null) {
    const segments = prefix.split('/');
    const last = segments.pop() as string;
    problem = segments.map(segmentProblem).find((p) => p !== null) ?? null;
    if (problem === null && (last === '.' || last === '..')) problem = `'${last}' segment`;
  }
  if (problem !== null) throw new InvalidObjectKeyError(prefix, problem);
}

/** Byte-wise (UTF-8) key order, the order S3 lists in; equal to code-point order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
