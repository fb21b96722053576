import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { EventBuffer, Logger } from '../../core/ports.js';
import type { BufferHarness } from '../contract.js';
import { nodeSpoolIo } from './io.js';
import type { SpoolFile, SpoolIo } from './io.js';
import { createSpool } from './spool.js';
import type { SpoolOptions } from './spool.js';

/** Test helpers for the spool's tests (not shipped behaviour). */

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'clicklake-spool-'));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface LogEntry {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly obj: object | string;
  readonly msg?: string;
}

/** A Logger that keeps what it is told, so tests can assert warnings. */
export function memoryLogger(entries: LogEntry[] = []): Logger & { readonly entries: LogEntry[] } {
  const at = (level: LogEntry['level']) => (obj: object | string, msg?: string) => void entries.push({ level, obj, msg });
  const logger = {
    entries,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

/** Current value of a counter/gauge (summed over label sets matching `labels`), or a histogram's _count. */
export async function metricValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const data = await metric.get();
  let sum = 0;
  for (const v of data.values) {
    const metricName = (v as { metricName?: string }).metricName;
    if (metricName !== undefined && metricName !== `${name}_count`) continue;
    if (Object.entries(labels).every(([k, want]) => (v.labels as Record<string, unknown>)[k] === want)) sum += v.value;
  }
  return sum;
}

export function spoolOptions(dir: string, overrides: Partial<SpoolOptions> = {}): SpoolOptions {
  return {
    dir,
    segmentBytes: 1024 * 1024,
    maxBytes: 256 * 1024 * 1024,
    retryAfterSeconds: 7,
    logger: memoryLogger(),
    registry: new Registry(),
    ...overrides,
  };
}

/** A contract harness over a temp directory; every (re)open gets a fresh registry. */
export async function openSpoolHarness(overrides: Partial<SpoolOptions> = {}): Promise<BufferHarness & { dir: string }> {
  const dir = tempDir();
  const opened: EventBuffer[] = [];
  const open = async () => {
    const spool = await createSpool(spoolOptions(dir, { ...overrides, registry: new Registry() }));
    opened.push(spool);
    return spool;
  };
  return {
    dir,
    buffer: await open(),
    reopen: open,
    async cleanup() {
      for (const b of opened) await b.close();
      removeDir(dir);
    },
  };
}

export function errnoError(code: string): Error {
  return Object.assign(new Error(`${code}: injected`), { code });
}

/** Hooks that replace a segment file's write/sync; each receives the real operation to call (or not). */
export interface FaultHooks {
  write?: (real: (data: Uint8Array, position: number) => Promise<void>, data: Uint8Array, position: number) => Promise<void>;
  sync?: (real: () => Promise<void>) => Promise<void>;
}

/** nodeSpoolIo whose created files route write/sync through `hooks` (read at call time, so tests can re-arm). */
export function faultyIo(hooks: FaultHooks, base: SpoolIo = nodeSpoolIo): SpoolIo {
  return {
    ...base,
    async create(path) {
      const file = await base.create(path);
      const wrapped: SpoolFile = {
        write: (data, position) =>
          hooks.write ? hooks.write((d, p) => file.write(d, p), data, position) : file.write(data, position),
        sync: () => (hooks.sync ? hooks.sync(() => file.sync()) : file.sync()),
        truncate: (length) => file.truncate(length),
        close: () => file.close(),
      };
      return wrapped;
    },
  };
}
