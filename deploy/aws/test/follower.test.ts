import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { parseConfig } from '../../../src/core/config.js';
import { MANIFEST_KEY, parseManifest, type Manifest } from '../../../src/core/lake.js';
import type { Logger } from '../../../src/core/ports.js';
import { createS3Store } from '../../../src/store/s3/index.js';
import { startClicklake, type RunningClicklake } from '../../../src/server/index.js';
import { requireComponent } from '../../../test/helpers/components.js';
import { dynamoAvailable, type LocalServer, s3ProxyAvailable, startDynamo, startS3Proxy } from '../../../test/helpers/aws-servers.js';
import { configSchema } from '../../../src/core/config.js';
import { createCollectHandler } from '../runtime/collect.js';
import { createDynamoSink } from '../runtime/dynamo-sink.js';
import { processClosedSlices } from '../runtime/processor.js';
import { collectEvent, createBucket, createTable, dynamoClients, s3Client } from './fixtures.js';

/**
 * The server on Fargate: a read-only lake follower (lake.store "s3") over the lake that the real `collect` and
 * `process` handlers write to S3 (S3Proxy) through DynamoDB (moto). Started in-process; asserts /api/query returns
 * exactly the processed rows, a later `process` run shows up at the next sync, a compaction-style replacement of
 * files shows no duplicates, and POST /collect is refused with CLK_ERR_COLLECT_DISABLED.
 */
const SLICE_MS = 300_000;
const SHARDS = 2;
const TOKEN = 'follower-test-token-0123456789';
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
const defaults = configSchema.parse({});

function events(n: number, ts: number) {
  return Array.from({ length: n }, (_, i) => ({
    event_id: crypto.randomUUID(),
    type: i % 2 === 0 ? 'page_view' : 'click',
    ts: ts + i * 1000,
    site_id: 'shop',
    anonymous_id: `anon-${i % 3}`,
    session_id: `sess-${i % 3}`,
    url: `https://shop.example/p/${i % 4}`,
  }));
}

