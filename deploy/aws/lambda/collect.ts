/**
 * Lambda `collect` (API Gateway HTTP API -> DynamoDB): the composition root. Reads its environment once per cold
 * start, builds the DynamoDB sink and the handler from ../runtime/ (which runs the embedded collector's native
 * protocol code). Bundled by lib/bundle.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createCollectHandler } from '../runtime/collect.js';
import { createDynamoSink } from '../runtime/dynamo-sink.js';
import { collectEnvSchema, collectorConfig } from '../runtime/env.js';

const env = collectEnvSchema.parse(process.env);
const config = collectorConfig(env.CLICKLAKE_COLLECTOR_CONFIG);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));

export const handler = createCollectHandler({
  sink: createDynamoSink({
    doc,
    table: env.CLICKLAKE_TABLE,
    slices: { sliceMs: env.CLICKLAKE_SLICE_SECONDS * 1000, shards: env.CLICKLAKE_SHARDS },
    ttlDays: env.CLICKLAKE_TTL_DAYS,
  }),
  collector: config.collector,
  sites: config.sites,
  logger: console,
});
