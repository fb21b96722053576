import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { isClicklakeError } from '../../core/errors.js';
import { MANIFEST_KEY, type Manifest, type ManifestFile } from '../../core/lake.js';
import type { Logger, ObjectStore } from '../../core/ports.js';
import { createLocalStore } from '../local/index.js';
import { openLakeFollower, type LakeFollowerOptions } from './follower.js';

/**
 * The lake follower against a "remote" lake in another ObjectStore (the local store stands in for S3 here; the S3
 * end-to-end test is deploy/aws/test/follower.test.ts): what it copies, when it switches, what it deletes and when.
 */
const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, child: () => quiet };
let tmp: string;
let n = 0;

before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'clk-follower-'));
});
after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

async function world() {
  const dir = join(tmp, `w${++n}`);
  const remote = createLocalStore(join(dir, 'remote'));
  const cacheDir = join(dir, 'cache');
  let now = Date.parse('2026-11-27T10:00:00Z');
  let generation = 0;
  const put = async (key: string, text: string): Promise<ManifestFile> => {
    const data = new TextEncoder().encode(text);
    await remote.putBytes(key, data);
    return { key, partition: key.split('/').slice(1, 3).join('/'), rows: 1, bytes: data.byteLength, schema: 2 };
  };
  const commit = async (files: ManifestFile[], store: ObjectStore = remote) => {
    const m: Manifest = {
      format: 'clicklake-manifest',
      version: 1,
      generation: ++generation,
      checkpoint: { slice: generation },
      files,
      pendingDeletes: [],
      updatedAt: new Date(now).toISOString(),
    };
    await store.putBytes(MANIFEST_KEY, new TextEncoder().encode(JSON.stringify(m)));
  };
  const open = (extra: Partial<LakeFollowerOptions> = {}) =>
    openLakeFollower({
      store: remote,
      manifestKey: MANIFEST_KEY,
      dataPrefix: 'events/',
      cacheDir,
      syncIntervalMs: 60_000,
      deleteGraceMs: 60_000,
      maxCacheBytes: 1_000_000,
      logger: quiet,
      table: 'events',
      clock: () => now,
      ...extra,
    });
  return { remote, cacheDir, put, commit, open, advance: (ms: number) => (now += ms) };
}

const a = 'events/dt=2026-11-27/hour=09/part-a.parquet';
const b = 'events/dt=2026-11-27/hour=09/part-b.parquet';
const c = 'events/dt=2026-11-27/hour=09/part-c.parquet';

