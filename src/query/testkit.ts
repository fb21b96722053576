import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LakeFile, LakeSnapshot, LakeSnapshotSource } from '../core/lake.js';
import type { BufferCheckpoint, Logger, TailCursor, TailRead } from '../core/ports.js';
import { LAKE_COLUMNS, partitionOf, NO_ENRICHMENT, type LakeRow } from '../core/schema.js';

/** Test helpers for src/query: a temp lake with real Parquet files, a fake snapshot source and a fake tail. */

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};

export function lakeRow(overrides: Partial<LakeRow> = {}): LakeRow {
  const base: LakeRow = {
    ...NO_ENRICHMENT,
    event_id: 'e-0',
    event_type: 'page_view',
    event_name: null,
    ts: '2026-11-27T09:15:00.000Z',
    client_ts: null,
    received_at: '2026-11-27T09:15:00.500Z',
    site_id: 'default',
    anonymous_id: 'anon-1',
    user_id: null,
    session_id: 's-1',
    seq: 1,
    page_url: 'https://shop.example/a',
    page_host: 'shop.example',
    page_path: '/a',
    page_title: 'A',
    referrer: null,
    element_tag: null,
    element_id: null,
    element_classes: null,
    element_text: null,
    element_selector: null,
    element_href: null,
    x: null,
    y: null,
    scroll_depth: null,
    viewport_w: 1280,
    viewport_h: 720,
    screen_w: null,
    screen_h: null,
    language: 'en',
    timezone: 'UTC',
    user_agent: 'test',
    properties: '{}',
  };
  return { ...base, ...overrides };
}

/**
 * The buffer as the query engine sees it. Records get seq 1, 2, ...; a checkpoint or cursor is `{ seq: N }`
 * ("everything up to N"). `trim(n)` deletes records <= n, as a commit does. `beforeRead` runs inside
 * readUncommitted, before the records are collected (to simulate a writer commit racing the read).
 */
export class FakeTail {
  private records: { seq: number; payload: string }[] = [];
  private lastSeq = 0;
  reads = 0;
  beforeRead: (() => Promise<void>) | null = null;

  append(...rows: LakeRow[]): void {
    for (const row of rows) this.records.push({ seq: ++this.lastSeq, payload: JSON.stringify(row) });
  }

  appendRaw(payload: string): void {
    this.records.push({ seq: ++this.lastSeq, payload });
  }

  /** Rows of records (lastCovered, upTo], for writing them to the lake. */
  rowsUpTo(after: number, upTo: number): LakeRow[] {
    return this.records.filter((r) => r.seq > after && r.seq <= upTo).map((r) => JSON.parse(r.payload) as LakeRow);
  }

  get last(): number {
    return this.lastSeq;
  }

  trim(upTo: number): void {
    this.records = this.records.filter((r) => r.seq > upTo);
  }

  async readUncommitted(after: BufferCheckpoint | null, cursor: TailCursor | null): Promise<TailRead> {
    this.reads++;
    const hook = this.beforeRead;
    this.beforeRead = null;
    if (hook) await hook();
    const from = Math.max(after?.seq ?? 0, cursor?.seq ?? 0);
    const fresh = this.records.filter((r) => r.seq > from);
    const end = fresh.length > 0 ? fresh[fresh.length - 1].seq : from;
    return { payloads: fresh.map((r) => r.payload), cursor: { seq: end } };
  }
}

export class FakeSnapshots implements LakeSnapshotSource {
  snapshot: LakeSnapshot = { generation: 0, checkpoint: null, files: [] };
  calls = 0;
  /** Runs at every call, with the call's number (1-based), before the snapshot is returned. */
  onCall: ((n: number) => void) | null = null;

  async current(): Promise<LakeSnapshot> {
    this.calls++;
    this.onCall?.(this.calls);
    return this.snapshot;
  }
}

/** A temp lake directory (inside a temp parent, so tests can put files next to it) and a Parquet writer. */
export class TestLake {
  private fileNo = 0;

  private constructor(
    readonly root: string,
    readonly lakeDir: string,
    private readonly writer: DuckDBInstance,
  ) {}

  static async create(): Promise<TestLake> {
    const root = await mkdtemp(join(tmpdir(), 'clicklake-query-'));
    const lakeDir = join(root, 'lake');
    await mkdir(lakeDir);
    return new TestLake(root, lakeDir, await DuckDBInstance.create(':memory:'));
  }

  /** Writes rows (all of one hour) as a hive-partitioned Parquet file without dt/hour inside; returns its path. */
  async writeFile(rows: readonly LakeRow[], schema = 1, exclude: readonly string[] = []): Promise<LakeFile> {
    const partition = partitionOf(rows[0].ts);
    const dir = join(this.lakeDir, 'events', partition);
    await mkdir(dir, { recursive: true });
    const path = join(dir, `part-${String(++this.fileNo).padStart(4, '0')}.parquet`);
    await this.writeParquet(path, rows, exclude);
    return { path, schema };
  }

  /** Writes rows to any path (no sandbox here). */
  async writeParquet(path: string, rows: readonly LakeRow[], exclude: readonly string[] = []): Promise<void> {
    const structure = JSON.stringify(Object.fromEntries(LAKE_COLUMNS.map((c) => [c.name, c.type])));
    const conn = await this.writer.connect();
    try {
      const json = JSON.stringify(rows).replaceAll("'", "''");
      await conn.run(
        `COPY (SELECT * EXCLUDE (${['_none', ...exclude].join(', ')}) FROM (SELECT NULL AS _none, ` +
          `unnest(from_json('${json}', '[${structure}]'), recursive := true))) ` +
          `TO '${path.replaceAll("'", "''")}' (FORMAT parquet, COMPRESSION zstd)`,
      );
    } finally {
      conn.closeSync();
    }
  }

  async cleanup(): Promise<void> {
    this.writer.closeSync();
    await rm(this.root, { recursive: true, force: true });
  }
}

/**
 * What the writer does at a commit: writes tail records (covered, upTo] to a new file, publishes a new generation
 * that lists it with checkpoint upTo, then trims the buffer.
 */
export async function commitToLake(
  lake: TestLake,
  tail: FakeTail,
  snapshots: FakeSnapshots,
  upTo: number,
): Promise<void> {
  const prev = snapshots.snapshot;
  const covered = prev.checkpoint?.seq ?? 0;
  const rows = tail.rowsUpTo(covered, upTo);
  const files = [...prev.files];
  const byPartition = new Map<string, LakeRow[]>();
  for (const row of rows) byPartition.set(partitionOf(row.ts), [...(byPartition.get(partitionOf(row.ts)) ?? []), row]);
  for (const group of byPartition.values()) files.push(await lake.writeFile(group));
  snapshots.snapshot = { generation: prev.generation + 1, checkpoint: { seq: upTo }, files };
  tail.trim(upTo);
}
