import {
  DuckDBArrayValue,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBTimestampMillisecondsValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampSecondsValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBUnionValue,
  DuckDBVariantValue,
  type DuckDBValue,
} from '@duckdb/node-api';

/**
 * DuckDB values -> JSON-safe values (the result format of docs/query.md):
 *   NULL -> null; BOOLEAN -> boolean; integers -> number when within ±2^53-1, else a decimal string;
 *   DECIMAL -> number; FLOAT/DOUBLE -> number ('NaN', 'Infinity', '-Infinity' as strings);
 *   TIMESTAMP[TZ|_S|_MS|_NS] -> ISO-8601 UTC with 'Z' (milliseconds; 6 or 9 fraction digits only when finer
 *   digits are non-zero; 'infinity'/'-infinity'); DATE -> 'YYYY-MM-DD';
 *   LIST/ARRAY -> array; STRUCT -> object; MAP -> object (non-string keys as their JSON text); UNION -> its value;
 *   BLOB -> base64 string; everything else (TIME, INTERVAL, UUID, BIT, ENUM, ...) -> DuckDB's text form.
 */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MAX_DATE_MS = 8_640_000_000_000_000n; // the JS Date range, ±100,000,000 days

function integer(value: bigint): number | string {
  return value <= MAX_SAFE && value >= -MAX_SAFE ? Number(value) : value.toString();
}

function float(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/**
 * ISO string of `units` since the epoch, `perMs` units per millisecond (1n for ms, 1000n for µs, 1000000n for ns).
 * Null when outside the JS Date range.
 */
export function isoFromEpoch(units: bigint, perMs: bigint): string | null {
  let ms = units / perMs;
  let rest = units % perMs;
  if (rest < 0n) {
    ms -= 1n;
    rest += perMs;
  }
  if (ms > MAX_DATE_MS || ms < -MAX_DATE_MS) return null;
  const iso = new Date(Number(ms)).toISOString();
  if (rest === 0n) return iso;
  const digits = perMs.toString().length - 1;
  return `${iso.slice(0, -1)}${rest.toString().padStart(digits, '0')}Z`;
}

function timestamp(units: bigint, perMs: bigint, finite: boolean, text: () => string): string {
  if (!finite) return text();
  return isoFromEpoch(units, perMs) ?? text();
}

function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

function mapKey(key: JsonValue): string {
  return typeof key === 'string' ? key : JSON.stringify(key);
}

export function toJsonValue(value: DuckDBValue): JsonValue {
  if (value === null) return null;
  switch (typeof value) {
    case 'boolean':
    case 'string':
      return value;
    case 'number':
      return float(value);
    case 'bigint':
      return integer(value);
  }
  if (value instanceof DuckDBTimestampTZValue || value instanceof DuckDBTimestampValue) {
    return timestamp(value.micros, 1000n, value.isFinite, () => value.toString());
  }
  if (value instanceof DuckDBTimestampMillisecondsValue) {
    return timestamp(value.millis, 1n, value.isFinite, () => value.toString());
  }
  if (value instanceof DuckDBTimestampSecondsValue) {
    return timestamp(value.seconds * 1000n, 1n, value.isFinite, () => value.toString());
  }
  if (value instanceof DuckDBTimestampNanosecondsValue) {
    return timestamp(value.nanos, 1_000_000n, value.isFinite, () => value.toString());
  }
  if (value instanceof DuckDBDateValue) return value.toString();
  if (value instanceof DuckDBDecimalValue) return float(value.toDouble());
  if (value instanceof DuckDBBlobValue) return bytesToBase64(value.bytes);
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(toJsonValue);
  if (value instanceof DuckDBStructValue) {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value.entries)) out[k] = toJsonValue(v);
    return out;
  }
  if (value instanceof DuckDBMapValue) {
    const out: { [key: string]: JsonValue } = {};
    for (const e of value.entries) out[mapKey(toJsonValue(e.key))] = toJsonValue(e.value);
    return out;
  }
  if (value instanceof DuckDBUnionValue) return toJsonValue(value.value);
  if (value instanceof DuckDBVariantValue) return toJsonValue(value.value);
  return value.toString();
}