describe('lake follower', () => {
  it('is not synced before the first sync (CLK_ERR_LAKE_NOT_SYNCED, 503); a lake without a manifest is empty', async () => {
    const w = await world();
    const f = await w.open();
    await assert.rejects(f.current(), (err) => isClicklakeError(err) && err.code === 'CLK_ERR_LAKE_NOT_SYNCED' && err.status === 503);
    assert.equal(f.status().synced, false);
    const r = await f.sync();
    assert.equal(r.generation, 0);
    assert.deepEqual((await f.current()).files, []);
    assert.equal(f.status().synced, true);
  });

  it('copies the files the manifest names, and publishes local paths with their schema version', async () => {
    const w = await world();
    await w.commit([await w.put(a, 'AAAA'), await w.put(b, 'BB')]);
    await w.put(c, 'not named by the manifest');
    const registry = new Registry();
    const f = await w.open({ registry });
    const r = await f.sync();
    assert.deepEqual([r.changed, r.downloaded, r.downloadedBytes], [true, 2, 6]);
    const snap = await f.current();
    assert.equal(snap.generation, 1);
    assert.deepEqual(snap.files.map((x) => [x.path, x.schema]), [[join(w.cacheDir, ...a.split('/')), 2], [join(w.cacheDir, ...b.split('/')), 2]]);
    assert.equal(await readFile(snap.files[0]!.path, 'utf8'), 'AAAA');
    assert.equal(existsSync(join(w.cacheDir, ...c.split('/'))), false, 'unnamed objects are never copied');
    // Nothing new: no download, same snapshot.
    const again = await f.sync();
    assert.deepEqual([again.changed, again.downloaded], [false, 0]);
    assert.match(await registry.metrics(), /clicklake_lake_follower_downloaded_bytes_total\{table="events"\} 6/);
    assert.match(await registry.metrics(), /clicklake_lake_follower_syncs_total\{table="events",result="ok"\} 2/);
  });

  it('a new manifest adds only the new files; files it drops go after the grace period, not before', async () => {
    const w = await world();
    await w.commit([await w.put(a, 'AAAA'), await w.put(b, 'BB')]);
    const f = await w.open();
    await f.sync();
    const pathA = (await f.current()).files[0]!.path;
    const pathB = (await f.current()).files[1]!.path;
    // Compaction-style replacement: c replaces a and b.
    await w.commit([await w.put(c, 'CCCCCC')]);
    const r = await f.sync();
    assert.deepEqual([r.downloaded, r.dropped], [1, 2]);
    assert.deepEqual((await f.current()).files.map((x) => x.path), [join(w.cacheDir, ...c.split('/'))]);
    assert.ok(existsSync(pathA) && existsSync(pathB), 'still readable by queries on the old snapshot');
    w.advance(59_000);
    await f.sync();
    assert.ok(existsSync(pathA), 'kept until the grace period is over');
    w.advance(2_000);
    await f.sync();
    assert.ok(!existsSync(pathA) && !existsSync(pathB), 'deleted after the grace period');
    assert.ok(existsSync(join(w.cacheDir, ...c.split('/'))));
  });

  it('a failed sync (missing or short file) keeps the previous snapshot and reports the error', async () => {
    const w = await world();
    await w.commit([await w.put(a, 'AAAA')]);
    const f = await w.open();
    await f.sync();
    await w.commit([await w.put(a, 'AAAA'), { key: b, partition: 'dt=2026-11-27/hour=09', rows: 1, bytes: 2, schema: 2 }]);
    await assert.rejects(f.sync(), /part-b\.parquet named by the manifest is missing/);
    assert.equal((await f.current()).generation, 1);
    assert.match(f.status().lastError ?? '', /missing/);
    await w.remote.putBytes(b, new TextEncoder().encode('BBB'));
    await assert.rejects(f.sync(), /has 3 bytes, the manifest says 2/);
    assert.equal((await f.current()).files.length, 1);
    await w.remote.putBytes(b, new TextEncoder().encode('BB'));
    await f.sync();
    assert.equal((await f.current()).files.length, 2);
    assert.equal(f.status().lastError, null);
    // A file copied by a sync that failed later, and then dropped from the manifest, leaves the cache too.
    await w.commit([await w.put(a, 'AAAA'), await w.put(b, 'BB'), await w.put(c, 'CCC'), { key: 'events/dt=2026-11-27/hour=10/part-x.parquet', partition: 'dt=2026-11-27/hour=10', rows: 1, bytes: 1 }]);
    await assert.rejects(f.sync(), /missing/);
    const pathC = join(w.cacheDir, ...c.split('/'));
    assert.ok(existsSync(pathC));
    await w.commit([await w.put(a, 'AAAA')]);
    await f.sync();
    w.advance(61_000);
    await f.sync();
    assert.ok(!existsSync(pathC), 'the orphan copy was deleted');
    assert.deepEqual((await f.current()).files.length, 1);
  });

  it('refuses a manifest that names more than maxCacheBytes or a key outside the cache', async () => {
    const w = await world();
    await w.commit([await w.put(a, 'x'.repeat(100))]);
    const small = await w.open({ maxCacheBytes: 99 });
    await assert.rejects(small.sync(), /more than lake\.cacheMaxBytes \(99\)/);
    await w.commit([{ key: 'events/../../../etc/passwd', partition: 'x', rows: 1, bytes: 1 }]);
    const f = await w.open();
    await assert.rejects(f.sync(), /invalid key/);
  });

  it('at open, drops cached files of earlier runs that the manifest does not name, and reuses those it does', async () => {
    const w = await world();
    await w.commit([await w.put(a, 'AAAA')]);
    const stale = join(w.cacheDir, 'events', 'dt=2026-11-26', 'hour=01', 'part-old.parquet');
    const temp = join(w.cacheDir, 'events', 'dt=2026-11-27', 'hour=09', '.clk-dl-123');
    await mkdir(join(stale, '..'), { recursive: true });
    await mkdir(join(temp, '..'), { recursive: true });
    await writeFile(stale, 'old');
    await writeFile(temp, 'half');
    await writeFile(join(w.cacheDir, ...a.split('/')), 'AAAA');
    const f = await w.open();
    const r = await f.sync();
    assert.equal(r.downloaded, 0, 'a cached file of the right size is reused');
    assert.ok(!existsSync(stale) && !existsSync(temp));
  });

  it('the timer syncs every interval until stopped', async () => {
    const w = await world();
    const f = await w.open({ syncIntervalMs: 20, clock: Date.now });
    await f.sync();
    f.start();
    await w.commit([await w.put(a, 'AAAA')]);
    const deadline = Date.now() + 5_000;
    while ((await f.current()).files.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    assert.equal((await f.current()).files.length, 1);
    await f.stop();
    await w.commit([await w.put(a, 'AAAA'), await w.put(b, 'BB')]);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal((await f.current()).files.length, 1, 'no sync after stop');
  });
});
