import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { MANIFEST_KEY } from '../../../src/core/lake.js';
import { requireComponent } from '../../../test/helpers/components.js';
import {
  dynamoAvailable,
  type LocalServer,
  s3ProxyAvailable,
  startDynamo,
  startS3Proxy,
  TEST_CREDENTIALS,
  TEST_REGION,
} from '../../../test/helpers/aws-servers.js';
import { bundleLambdas, type LambdaAssets } from '../lib/bundle.js';
import { createDynamoSink } from '../runtime/dynamo-sink.js';
import { collectEvent, createBucket, createTable, dynamoClients, REPO_ROOT, s3Client, scanAll } from './fixtures.js';

/**
 * The bundles that are deployed (esbuild output + DuckDB's native package), loaded in a fresh Node.js process the way
 * Lambda loads them (`index.mjs`, env from the stack), against the local DynamoDB and S3 servers: proves the bundles
 * run, not only the sources.
 */
function invoke(bundle: string, event: unknown, env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(join(bundle, 'index.mjs')).href)});
const r = await m.handler(${JSON.stringify(event)}, { getRemainingTimeInMillis: () => 600000 });
process.stdout.write('RESULT ' + JSON.stringify(r));`;
  return new Promise((resolve) => {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) base[k] = v;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      env: {
        ...base,
        AWS_REGION: TEST_REGION,
        AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
        AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
        AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b) => (out += b));
    child.stderr.on('data', (b) => (err += b));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

const result = (out: string) => JSON.parse(out.slice(out.indexOf('RESULT ') + 7));

describe('Lambda bundles (as deployed) against DynamoDB (moto) and S3 (S3Proxy)', () => {
  let dir: string;
  let assets: LambdaAssets;
  let dynamo: LocalServer | null = null;
  let s3server: LocalServer | null = null;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'clk-bundle-'));
    if (!dynamoAvailable() || !s3ProxyAvailable()) return;
    [assets, dynamo, s3server] = await Promise.all([bundleLambdas(REPO_ROOT, join(dir, 'lambda')), startDynamo(), startS3Proxy()]);
  });
  after(async () => {
    await Promise.all([dynamo?.stop(), s3server?.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('collect stores a POST /collect batch; process turns a closed slice into Parquet and empties it', async (t) => {
    if (!requireComponent(t, dynamo !== null && s3server !== null, 'moto DynamoDB server and S3Proxy (.ci/aws-services.sh)')) return;
    const { client, doc } = dynamoClients(dynamo!.endpoint);
    const s3 = s3Client(s3server!.endpoint);
    try {
      const table = await createTable(client);
      const bucket = await createBucket(s3);
      const common = { CLICKLAKE_TABLE: table, CLICKLAKE_SLICE_SECONDS: '60', CLICKLAKE_SHARDS: '4', AWS_ENDPOINT_URL_DYNAMODB: dynamo!.endpoint };

      const events = Array.from({ length: 12 }, (_, i) => ({ event_id: crypto.randomUUID(), type: 'click', site_id: 'shop', url: `https://shop.example/p/${i}` }));
      const collected = await invoke(assets.collect, collectEvent(JSON.stringify(events)), {
        ...common,
        CLICKLAKE_TTL_DAYS: '7',
        CLICKLAKE_COLLECTOR_CONFIG: JSON.stringify({ sites: { shop: { allowedOrigins: ['https://shop.example'] } } }),
      });
      assert.equal(collected.code, 0, collected.err);
      const answer = result(collected.out);
      assert.equal(answer.statusCode, 200, answer.body);
      assert.deepEqual(JSON.parse(answer.body), { accepted: 12, rejected: [] });
      assert.equal((await scanAll(doc, table)).length, 12);

      // Rows received 10 minutes ago (a closed slice), written with the same sink code, for the process bundle.
      const past = Date.now() - 10 * 60_000;
      const sink = createDynamoSink({ doc, table, slices: { sliceMs: 60_000, shards: 4 }, ttlDays: 7 });
      const items = await scanAll(doc, table);
      await sink.append(items.map((i) => String(i.row).replace(/"received_at":"[^"]+"/, `"received_at":"${new Date(past).toISOString()}"`)), past);
      const processed = await invoke(assets.process, {}, {
        ...common,
        CLICKLAKE_BUCKET: bucket,
        CLICKLAKE_MARGIN_SECONDS: '0',
        CLICKLAKE_MAX_SLICES: '100',
        CLICKLAKE_LOOKBACK_SLICES: '30',
        AWS_ENDPOINT_URL_S3: s3server!.endpoint,
      });
      assert.equal(processed.code, 0, processed.err);
      const run = result(processed.out);
      assert.equal(run.events, 12);
      const keys = ((await s3.send(new ListObjectsV2Command({ Bucket: bucket }))).Contents ?? []).map((o) => o.Key);
      assert.ok(keys.includes(MANIFEST_KEY), keys.join());
      assert.equal(keys.filter((k) => k!.endsWith('.parquet') && k!.startsWith('events/dt=')).length >= 1, true, keys.join());
      // The closed slice is gone. The collect slice is still open, unless the minute turned meanwhile: then it was
      // processed too, and its 12 events were dropped as duplicates of the lake's.
      const left = (await scanAll(doc, table)).length;
      assert.ok(run.deleted === 12 || run.deleted === 24, `deleted ${run.deleted}`);
      assert.equal(left + run.deleted, 24);
    } finally {
      client.destroy();
      s3.destroy();
    }
  });
});
