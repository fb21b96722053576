import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { configSchema } from '../../../src/core/config.js';
import { MANIFEST_KEY, parseManifest } from '../../../src/core/lake.js';
import type { Logger, ObjectStore } from '../../../src/core/ports.js';
import { LAKE_COLUMNS } from '../../../src/core/schema.js';
import { createS3Store } from '../../../src/store/s3/index.js';
import { hasPyarrow, requireComponent } from '../../../test/helpers/components.js';
import {
  dynamoAvailable,
  type LocalServer,
  s3ProxyAvailable,
  startDynamo,
  startS3Proxy,
} from '../../../test/helpers/aws-servers.js';
import { collectEvent, createBucket, createTable, dynamoClients, s3Client, scanAll } from '../test/fixtures.js';
import { createCollectHandler } from './collect.js';
import { createDynamoSink } from './dynamo-sink.js';
import { processClosedSlices, type ProcessorOptions } from './processor.js';
import { sliceLabel, sliceOf } from './slices.js';

/**
 * The `process` handler's work against a local DynamoDB (moto) and a real S3 server (S3Proxy): events collected by
 * the collect handler end up as ZSTD Parquet under deterministic keys, with the embedded lake's schema; re-runs and
 * crashes between the steps neither lose nor duplicate events.
 */
const SLICE_MS = 300_000;
const SHARDS = 4;
const T0 = Date.parse('2026-11-27T09:58:00.000Z'); // slice 09:55
const T1 = Date.parse('2026-11-27T10:01:00.000Z'); // slice 10:00
const defaults = configSchema.parse({});
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };

