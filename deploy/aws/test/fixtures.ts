import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { TEST_CREDENTIALS, TEST_REGION } from '../../../test/helpers/aws-servers.js';

/** Shared setup of the deploy/aws tests: clients for the local servers, a table like the stack's, API GW events. */
const here = dirname(fileURLToPath(import.meta.url));
/** The repo root: the nearest directory above this file holding deploy/aws/test (works from dist-x/ too). */
export const REPO_ROOT = (() => {
  for (let dir = join(here, '..'); dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'deploy', 'aws', 'test', 'fixtures.ts'))) return dir;
  }
  throw new Error(`repo root not found above ${here}`);
})();

/** Source files next to the tests (JSON fixtures are not compiled into dist). */
export function sourceFile(name: string): string {
  return join(REPO_ROOT, 'deploy', 'aws', 'test', name);
}

export function dynamoClients(endpoint: string) {
  const client = new DynamoDBClient({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS });
  return { client, doc: DynamoDBDocumentClient.from(client) };
}

export function s3Client(endpoint: string): S3Client {
  return new S3Client({ endpoint, region: TEST_REGION, credentials: TEST_CREDENTIALS, forcePathStyle: true,
    // S3Proxy does not implement the SDK's default flexible (trailing) checksums; AWS S3 does.
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' });
}

let tables = 0;
/** A new table with the stack's key schema (pk, sk strings; on demand). */
export async function createTable(client: DynamoDBClient): Promise<string> {
  const name = `clicklake-test-${process.pid}-${++tables}`;
  await client.send(
    new CreateTableCommand({
      TableName: name,
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
    }),
  );
  return name;
}

let buckets = 0;
export async function createBucket(s3: S3Client): Promise<string> {
  const name = `clicklake-test-${process.pid}-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: name }));
  return name;
}

export async function scanAll(doc: DynamoDBDocumentClient, table: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await doc.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ConsistentRead: true }));
    out.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return out;
}

/** The recorded API Gateway HTTP API (payload 2.0) `POST /collect` event with another body and headers. */
export function collectEvent(
  body: string | Buffer,
  overrides: { headers?: Record<string, string>; base64?: boolean; method?: string; path?: string } = {},
): APIGatewayProxyEventV2 {
  const event = JSON.parse(readFileSync(sourceFile('apigw-v2-post-collect.json'), 'utf8')) as APIGatewayProxyEventV2;
  const base64 = overrides.base64 ?? Buffer.isBuffer(body);
  const bytes = Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
  event.body = base64 ? bytes.toString('base64') : bytes.toString('utf8');
  event.isBase64Encoded = base64;
  event.headers = { ...event.headers, 'content-length': String(bytes.length), ...overrides.headers };
  if (overrides.method) event.requestContext.http.method = overrides.method;
  if (overrides.path) {
    event.rawPath = overrides.path;
    event.requestContext.http.path = overrides.path;
  }
  return event;
}
