import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { ObjectStore } from '../core/ports.js';

/**
 * The ObjectStore contract: every implementation (local disk, S3, ...) must pass these tests. An implementation's
 * own test file is a wrapper:
 *
 *   storeContract('local', async () => { const dir = await mkdtemp(...);
 *     return { store: createLocalStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) }; });
 *
 * `factory` must return an empty store each time; `cleanup` removes whatever the test left.
 */
export interface StoreFixture {
  readonly store: ObjectStore;
  cleanup(): Promise<void>;
}

export type StoreFactory = () => Promise<StoreFixture>;

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Keys that every store must reject, with what makes them invalid. */
export const INVALID_KEYS: readonly string[] = [
  '../escape',
  'a/../../escape',
  'events/..',
  '..',
  '/etc/passwd',
  '',
  'a//b',
  './a',
  'a/./b',
  'a\\..\\b',
];

export function storeContract(name: string, factory: StoreFactory): void {
  describe(`ObjectStore contract: ${name}`, () => {
    async function withStore(fn: (store: ObjectStore) => Promise<void>): Promise<void> {
      const fixture = await factory();
      try {
        await fn(fixture.store);
      } finally {
        await fixture.cleanup();
      }
    }

    test('putBytes then getBytes returns the same bytes (binary, empty, nested keys)', () =>
      withStore(async (store) => {
        const binary = new Uint8Array(256).map((_, i) => i);
        await store.putBytes('a/b/c/binary.bin', binary);
        await store.putBytes('empty', new Uint8Array(0));
        assert.deepEqual(new Uint8Array((await store.getBytes('a/b/c/binary.bin'))!), binary);
        assert.deepEqual(new Uint8Array((await store.getBytes('empty'))!), new Uint8Array(0));
        assert.deepEqual(await store.list(''), [
          { key: 'a/b/c/binary.bin', size: 256 },
          { key: 'empty', size: 0 },
        ]);
      }));

    test('putFile stores the file content under the key', () =>
      withStore(async (store) => {
        const dir = await mkdtemp(join(tmpdir(), 'clk-contract-src-'));
        try {
          const source = join(dir, 'part.parquet');
          const content = randomBytes(100_000);
          await writeFile(source, content);
          await store.putFile('events/dt=2026-11-27/hour=09/part-1.parquet', source);
          assert.deepEqual(
            Buffer.from((await store.getBytes('events/dt=2026-11-27/hour=09/part-1.parquet'))!),
            content,
          );
          assert.deepEqual(await store.list('events/'), [
            { key: 'events/dt=2026-11-27/hour=09/part-1.parquet', size: 100_000 },
          ]);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }));

    test('a put overwrites the previous object', () =>
      withStore(async (store) => {
        await store.putBytes('_clicklake/manifest.json', bytes('first version, longer'));
        await store.putBytes('_clicklake/manifest.json', bytes('second'));
        assert.equal(new TextDecoder().decode((await store.getBytes('_clicklake/manifest.json'))!), 'second');
        assert.deepEqual(await store.list('_clicklake/'), [{ key: '_clicklake/manifest.json', size: 6 }]);
      }));

    test('getBytes of a missing key is null', () =>
      withStore(async (store) => {
        assert.equal(await store.getBytes('missing'), null);
        assert.equal(await store.getBytes('no/such/dir/missing.parquet'), null);
        await store.putBytes('dir/x', bytes('x'));
        assert.equal(await store.getBytes('dir/y'), null);
        assert.equal(await store.getBytes('dir/x/deeper'), null);
      }));

    test('delete removes the object and is idempotent', () =>
      withStore(async (store) => {
        await store.putBytes('events/dt=2026-11-27/hour=09/a.parquet', bytes('a'));
        await store.putBytes('events/dt=2026-11-27/hour=09/b.parquet', bytes('b'));
        await store.delete('events/dt=2026-11-27/hour=09/a.parquet');
        assert.equal(await store.getBytes('events/dt=2026-11-27/hour=09/a.parquet'), null);
        await store.delete('events/dt=2026-11-27/hour=09/a.parquet');
        await store.delete('never/existed.parquet');
        assert.deepEqual(
          (await store.list('')).map((o) => o.key),
          ['events/dt=2026-11-27/hour=09/b.parquet'],
        );
      }));

    test('list returns the objects under a prefix, recursively, in key order', () =>
      withStore(async (store) => {
        const keys = [
          'events/dt=2026-11-27/hour=10/part-a.parquet',
          'events/dt=2026-11-26/hour=23/part-z.parquet',
          '_clicklake/manifest.json',
          'events/dt=2026-11-27/hour=09/part-b.parquet',
          'events/dt=2026-11-27/hour=09/part-a.parquet',
          'eventsX/other',
          'events/dt=2026-11-28/hour=00/part-c.parquet',
        ];
        for (const [i, key] of keys.entries()) await store.putBytes(key, bytes('x'.repeat(i + 1)));
        const sorted = [...keys].sort();
        assert.deepEqual(
          (await store.list('')).map((o) => o.key),
          sorted,
        );
        assert.deepEqual(
          (await store.list('events/')).map((o) => o.key),
          sorted.filter((k) => k.startsWith('events/')),
        );
        assert.deepEqual(
          (await store.list('events/dt=2026-11-27/')).map((o) => o.key),
          [
            'events/dt=2026-11-27/hour=09/part-a.parquet',
            'events/dt=2026-11-27/hour=09/part-b.parquet',
            'events/dt=2026-11-27/hour=10/part-a.parquet',
          ],
        );
        assert.deepEqual(
          (await store.list('events/dt=2026-11-2')).map((o) => o.key),
          sorted.filter((k) => k.startsWith('events/dt=2026-11-2')),
        );
        assert.deepEqual(await store.list('nothing/here/'), []);
        const sizes = await store.list('_clicklake/');
        assert.deepEqual(sizes, [{ key: '_clicklake/manifest.json', size: 3 }]);
      }));

    test('no temp or partial objects are ever visible, and overwrites are atomic', () =>
      withStore(async (store) => {
        const versions = [bytes('A'.repeat(300_000)), bytes('B'.repeat(200_000)), bytes('C'.repeat(100_000))];
        await store.putBytes('hot/object', versions[0]!);
        const expected = new Set(['hot/object', ...Array.from({ length: 12 }, (_, i) => `bulk/obj-${i}`)]);
        let writing = true;
        const writes = (async () => {
          try {
            for (let round = 0; round < 4; round++) {
              await Promise.all([
                ...Array.from({ length: 12 }, (_, i) => store.putBytes(`bulk/obj-${i}`, randomBytes(50_000))),
                store.putBytes('hot/object', versions[(round + 1) % 3]!),
              ]);
            }
          } finally {
            writing = false;
          }
        })();
        let observations = 0;
        while (writing || observations === 0) {
          for (const o of await store.list('')) assert.ok(expected.has(o.key), `unexpected object ${o.key}`);
          const seen = new TextDecoder().decode((await store.getBytes('hot/object'))!);
          assert.ok(
            versions.some((v) => new TextDecoder().decode(v) === seen),
            `torn read of ${seen.length} bytes`,
          );
          observations++;
        }
        await writes;
        assert.deepEqual(
          (await store.list('')).map((o) => o.key),
          [...expected].sort(),
        );
      }));

    test("keys that are absolute or contain '..' (or empty/'.' segments) are rejected", () =>
      withStore(async (store) => {
        const dir = await mkdtemp(join(tmpdir(), 'clk-contract-src-'));
        try {
          const source = join(dir, 'f');
          await writeFile(source, 'x');
          for (const key of INVALID_KEYS) {
            await assert.rejects(store.putBytes(key, bytes('x')), `putBytes(${JSON.stringify(key)})`);
            await assert.rejects(store.putFile(key, source), `putFile(${JSON.stringify(key)})`);
            await assert.rejects(store.getBytes(key), `getBytes(${JSON.stringify(key)})`);
            await assert.rejects(store.delete(key), `delete(${JSON.stringify(key)})`);
          }
          await assert.rejects(store.list('../'));
          await assert.rejects(store.list('a/../'));
          await assert.rejects(store.list('/abs'));
          assert.deepEqual(await store.list(''), []);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      }));
  });
}