describe('lake follower server over the S3 lake written by collect + process', () => {
  let dynamo: LocalServer | null = null;
  let s3server: LocalServer | null = null;
  let tmp: string;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'clk-follower-e2e-'));
    if (!dynamoAvailable() || !s3ProxyAvailable()) return;
    [dynamo, s3server] = await Promise.all([startDynamo(), startS3Proxy()]);
  });
  after(async () => {
    await Promise.all([dynamo?.stop(), s3server?.stop()]);
    await rm(tmp, { recursive: true, force: true });
  });

  it('serves /api/query, /api/stats and /healthz over the S3 lake, follows new commits and compaction, refuses /collect', async (t) => {
    if (!requireComponent(t, dynamo !== null && s3server !== null, 'moto DynamoDB server and S3Proxy (.ci/aws-services.sh)')) return;
    const clients = dynamoClients(dynamo!.endpoint);
    const s3 = s3Client(s3server!.endpoint);
    let app: RunningClicklake | null = null;
    try {
      const table = await createTable(clients.client);
      const bucket = await createBucket(s3);
      const store = createS3Store({ client: s3, bucket });
      const sink = createDynamoSink({ doc: clients.doc, table, slices: { sliceMs: SLICE_MS, shards: SHARDS }, ttlDays: 7 });
      const collect = async (at: number, batch: Record<string, unknown>[]) => {
        const handler = createCollectHandler({ sink, collector: defaults.collector, sites: {}, clock: () => at });
        const res = await handler(collectEvent(JSON.stringify(batch)));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal((JSON.parse(res.body ?? '{}') as { accepted: number }).accepted, batch.length, res.body);
      };
      const processAt = (now: number) =>
        processClosedSlices({
          doc: clients.doc,
          table,
          store,
          slices: { sliceMs: SLICE_MS, shards: SHARDS, marginMs: 120_000 },
          tmpDir: join(tmp, 'process'),
          clock: () => now,
          logger: quiet,
          maxSlicesPerRun: 100,
          lookbackSlices: 12,
        });

      // The lake: 30 events of slice 09:55 (hour 09), processed.
      const first = events(30, Date.parse('2026-11-27T09:56:00Z'));
      await collect(Date.parse('2026-11-27T09:58:00Z'), first);
      assert.equal((await processAt(Date.parse('2026-11-27T10:04:00Z'))).events, 30);

      const config = parseConfig({
        port: 0,
        dataDir: join(tmp, 'data'),
        adminToken: TOKEN,
        log: { level: 'silent' },
        lake: { store: 's3', s3: { bucket, endpoint: s3server!.endpoint, region: 'us-east-1' }, syncIntervalMs: 1000 },
      });
      app = await startClicklake(config, { logger: quiet, s3Client: s3 });
      const auth = { authorization: `Bearer ${TOKEN}` };
      const ids = async (): Promise<string[]> => {
        const res = await app!.http.inject({ method: 'POST', url: '/api/query', headers: auth, payload: { sql: 'SELECT event_id FROM events ORDER BY event_id' } });
        assert.equal(res.statusCode, 200, res.body);
        return (res.json() as { rows: { event_id: string }[] }).rows.map((r) => r.event_id);
      };
      const waitFor = async (want: number) => {
        const deadline = Date.now() + 20_000;
        let got = await ids();
        while (got.length !== want && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 200));
          got = await ids();
        }
        return got;
      };
      assert.deepEqual(await ids(), first.map((e) => e.event_id).sort());

      // The same rows through the dashboard API and the typed columns of the lake.
      const overview = await app.http.inject({ method: 'GET', url: '/api/stats/overview?site=shop&from=2026-11-27&to=2026-11-27', headers: auth });
      assert.equal(overview.statusCode, 200, overview.body);
      assert.equal((overview.json() as { data: { current: { page_views: number } } }).data.current.page_views, 15);
      const typed = await app.http.inject({
        method: 'POST', url: '/api/query', headers: auth,
        payload: { sql: "SELECT count(*)::INTEGER AS n, min(ts)::VARCHAR AS first, any_value(dt)::VARCHAR AS dt, any_value(hour) AS hour FROM events WHERE site_id = 'shop'" },
      });
      assert.deepEqual((typed.json() as { rows: unknown[] }).rows, [{ n: 30, first: '2026-11-27 09:56:00+00', dt: '2026-11-27', hour: 9 }]);

      // Not a collector: the documented refusal, nothing stored.
      const post = await app.http.inject({ method: 'POST', url: '/collect', headers: { 'content-type': 'text/plain' }, payload: JSON.stringify(events(1, Date.now())) });
      assert.equal(post.statusCode, 404);
      assert.equal((post.json() as { error: { code: string } }).error.code, 'CLK_ERR_COLLECT_DISABLED');
      const health = await app.http.inject({ method: 'GET', url: '/healthz' });
      const h = health.json() as { status: string; mode: string; lake: { events: { synced: boolean; generation: number; files: number } } };
      assert.equal(h.status, 'ok');
      assert.equal(h.mode, 'lake-follower');
      assert.deepEqual([h.lake.events.synced, h.lake.events.files], [true, 1]);

      // More events, another process run (slice 10:00, some rows in hour 09 again): the next sync shows them.
      const second = [...events(10, Date.parse('2026-11-27T09:59:30Z')), ...events(12, Date.parse('2026-11-27T10:01:00Z'))];
      await collect(Date.parse('2026-11-27T10:02:00Z'), second);
      assert.equal((await processAt(Date.parse('2026-11-27T10:08:00Z'))).events, 22);
      const all = [...first, ...second].map((e) => e.event_id).sort();
      assert.deepEqual(await waitFor(52), all);

      // Compaction-style replacement: hour 09's two files become one; the manifest names only the new one.
      const manifest = parseManifest((await store.getBytes(MANIFEST_KEY))!);
      const hour9 = manifest.files.filter((f) => f.partition === 'dt=2026-11-27/hour=09');
      assert.equal(hour9.length, 2);
      const merged = await mergeParquet(tmp, await Promise.all(hour9.map(async (f) => (await store.getBytes(f.key))!)));
      const key = 'events/dt=2026-11-27/hour=09/part-compacted-1.parquet';
      await store.putBytes(key, merged);
      const next: Manifest = {
        ...manifest,
        generation: manifest.generation + 1,
        files: [...manifest.files.filter((f) => !hour9.includes(f)), { key, partition: 'dt=2026-11-27/hour=09', rows: 40, bytes: merged.byteLength, schema: hour9[0]!.schema!, compacted: true }],
        updatedAt: new Date().toISOString(),
      };
      await store.putBytes(MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(next)));
      const deadline = Date.now() + 20_000;
      let files = 0;
      while (Date.now() < deadline) {
        const hz = (await app.http.inject({ method: 'GET', url: '/healthz' })).json() as typeof h;
        files = hz.lake.events.files;
        if (hz.lake.events.generation === next.generation) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(files, 2, 'the follower moved to the compacted manifest');
      assert.deepEqual(await ids(), all, 'every row exactly once after the replacement');
    } finally {
      await app?.stop();
      clients.client.destroy();
      s3.destroy();
    }
  });

  it('refuses to start in s3 mode without a bucket (config), with the key path', () => {
    assert.throws(() => parseConfig({ lake: { store: 's3' } }), /lake\.s3\.bucket: required when lake\.store is "s3"/);
    assert.throws(() => parseConfig({ lake: { store: 's3', s3: { bucket: 'b-1', prefix: 'lake' } } }), /lake\.s3\.prefix/);
    assert.throws(() => parseConfig({ lake: { syncIntervalMs: 10 } }), /lake\.syncIntervalMs/);
    assert.equal(parseConfig({}).lake.store, 'local');
  });
});

/** One Parquet file holding every row of `parts` (the lake's columns, no partition columns), as compaction writes. */
async function mergeParquet(tmp: string, parts: Uint8Array[]): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmp, 'merge-'));
  const paths: string[] = [];
  for (const [i, p] of parts.entries()) {
    paths.push(join(dir, `${i}.parquet`));
    await writeFile(paths[i]!, p);
  }
  const out = join(dir, 'out.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  await conn.run(
    `COPY (SELECT * FROM read_parquet([${paths.map((p) => `'${p}'`).join(', ')}], hive_partitioning = false)) TO '${out}' (FORMAT parquet, COMPRESSION zstd)`,
  );
  conn.closeSync();
  db.closeSync();
  const { readFile } = await import('node:fs/promises');
  return new Uint8Array(await readFile(out));
}
