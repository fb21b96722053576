import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, type BatchWriteOptions } from './batch-write.js';
import { partitionKey, type SliceSettings, shardOf, sliceOf, ttlOf } from './slices.js';

/**
 * The collect handler's sink: accepted rows -> DynamoDB items (key design in slices.ts). `append` resolves only once
 * DynamoDB accepted every item, which is what lets the handler answer 200.
 */
export interface RowSink {
  append(rows: readonly string[], receivedAt: number): Promise<void>;
}

export interface DynamoSinkOptions {
  readonly doc: DynamoDBDocumentClient;
  readonly table: string;
  readonly slices: Pick<SliceSettings, 'sliceMs' | 'shards'>;
  readonly ttlDays: number;
  readonly write?: BatchWriteOptions;
}

/** The event_id of a row JSON made by normalizeEvent. */
function eventIdOf(row: string): string {
  const id = (JSON.parse(row) as { event_id?: unknown }).event_id;
  if (typeof id !== 'string' || id === '') throw new Error('row without event_id');
  return id;
}

export function createDynamoSink(opts: DynamoSinkOptions): RowSink {
  const { sliceMs, shards } = opts.slices;
  return {
    async append(rows, receivedAt) {
      const slice = sliceOf(receivedAt, sliceMs);
      const ttl = ttlOf(receivedAt, opts.ttlDays);
      // One BatchWriteItem may not name a key twice: an id repeated inside a request keeps its first event (as the
      // lake writer keeps the first received).
      const seen = new Set<string>();
      const requests = [];
      for (const row of rows) {
        const id = eventIdOf(row);
        if (seen.has(id)) continue;
        seen.add(id);
        requests.push({ PutRequest: { Item: { pk: partitionKey(slice, shardOf(id, shards), sliceMs), sk: id, row, ttl } } });
      }
      await batchWriteAll(opts.doc, opts.table, requests, opts.write);
    },
  };
}
