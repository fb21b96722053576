import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { batchWriteAll, UnprocessedError, type WriteRequest } from './batch-write.js';

/**
 * Unprocessed items: DynamoDB may accept part of a BatchWriteItem. A scripted client (its answers are data: which
 * requests it leaves unprocessed at each call) shows they are resent until accepted, and that the call fails when
 * they never are. DynamoDB servers here never throttle, so this part is tested with a scripted client.
 */
function scripted(leave: (call: number, items: WriteRequest[]) => WriteRequest[]) {
  const calls: WriteRequest[][] = [];
  const accepted: WriteRequest[] = [];
  const doc = {
    async send(cmd: { input: { RequestItems: Record<string, WriteRequest[]> } }) {
      const items = cmd.input.RequestItems.t!;
      calls.push(items);
      const left = leave(calls.length, items);
      accepted.push(...items.filter((i) => !left.includes(i)));
      return { UnprocessedItems: left.length ? { t: left } : {} };
    },
  } as unknown as DynamoDBDocumentClient;
  return { doc, calls, accepted };
}

const puts = (n: number): WriteRequest[] => Array.from({ length: n }, (_, i) => ({ PutRequest: { Item: { pk: 'p', sk: String(i) } } }));

describe('batchWriteAll', () => {
  it('chunks by 25 and resends unprocessed items until all are accepted', async () => {
    const s = scripted((call, items) => (call <= 2 ? items.slice(0, 3) : []));
    await batchWriteAll(s.doc, 't', puts(60), { sleep: async () => {}, concurrency: 1 });
    assert.equal(s.accepted.length, 60);
    // Chunk 1 (25) leaves 3 twice, then they go through; chunks 2 (25) and 3 (10) are accepted at once.
    assert.deepEqual(s.calls.map((c) => c.length), [25, 3, 3, 25, 10]);
    assert.equal(new Set(s.accepted.map((r) => (r as { PutRequest: { Item: { sk: string } } }).PutRequest.Item.sk)).size, 60);
  });

  it('fails with UnprocessedError when items stay unprocessed', async () => {
    const s = scripted((_call, items) => items.slice(0, 1));
    await assert.rejects(batchWriteAll(s.doc, 't', puts(5), { sleep: async () => {}, maxAttempts: 3 }), UnprocessedError);
    assert.equal(s.calls.length, 3);
  });
});
