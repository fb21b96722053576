import { after, before } from 'node:test';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { requireComponent } from '../../../test/helpers/components.js';
import { type LocalServer, s3ProxyAvailable, startS3Proxy, TEST_CREDENTIALS, TEST_REGION } from '../../../test/helpers/aws-servers.js';
import { storeContract } from '../contract.js';
import { createS3Store } from './s3.js';

/** The S3 store passes the ObjectStore contract against a real S3 server (S3Proxy, in-memory backend). */
let server: LocalServer | null = null;
let client: S3Client | null = null;
let buckets = 0;

before(async () => {
  if (!s3ProxyAvailable()) return;
  server = await startS3Proxy();
  client = new S3Client({ endpoint: server.endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true,
    // S3Proxy does not implement the SDK's default flexible (trailing) checksums; AWS S3 does.
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
});
after(async () => {
  client?.destroy();
  await server?.stop();
});

test('S3Proxy is available for the S3 store tests', (t) => {
  if (!requireComponent(t, server !== null, 'S3Proxy (.ci/aws-services.sh)')) return;
  assert.ok(server!.endpoint.startsWith('http://127.0.0.1:'));
});

if (s3ProxyAvailable()) {
  for (const prefix of ['', 'lake/']) {
    storeContract(`s3${prefix ? ` (prefix ${prefix})` : ''}`, async () => {
      const bucket = `clk-store-${process.pid}-${++buckets}`;
      await client!.send(new CreateBucketCommand({ Bucket: bucket }));
      return { store: createS3Store({ client: client!, bucket, prefix }), cleanup: async () => {} };
    });
  }
}

test('s3: localPath is null and a prefix must end with /', () => {
  const c = new S3Client({ region: TEST_REGION, credentials: TEST_CREDENTIALS });
  assert.equal(createS3Store({ client: c, bucket: 'b' }).localPath('events/x.parquet'), null);
  assert.throws(() => createS3Store({ client: c, bucket: 'b', prefix: 'lake' }), /must end with/);
  c.destroy();
});
