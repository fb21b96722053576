import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * BatchWriteItem in chunks of 25 with the unprocessed items retried (exponential backoff with jitter), a few chunks
 * at a time. Resolves only when DynamoDB accepted every request; rejects with UnprocessedError when some were still
 * unprocessed after `maxAttempts` (the caller answers 503 or retries the whole step later).
 */
export type WriteRequest =
  | { readonly PutRequest: { readonly Item: Record<string, unknown> } }
  | { readonly DeleteRequest: { readonly Key: Record<string, unknown> } };

export interface BatchWriteOptions {
  /** Attempts per chunk, the first one included. Default 6. */
  readonly maxAttempts?: number;
  /** First backoff (ms), doubled at each attempt. Default 25. */
  readonly baseDelayMs?: number;
  /** Chunks in flight at once. Default 4. */
  readonly concurrency?: number;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
}

export class UnprocessedError extends Error {
  constructor(readonly unprocessed: number) {
    super(`DynamoDB left ${unprocessed} write request(s) unprocessed after retries`);
    this.name = 'UnprocessedError';
  }
}

const CHUNK = 25;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function batchWriteAll(
  doc: DynamoDBDocumentClient,
  table: string,
  requests: readonly WriteRequest[],
  options: BatchWriteOptions = {},
): Promise<void> {
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.baseDelayMs ?? 25;
  const sleep = options.sleep ?? defaultSleep;
  const chunks: WriteRequest[][] = [];
  for (let i = 0; i < requests.length; i += CHUNK) chunks.push(requests.slice(i, i + CHUNK));
  let next = 0;
  const worker = async () => {
    for (let c = next++; c < chunks.length; c = next++) {
      let pending: WriteRequest[] = chunks[c]!;
      for (let attempt = 1; pending.length > 0; attempt++) {
        if (attempt > maxAttempts) throw new UnprocessedError(pending.length);
        if (attempt > 1) await sleep(Math.random() * base * 2 ** (attempt - 2) + base / 2);
        const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
        pending = (out.UnprocessedItems?.[table] ?? []) as WriteRequest[];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 4, chunks.length) }, worker));
}