describe('process handler against DynamoDB (moto) and S3 (S3Proxy)', () => {
  let dynamo: LocalServer | null = null;
  let s3server: LocalServer | null = null;
  let clients: ReturnType<typeof dynamoClients>;
  let s3: ReturnType<typeof s3Client>;
  let tmp: string;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'clk-process-'));
    if (!dynamoAvailable() || !s3ProxyAvailable()) return;
    [dynamo, s3server] = await Promise.all([startDynamo(), startS3Proxy()]);
    clients = dynamoClients(dynamo.endpoint);
    s3 = s3Client(s3server.endpoint);
  });
  after(async () => {
    clients?.client.destroy();
    s3?.destroy();
    await Promise.all([dynamo?.stop(), s3server?.stop()]);
    await rm(tmp, { recursive: true, force: true });
  });

  const available = (t: Parameters<typeof requireComponent>[0]) =>
    requireComponent(t, dynamo !== null && s3server !== null, 'moto DynamoDB server and S3Proxy (.ci/aws-services.sh)');

  /** A table and a bucket with events collected at `times` (epoch ms -> events). */
  async function world(batches: [number, Record<string, unknown>[]][]) {
    const table = await createTable(clients.client);
    const bucket = await createBucket(s3);
    const store = createS3Store({ client: s3, bucket });
    const sink = createDynamoSink({ doc: clients.doc, table, slices: { sliceMs: SLICE_MS, shards: SHARDS }, ttlDays: 7 });
    for (const [at, events] of batches) {
      const handler = createCollectHandler({ sink, collector: defaults.collector, sites: {}, clock: () => at });
      const res = await handler(collectEvent(JSON.stringify(events)));
      assert.equal(res.statusCode, 200, res.body);
    }
    const options = (now: number, extra: Partial<ProcessorOptions> = {}): ProcessorOptions => ({
      doc: clients.doc,
      table,
      store,
      slices: { sliceMs: SLICE_MS, shards: SHARDS, marginMs: 120_000 },
      tmpDir: join(tmp, `${table}-run`),
      clock: () => now,
      logger: quiet,
      maxSlicesPerRun: 100,
      lookbackSlices: 12,
      ...extra,
    });
    return { table, bucket, store, options };
  }

  function events(n: number, ts: number, extra: Record<string, unknown> = {}) {
    return Array.from({ length: n }, (_, i) => ({
      event_id: crypto.randomUUID(),
      type: i % 3 === 0 ? 'page_view' : 'click',
      ts: ts + i,
      site_id: 'shop',
      anonymous_id: `anon-${i % 5}`,
      url: `https://shop.example/p/${i % 4}`,
      element: { tag: 'BUTTON', text: 'Buy', x: i, y: 2 },
      props: { n: i },
      ...extra,
    }));
  }

  /** Every lake row (event_id, ts, partition key) read back with DuckDB from the objects in S3. */
  async function lakeRows(store: ObjectStore) {
    const objects = (await store.list('events/')).filter((o) => o.key.endsWith('.parquet'));
    const dir = await mkdtemp(join(tmp, 'read-'));
    const paths: string[] = [];
    for (const [i, o] of objects.entries()) {
      const p = join(dir, `${i}.parquet`);
      await writeFile(p, (await store.getBytes(o.key))!);
      paths.push(p);
    }
    if (paths.length === 0) return { keys: [], rows: [] as Record<string, unknown>[], paths, dir };
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    const list = paths.map((p) => `'${p}'`).join(', ');
    const rows = (await conn.runAndReadAll(`SELECT event_id, ts::VARCHAR AS ts FROM read_parquet([${list}])`)).getRowObjectsJson();
    conn.closeSync();
    db.closeSync();
    return { keys: objects.map((o) => o.key), rows, paths, dir };
  }

  it('writes closed slices to deterministic keys with every row, records the checkpoint, then deletes the items', async (t) => {
    if (!available(t)) return;
    const a = events(40, Date.parse('2026-11-27T09:58:00.000Z'));
    const b = events(25, Date.parse('2026-11-27T10:01:00.000Z'));
    const w = await world([[T0, a], [T1, b]]);
    // At 10:04 only the 09:55 slice is closed (10:00 + 2 min margin): it alone is processed.
    const first = await processClosedSlices(w.options(Date.parse('2026-11-27T10:04:00.000Z')));
    assert.equal(first.events, 40);
    const s0 = sliceOf(T0, SLICE_MS);
    assert.equal(first.checkpoint, s0);
    let lake = await lakeRows(w.store);
    assert.deepEqual(lake.keys, [`events/dt=2026-11-27/hour=09/part-${sliceLabel(s0, SLICE_MS)}.parquet`]);
    assert.equal(lake.rows.length, 40);
    assert.deepEqual(new Set(lake.rows.map((r) => r.event_id)), new Set(a.map((e) => e.event_id)));
    assert.equal((await scanAll(clients.doc, w.table)).length, 25, 'only the processed slice was deleted');

    const second = await processClosedSlices(w.options(Date.parse('2026-11-27T10:08:00.000Z')));
    assert.equal(second.events, 25);
    lake = await lakeRows(w.store);
    assert.deepEqual(lake.keys, [
      'events/dt=2026-11-27/hour=09/part-20261127T0955.parquet',
      'events/dt=2026-11-27/hour=10/part-20261127T1000.parquet',
    ]);
    assert.equal(lake.rows.length, 65);
    assert.equal((await scanAll(clients.doc, w.table)).length, 0);
    const manifest = parseManifest((await w.store.getBytes(MANIFEST_KEY))!);
    assert.deepEqual(manifest.checkpoint, { slice: sliceOf(T1, SLICE_MS) });
    assert.deepEqual(manifest.files.map((f) => [f.key, f.rows]), [
      ['events/dt=2026-11-27/hour=09/part-20261127T0955.parquet', 40],
      ['events/dt=2026-11-27/hour=10/part-20261127T1000.parquet', 25],
    ]);

    // A third run has nothing to do and changes nothing.
    const third = await processClosedSlices(w.options(Date.parse('2026-11-27T10:08:30.000Z')));
    assert.equal(third.events, 0);
    assert.deepEqual((await lakeRows(w.store)).rows.length, 65);
  });

  it('routes rows of one slice to the hour of their ts (client time), one file per hour', async (t) => {
    if (!available(t)) return;
    const late = events(3, Date.parse('2026-11-27T08:30:00.000Z'));
    const now = events(4, Date.parse('2026-11-27T09:57:00.000Z'));
    const w = await world([[T0, [...late, ...now]]]);
    await processClosedSlices(w.options(Date.parse('2026-11-27T10:04:00.000Z')));
    const lake = await lakeRows(w.store);
    assert.deepEqual(lake.keys, [
      'events/dt=2026-11-27/hour=08/part-20261127T0955.parquet',
      'events/dt=2026-11-27/hour=09/part-20261127T0955.parquet',
    ]);
    assert.equal(lake.rows.length, 7);
  });

  it('a crash between the S3 write and the commit leaves no duplicate after the next run', async (t) => {
    if (!available(t)) return;
    const a = events(30, Date.parse('2026-11-27T09:58:00.000Z'));
    const w = await world([[T0, a]]);
    const at = Date.parse('2026-11-27T10:04:00.000Z');
    await assert.rejects(
      processClosedSlices(w.options(at, { fault: (step) => { if (step === 'after-put') throw new Error('crash'); } })),
      /crash/,
    );
    assert.equal((await w.store.getBytes(MANIFEST_KEY)), null, 'nothing committed');
    assert.equal((await lakeRows(w.store)).rows.length, 30, 'the file was put before the crash');
    assert.equal((await scanAll(clients.doc, w.table)).length, 30, 'items kept');
    const again = await processClosedSlices(w.options(at));
    assert.equal(again.events, 30);
    const lake = await lakeRows(w.store);
    assert.equal(lake.keys.length, 1, 'the same key was overwritten');
    assert.equal(lake.rows.length, 30);
    assert.equal(new Set(lake.rows.map((r) => r.event_id)).size, 30);
    assert.equal((await scanAll(clients.doc, w.table)).length, 0);
  });

  it('a crash between the commit and the DynamoDB delete leaves no duplicate: the next run only deletes', async (t) => {
    if (!available(t)) return;
    const a = events(20, Date.parse('2026-11-27T09:58:00.000Z'));
    const w = await world([[T0, a]]);
    const at = Date.parse('2026-11-27T10:04:00.000Z');
    await assert.rejects(
      processClosedSlices(w.options(at, { fault: (step) => { if (step === 'after-commit') throw new Error('crash'); } })),
      /crash/,
    );
    assert.equal((await scanAll(clients.doc, w.table)).length, 20, 'items still there');
    const generation = parseManifest((await w.store.getBytes(MANIFEST_KEY))!).generation;
    const again = await processClosedSlices(w.options(at));
    assert.equal(again.events, 0, 'not converted again');
    assert.equal(again.deleted, 20);
    assert.equal((await scanAll(clients.doc, w.table)).length, 0);
    assert.equal(parseManifest((await w.store.getBytes(MANIFEST_KEY))!).generation, generation);
    assert.equal((await lakeRows(w.store)).rows.length, 20);
  });

  it('drops an event resent in a later slice (id already in the lake hour)', async (t) => {
    if (!available(t)) return;
    const a = events(10, Date.parse('2026-11-27T09:58:00.000Z'));
    const w = await world([[T0, a], [Date.parse('2026-11-27T10:00:30.000Z'), [a[0]!, a[1]!]]]);
    const out = await processClosedSlices(w.options(Date.parse('2026-11-27T10:08:00.000Z')));
    assert.equal(out.events, 10);
    assert.equal(out.duplicates, 2);
    const lake = await lakeRows(w.store);
    assert.equal(lake.rows.length, 10);
    assert.equal(new Set(lake.rows.map((r) => r.event_id)).size, 10);
  });

  it('the files have the embedded lake schema (names and types, in order) and ZSTD compression', async (t) => {
    if (!available(t)) return;
    const w = await world([[T0, events(5, Date.parse('2026-11-27T09:58:00.000Z'))]]);
    await processClosedSlices(w.options(Date.parse('2026-11-27T10:04:00.000Z')));
    const lake = await lakeRows(w.store);
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    await conn.run(`SET TimeZone = 'UTC'`);
    const schema = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${lake.paths[0]}')`)).getRowObjectsJson();
    const expectedType = (t: string) => (t === 'TIMESTAMPTZ' ? 'TIMESTAMP WITH TIME ZONE' : t);
    assert.deepEqual(schema.map((c) => [c.column_name, c.column_type]), LAKE_COLUMNS.map((c) => [c.name, expectedType(c.type)]));
    const codecs = (await conn.runAndReadAll(`SELECT DISTINCT compression FROM parquet_metadata('${lake.paths[0]}')`)).getRowObjectsJson();
    assert.deepEqual(codecs.map((c) => c.compression), ['ZSTD']);
    const [row] = (await conn.runAndReadAll(`SELECT element_tag, x, properties, page_path FROM read_parquet('${lake.paths[0]}') WHERE x = 2`)).getRowObjectsJson();
    assert.deepEqual(row, { element_tag: 'button', x: 2, properties: '{"n":2}', page_path: '/p/2' });
    conn.closeSync();
    db.closeSync();
    if (requireComponent(t, hasPyarrow(), 'pyarrow')) {
      const py = spawnSync('python3', ['-c', 'import sys, pyarrow.parquet as pq; print(",".join(pq.read_schema(sys.argv[1]).names))', lake.paths[0]!], { encoding: 'utf8' });
      assert.equal(py.status, 0, py.stderr);
      assert.equal(py.stdout.trim(), LAKE_COLUMNS.map((c) => c.name).join(','));
    }
  });
});
