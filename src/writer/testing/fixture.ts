import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Registry } from 'prom-client';
import type { ObjectStore } from '../../core/ports.js';
import { createLocalStore } from '../../store/local/local.js';
import { createWriter, type Writer, type WriterOptions } from '../writer.js';
import { type LogEntry, memoryLogger } from './logger.js';
import { MemoryBuffer } from './memory-buffer.js';

/**
 * A writer on a temp lake with a MemoryBuffer, a fake clock and its own DuckDB for reading results back.
 * The clock starts at 2026-11-27T12:30:00Z, so the test rows' default hour (09) is a finished hour.
 */
export interface WriterFixture {
  readonly root: string;
  readonly lakeDir: string;
  readonly tmpDir: string;
  readonly store: ObjectStore;
  readonly buffer: MemoryBuffer;
  readonly registry: Registry;
  readonly logs: LogEntry[];
  readonly clock: { now: number };
  readonly writer: Writer;
  /** Another writer on the same lake, buffer and clock (a restart); stopped by cleanup. */
  newWriter(overrides?: Partial<WriterOptions>): Writer;
  /** Runs SQL in the fixture's reading DuckDB (TimeZone UTC). */
  query(sql: string): Promise<Record<string, unknown>[]>;
  /** Value of a metric (sum over its label sets). */
  metric(name: string): Promise<number>;
  cleanup(): Promise<void>;
}

export const FIXTURE_NOW = Date.parse('2026-11-27T12:30:00.000Z');

export async function writerFixture(overrides: Partial<WriterOptions> = {}): Promise<WriterFixture> {
  const root = await mkdtemp(join(tmpdir(), 'clk-writer-'));
  const lakeDir = join(root, 'lake');
  const tmpDir = join(root, 'tmp', 'writer');
  const clock = { now: FIXTURE_NOW };
  const buffer = new MemoryBuffer(() => clock.now);
  const store = createLocalStore(lakeDir);
  const registry = new Registry();
  const logger = memoryLogger();
  const writers: Writer[] = [];
  const make = (o: Partial<WriterOptions>, reg: Registry): Writer => {
    const w = createWriter({
      buffer,
      store,
      tmpDir,
      logger,
      registry: reg,
      clock: () => clock.now,
      intervalMs: 60_000,
      maxEvents: 10_000,
      batchMaxBytes: 64 * 1024 * 1024,
      compactMinFiles: 3,
      compactTargetBytes: 64 * 1024 * 1024,
      deleteGraceMs: 60_000,
      duckdbMemoryLimit: '512MB',
      duckdbThreads: 2,
      ...o,
    });
    writers.push(w);
    return w;
  };
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const conn = await instance.connect();
  await conn.run(`SET TimeZone = 'UTC'`);
  return {
    root,
    lakeDir,
    tmpDir,
    store,
    buffer,
    registry,
    logs: logger.entries,
    clock,
    writer: make(overrides, registry),
    newWriter: (o = {}) => make({ ...overrides, ...o }, new Registry()),
    query: async (sql) => (await conn.runAndReadAll(sql)).getRowObjectsJson(),
    metric: async (name) => {
      const m = registry.getSingleMetric(name);
      if (m === undefined) throw new Error(`metric ${name} is not registered`);
      return (await m.get()).values.reduce((n, v) => n + v.value, 0);
    },
    async cleanup() {
      for (const w of writers) await w.stop({ flush: false });
      conn.closeSync();
      instance.closeSync();
      await rm(root, { recursive: true, force: true });
    },
  };
}
