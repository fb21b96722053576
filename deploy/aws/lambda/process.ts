/**
 * Lambda `process` (EventBridge schedule -> DynamoDB slices -> Parquet on S3): the composition root. Builds the S3
 * lake store (src/store/s3) and runs ../runtime/processor.ts, which writes Parquet with the embedded writer's code.
 * Bundled by lib/bundle.ts; DuckDB's native package ships next to the bundle in node_modules (linux-x64).
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { createS3Store } from '../../../src/store/s3/index.js';
import type { Logger } from '../../../src/core/ports.js';
import { processEnvSchema } from '../runtime/env.js';
import { processClosedSlices } from '../runtime/processor.js';

const env = processEnvSchema.parse(process.env);
const doc = DynamoDBDocumentClient.from(new DynamoDBClient({}));
const store = createS3Store({ client: new S3Client({}), bucket: env.CLICKLAKE_BUCKET });

const logger: Logger = {
  debug: (o, m) => console.debug(m ?? '', o),
  info: (o, m) => console.info(m ?? '', o),
  warn: (o, m) => console.warn(m ?? '', o),
  error: (o, m) => console.error(m ?? '', o),
  child: () => logger,
};

export async function handler(_event: unknown, context?: Context) {
  const result = await processClosedSlices({
    doc,
    table: env.CLICKLAKE_TABLE,
    store,
    slices: {
      sliceMs: env.CLICKLAKE_SLICE_SECONDS * 1000,
      shards: env.CLICKLAKE_SHARDS,
      marginMs: env.CLICKLAKE_MARGIN_SECONDS * 1000,
    },
    tmpDir: join(tmpdir(), 'clicklake-process'),
    clock: Date.now,
    logger,
    maxSlicesPerRun: env.CLICKLAKE_MAX_SLICES,
    lookbackSlices: env.CLICKLAKE_LOOKBACK_SLICES,
    remainingMs: context ? () => context.getRemainingTimeInMillis() : undefined,
  });
  logger.info(result, 'process: run done');
  return result;
}
