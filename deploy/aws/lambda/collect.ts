/**
 * Lambda `collect` (API Gateway HTTP API -> DynamoDB): the composition root. Reads its environment once per cold
 * start, builds the DynamoDB sink, the enricher (src/enrich) and the handler from ../runtime/ (which runs the
 * embedded collector's native protocol code). Bundled by lib/bundle.ts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createEnricher } from '../../../src/enrich/index.js';
import { createCollectHandler } from '../runtime/collect.js';
import { createDynamoSink } from '../runtime/dynamo-sink.js';
import { collectEnvSchema, collectorConfig } from '../runtime/env.js';

const env = collectEnvSchema.parse(process.env);
const config = collectorConfig(env.CLICKLAKE_COLLECTOR_CONFIG);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
// The same enricher as the embedded collector, with two Lambda limits (docs/aws.md): no geo lookup (the database is
// not in the bundle) and no cookieless ids (their daily salts would differ between concurrent instances' /tmp).
const enricher = await createEnricher({
  collector: config.collector,
  enrichment: { ...config.enrichment, geo: false },
  privacy: { ...config.privacy, cookielessIds: false },
  dataDir: '/tmp/clicklake',
});

export const handler = createCollectHandler({
  sink: createDynamoSink({
    doc,
    table: env.CLICKLAKE_TABLE,
    slices: { sliceMs: env.CLICKLAKE_SLICE_SECONDS * 1000, shards: env.CLICKLAKE_SHARDS },
    ttlDays: env.CLICKLAKE_TTL_DAYS,
  }),
  collector: config.collector,
  sites: config.sites,
  enricher,
  logger: console,
});
