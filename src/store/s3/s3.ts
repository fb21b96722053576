import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { ObjectStore, StoredObject } from '../../core/ports.js';
import { assertValidKey, assertValidPrefix, compareKeys } from '../keys.js';

/**
 * The lake on Amazon S3 (or any S3-compatible server): one bucket, keys under an optional prefix.
 *
 * Design constraints:
 * - A PutObject is atomic and, once it returned, durable and visible to every later GET and LIST (S3 has strong
 *   read-after-write consistency since 2020): a reader sees the whole new object or the old one, never a part.
 *   putFile streams the file (it is not consumed; the caller removes its scratch copy).
 * - There is no local path: `localPath` is null, so code that needs DuckDB to read lake files (the writer's duplicate
 *   check, the query view) must first copy them locally (the AWS `process` Lambda does).
 * - The S3 client (region, endpoint, credentials) is made by the composition root and passed in.
 */
export interface S3StoreOptions {
  readonly client: S3Client;
  readonly bucket: string;
  /** Key prefix inside the bucket, '' (default) or ending in '/'. */
  readonly prefix?: string;
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: unknown; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
}

export function createS3Store(opts: S3StoreOptions): ObjectStore {
  const { client, bucket } = opts;
  const prefix = opts.prefix ?? '';
  if (prefix !== '' && !prefix.endsWith('/')) throw new Error(`S3 store prefix must end with '/': ${prefix}`);
  const full = (key: string) => `${prefix}${key}`;

  return {
    kind: 's3',
    async putFile(key, sourcePath) {
      assertValidKey(key);
      const { size } = await stat(sourcePath);
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: full(key), Body: createReadStream(sourcePath), ContentLength: size }),
      );
    },
    async putBytes(key, data) {
      assertValidKey(key);
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: full(key), Body: data, ContentLength: data.byteLength }));
    },
    async getBytes(key) {
      assertValidKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: full(key) }));
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array(0);
      } catch (err) {
        if (isMissing(err)) return null;
        throw err;
      }
    },
    async delete(key) {
      assertValidKey(key);
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: full(key) }));
    },
    async list(listPrefix) {
      assertValidPrefix(listPrefix);
      const out: StoredObject[] = [];
      let token: string | undefined;
      do {
        const page = await client.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: full(listPrefix), ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined) continue;
          out.push({ key: o.Key.slice(prefix.length), size: o.Size ?? 0 });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return out.sort((a, b) => compareKeys(a.key, b.key));
    },
    localPath() {
      return null;
    },
  };
}
