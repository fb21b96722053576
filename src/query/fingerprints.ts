import { createHash } from 'node:crypto';
import type { Freshness } from './freshness.js';

/** The UTC day of a lake file from its `dt=` partition directory; undefined for a path without one. */
export function dayOfPath(path: string): string | undefined {
  return /[\\/]dt=(\d{4}-\d{2}-\d{2})[\\/]/.exec(path)?.[1];
}

/** The UTC hour of a lake file from its `hour=` partition directory; undefined for a path without one. */
export function hourOfPath(path: string): number | undefined {
  const m = /[\\/]hour=(\d{1,2})[\\/]/.exec(path);
  return m === null ? undefined : Number(m[1]);
}

export interface FingerprintDeps {
  /** Brings the view up to date (the engine's refresh). */
  readonly refresh: () => Promise<void>;
  readonly state: Freshness['state'];
  /** The lake dir as the sandbox has it (ending in the path separator). */
  readonly lakeDir: string;
}

/**
 * The data fingerprints of the engine (SqlRunner.dataFingerprint, dayFingerprints, and the keeper's hour
 * fingerprints), from the applied snapshot's files and the not-yet-written events per day and hour (freshness.ts),
 * taken after a refresh.
 */
export function createFingerprints(deps: FingerprintDeps) {
  /** A file's path inside the lake dir: fingerprints then survive a move of the data dir (the rollup is kept). */
  const lakeKey = (path: string) => (path.startsWith(deps.lakeDir) ? path.slice(deps.lakeDir.length) : path);

  /** SqlRunner.dataFingerprint: files of days [fromDay, toDay] and their hot payload counts, after a refresh. */
  async function dataFingerprint(fromDay: string | null, toDay: string | null): Promise<string> {
    await deps.refresh();
    const { files, hotByDay } = deps.state();
    const inRange = (day: string) => (fromDay === null || day >= fromDay) && (toDay === null || day <= toDay);
    const hash = createHash('sha256');
    for (const f of files.map((x) => x.path).sort()) {
      const day = dayOfPath(f);
      if (day === undefined || inRange(day)) hash.update(lakeKey(f)).update('\n'); // a path without dt= counts for every range
    }
    for (const [day, n] of [...hotByDay.entries()].sort()) if (day === '?' || inRange(day)) hash.update(`hot ${day} ${n}\n`);
    return hash.digest('base64url');
  }

  /** SqlRunner.dayFingerprints: one pass over the applied snapshot, a hash per day of its files and hot payloads. */
  async function dayFingerprints(fromDay: string | null, toDay: string | null): Promise<ReadonlyMap<string, string>> {
    await deps.refresh();
    const { files, hotByDay } = deps.state();
    const inRange = (day: string) => (fromDay === null || day >= fromDay) && (toDay === null || day <= toDay);
    const parts = new Map<string, string[]>();
    const add = (day: string, part: string) => {
      const list = parts.get(day);
      if (list === undefined) parts.set(day, [part]);
      else list.push(part);
    };
    for (const f of files) {
      const day = dayOfPath(f.path);
      if (day === undefined) add('*', lakeKey(f.path));
      else if (inRange(day)) add(day, lakeKey(f.path));
    }
    for (const [day, n] of hotByDay) {
      if (day === '?') add('*', `hot ${n}`);
      else if (inRange(day)) add(day, `hot ${n}`); // after the file paths (sorted below, 'hot ' never starts a path)
    }
    const out = new Map<string, string>();
    for (const [day, list] of parts) out.set(day, createHash('sha256').update(list.sort().join('\n')).digest('base64url'));
    return out;
  }

  /**
   * A fingerprint per hour of a UTC day (index = hour): its files of that hour and its hot payloads of that hour. Null
   * when the day's data cannot be told apart by hour (a file of the day without an hour= directory, a hot payload
   * whose hour is unreadable). For the rollup keeper, which stores the closed hours of today and rebuilds only the
   * hours that changed.
   */
  async function hourFingerprints(day: string): Promise<readonly string[] | null> {
    await deps.refresh();
    const { files, hotByHour } = deps.state();
    if (hotByHour.has('?')) return null;
    const parts: string[][] = Array.from({ length: 24 }, () => []);
    for (const f of files) {
      if (dayOfPath(f.path) !== day) continue;
      const hour = hourOfPath(f.path);
      if (hour === undefined || hour > 23) return null;
      parts[hour]!.push(lakeKey(f.path));
    }
    for (const [key, n] of hotByHour) if (key.slice(0, 10) === day) parts[Number(key.slice(11))]!.push(`hot ${n}`);
    return parts.map((list) => createHash('sha256').update(list.sort().join('\n')).digest('base64url'));
  }

  return { dataFingerprint, dayFingerprints, hourFingerprints };
}
