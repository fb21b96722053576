import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Routing a batch's payloads to hour partitions, before DuckDB sees them.
 *
 * Each payload goes to the NDJSON file of the UTC hour of its `ts`. Routing reads only `ts`, without parsing the
 * payload when it can: payloads are `JSON.stringify` output of a flat LakeRow, so the first `"ts":"` is the ts key
 * (a `"` inside a string value is always escaped) and a canonical timestamp is the 24 characters after it. Anything
 * else (spaces, other timestamp forms, not a LakeRow) takes the slow path through JSON.parse, and a payload without
 * a usable ts is rejected. Routing is an optimisation, not the authority: the SQL that converts a partition's file
 * keeps only rows whose ts (as DuckDB parses it) falls inside that hour, so a row can never land in the wrong folder.
 */
export interface PartitionGroup {
  /** `dt=YYYY-MM-DD/hour=HH` */
  readonly partition: string;
  /** Start of the hour, `YYYY-MM-DDTHH:00:00Z`. */
  readonly hourStart: string;
  /** Start of the next hour. */
  readonly hourEnd: string;
  /** Index into the `groups` array that `slots` refers to. */
  readonly slot: number;
  count: number;
}

export interface Routing {
  /** Sorted by partition. */
  readonly groups: PartitionGroup[];
  /** For each payload, its group's slot, or -1 when rejected. */
  readonly slots: Int32Array;
  readonly rejected: number;
}

const TS_KEY = '"ts":"';
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** ISO 8601 forms DuckDB and Date.parse both read as the same instant. */
const ISO_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const YIELD_EVERY = 20_000;

/** `YYYY-MM-DDTHH` of a payload's ts (UTC), or null when it has none usable. */
export function hourKeyOf(payload: string): string | null {
  const at = payload.indexOf(TS_KEY);
  if (at >= 0 && payload.charCodeAt(at + 30) === 34 /* " */) {
    const ts = payload.slice(at + 6, at + 30);
    if (CANONICAL_TS.test(ts)) return ts.slice(0, 13);
  }
  return slowHourKey(payload);
}

function slowHourKey(payload: string): string | null {
  let ts: unknown;
  try {
    ts = (JSON.parse(payload) as { ts?: unknown } | null)?.ts;
  } catch {
    return null;
  }
  if (typeof ts !== 'string' || !ISO_TS.test(ts)) return null;
  const ms = Date.parse(ts);
  if (!Number.isFinite(ms)) return null;
  const iso = new Date(ms).toISOString();
  return /^\d{4}-/.test(iso) ? iso.slice(0, 13) : null;
}

function groupFor(hourKey: string, slot: number): PartitionGroup {
  const next = new Date(Date.parse(`${hourKey}:00:00Z`) + 3_600_000).toISOString();
  return {
    partition: `dt=${hourKey.slice(0, 10)}/hour=${hourKey.slice(11, 13)}`,
    hourStart: `${hourKey}:00:00Z`,
    hourEnd: `${next.slice(0, 13)}:00:00Z`,
    slot,
    count: 0,
  };
}

/** Routes payloads to hour partitions; yields to the event loop now and then (batches can be large). */
export async function routePayloads(payloads: readonly string[]): Promise<Routing> {
  const slots = new Int32Array(payloads.length);
  const byKey = new Map<string, PartitionGroup>();
  const groups: PartitionGroup[] = [];
  let rejected = 0;
  let lastKey = '';
  let last: PartitionGroup | null = null;
  for (let i = 0; i < payloads.length; i++) {
    if (i > 0 && i % YIELD_EVERY === 0) await yieldToLoop();
    const key = hourKeyOf(payloads[i]!);
    if (key === null) {
      slots[i] = -1;
      rejected++;
      continue;
    }
    if (key !== lastKey || last === null) {
      let group = byKey.get(key);
      if (group === undefined) {
        group = groupFor(key, groups.length);
        byKey.set(key, group);
        groups.push(group);
      }
      last = group;
      lastKey = key;
    }
    last.count++;
    slots[i] = last.slot;
  }
  return { groups: [...groups].sort((a, b) => (a.partition < b.partition ? -1 : 1)), slots, rejected };
}
