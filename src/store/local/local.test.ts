import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { storeContract } from '../contract.js';
import { createLocalStore, LOCAL_TEMP_PREFIX } from './local.js';

async function tempRoot(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'clk-local-store-'));
}

storeContract('local', async () => {
  const dir = await tempRoot();
  return { store: createLocalStore(dir), cleanup: () => rm(dir, { recursive: true, force: true }) };
});

test('local: localPath is root/key and putFile consumes the source file', async () => {
  const root = await tempRoot();
  try {
    const store = createLocalStore(root);
    const source = join(root, 'incoming.parquet');
    await writeFile(source, 'parquet bytes');
    await store.putFile('events/dt=2026-11-27/hour=09/p.parquet', source);
    assert.equal(store.localPath('events/dt=2026-11-27/hour=09/p.parquet'), join(root, 'events/dt=2026-11-27/hour=09/p.parquet'));
    assert.equal(existsSync(source), false);
    assert.throws(() => store.localPath('../x'));
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('local: temp files left by a crash are not listed, and puts leave none behind', async () => {
  const root = await tempRoot();
  try {
    const store = createLocalStore(root);
    await store.putBytes('_clicklake/manifest.json', new TextEncoder().encode('{}'));
    assert.deepEqual(await readdir(join(root, '_clicklake')), ['manifest.json']);
    await mkdir(join(root, 'events/dt=2026-11-27/hour=09'), { recursive: true });
    await writeFile(join(root, 'events/dt=2026-11-27/hour=09', `${LOCAL_TEMP_PREFIX}deadbeef`), 'partial');
    await writeFile(join(root, '_clicklake', `${LOCAL_TEMP_PREFIX}cafe`), 'partial');
    assert.deepEqual(
      (await store.list('')).map((o) => o.key),
      ['_clicklake/manifest.json'],
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test("local: keys with a segment starting with '.' are rejected (reserved for temp files)", async () => {
  const root = await tempRoot();
  try {
    const store = createLocalStore(root);
    await assert.rejects(store.putBytes(`events/${LOCAL_TEMP_PREFIX}x`, new Uint8Array(1)));
    await assert.rejects(store.putBytes('.hidden/x', new Uint8Array(1)));
    assert.deepEqual(await readdir(root), []);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
