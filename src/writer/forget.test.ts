import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_KEY, readManifest } from '../core/lake.js';
import type { ObjectStore } from '../core/ports.js';
import { writerFixture, type WriterFixture } from './testing/fixture.js';
import { lakeRow, payloadsOf } from './testing/rows.js';

/**
 * forget (forget.ts): rows of one person leave every live file, in one manifest commit, crash-safe. The lake holds
 * 3 users over 3 partitions, one of them compacted; user-7 has rows in all three and in the buffer tail.
 */
const HOURS = ['2026-11-25T09', '2026-11-26T14', '2026-11-27T09'];

async function seed(fx: WriterFixture): Promise<void> {
  const rows = HOURS.flatMap((h, i) => [
    lakeRow({ ts: `${h}:10:00.000Z`, user_id: 'user-7', anonymous_id: 'anon-7', session_id: 'b', seq: i }),
    lakeRow({ ts: `${h}:11:00.000Z`, user_id: 'user-8', anonymous_id: 'anon-8', session_id: 'a', seq: i }),
    lakeRow({ ts: `${h}:12:00.000Z`, user_id: null, anonymous_id: 'anon-9', session_id: 'c', seq: i }),
  ]);
  await fx.buffer.append(payloadsOf(rows.slice(0, 3)));
  await fx.writer.flush();
  await fx.buffer.append(payloadsOf(rows.slice(3)));
  await fx.writer.flush();
  await fx.writer.compact(); // the closed hours become compacted (sorted) files
  // Acknowledged, not yet written: forget flushes first.
  await fx.buffer.append(payloadsOf([lakeRow({ ts: '2026-11-27T09:30:00.000Z', user_id: 'user-7', anonymous_id: 'anon-7', seq: 9 })]));
}

async function lakeCounts(fx: WriterFixture, files: readonly string[]) {
  const list = files.map((f) => `'${f}'`).join(', ');
  const [row] = await fx.query(
    `SELECT count(*) AS n, count(DISTINCT event_id) AS ids, count(*) FILTER (WHERE user_id = 'user-7') AS u7, ` +
      `count(*) FILTER (WHERE user_id = 'user-8') AS u8, count(*) FILTER (WHERE user_id IS NULL) AS anon ` +
      `FROM read_parquet([${list}], union_by_name = true)`,
  );
  return { n: Number(row!.n), ids: Number(row!.ids), u7: Number(row!.u7), u8: Number(row!.u8), anon: Number(row!.anon) };
}

const paths = (fx: WriterFixture, m: { files: readonly { key: string }[] }) => m.files.map((f) => join(fx.lakeDir, f.key));

test('forget removes one user across partitions and the buffer tail, keeps everything else, reports the count', async (t) => {
  const fx = await writerFixture();
  t.after(() => fx.cleanup());
  await seed(fx);
  const before = fx.writer.manifest();
  const result = await fx.writer.forget({ equals: { user_id: ['user-7'] } });
  // Three compacted hours, plus the tail's file (flushed by forget itself) in the last hour.
  assert.deepEqual(result, { rows: 4, files: 4 });
  const after = await readManifest(fx.store);
  assert.equal(after.generation, fx.writer.manifest().generation);
  const counts = await lakeCounts(fx, paths(fx, after));
  assert.deepEqual(counts, { n: 6, ids: 6, u7: 0, u8: 3, anon: 3 });
  // The old files wait for their grace period, then go.
  assert.ok(before.files.every((f) => after.pendingDeletes.includes(f.key)), 'replaced files are retired');
  assert.ok(after.files.every((f) => f.key.includes('-forget-')), 'every file held user-7');
  fx.clock.now += 60_000;
  await fx.writer.cycle();
  assert.ok(before.files.every((f) => !existsSync(join(fx.lakeDir, f.key))));
  // A compacted file stays sorted and compacted.
  const compacted = after.files.filter((f) => f.compacted === true);
  assert.ok(compacted.length >= 2);
  const order = await fx.query(`SELECT session_id FROM read_parquet('${join(fx.lakeDir, compacted[0]!.key)}')`);
  assert.deepEqual(order.map((r) => r.session_id), ['a', 'c']);
  assert.equal(await fx.metric('clicklake_writer_forgotten_rows_total'), 4);
  // Nothing left to forget; a site filter that does not match removes nothing.
  assert.deepEqual(await fx.writer.forget({ equals: { user_id: ['user-7'] } }), { rows: 0, files: 0 });
  assert.deepEqual(await fx.writer.forget({ equals: { anonymous_id: ['anon-8'] }, siteId: 'other' }), { rows: 0, files: 0 });
  assert.deepEqual((await fx.writer.forget({ equals: { anonymous_id: ['anon-8'] }, siteId: 'shop' })).rows, 3);
  await assert.rejects(fx.writer.forget({ equals: { nope: ['x'] } }), /has no column nope/);
  // Values are data, never SQL.
  assert.deepEqual(await fx.writer.forget({ equals: { user_id: ["x') OR true OR ('"] } }), { rows: 0, files: 0 });
});

/** The fixture's store, with a manifest put that can be made to fail before or after it lands. */
function faultyStore(fx: WriterFixture): ObjectStore & { fail: 'before' | 'after' | null } {
  const inner = fx.store;
  const s = {
    kind: inner.kind,
    fail: null as 'before' | 'after' | null,
    putFile: (k: string, p: string) => inner.putFile(k, p),
    async putBytes(key: string, data: Uint8Array) {
      if (key === MANIFEST_KEY && s.fail === 'before') throw new Error('injected crash before the manifest commit');
      await inner.putBytes(key, data);
      if (key === MANIFEST_KEY && s.fail === 'after') throw new Error('injected crash after the manifest commit');
    },
    getBytes: (k: string) => inner.getBytes(k),
    delete: (k: string) => inner.delete(k),
    list: (p: string) => inner.list(p),
    localPath: (k: string) => inner.localPath(k),
  };
  return s;
}

for (const when of ['before', 'after'] as const) {
  test(`forget crash ${when} the manifest commit: a restarted writer sees the ${when === 'before' ? 'old' : 'new'} state, nothing lost or doubled`, async (t) => {
    const fx = await writerFixture();
    t.after(() => fx.cleanup());
    const store = faultyStore(fx);
    const writer = fx.newWriter({ store });
    await writer.recover();
    const rows = HOURS.flatMap((h) => [
      lakeRow({ ts: `${h}:10:00.000Z`, user_id: 'user-7' }),
      lakeRow({ ts: `${h}:11:00.000Z`, user_id: 'user-8' }),
    ]);
    await fx.buffer.append(payloadsOf(rows));
    await writer.flush();
    const old = await readManifest(fx.store);
    store.fail = when;
    await assert.rejects(writer.forget({ equals: { user_id: ['user-7'] } }), /injected crash/);
    // The rewritten files were put before the commit point.
    const objects = (await fx.store.list('events/')).map((o) => o.key);
    assert.ok(objects.some((k) => k.includes('-forget-')), 'new files were written first');
    // The process dies here (no stop): a new writer takes the lake over.
    const restarted = fx.newWriter();
    await restarted.recover();
    const m = await readManifest(fx.store);
    const live = m.files.map((f) => f.key).sort();
    assert.deepEqual((await fx.store.list('events/')).map((o) => o.key).sort(), live, 'disk holds exactly the manifest');
    assert.deepEqual(m.pendingDeletes, []);
    const counts = await lakeCounts(fx, paths(fx, m));
    if (when === 'before') {
      assert.equal(m.generation, old.generation, 'the old state');
      assert.deepEqual(live, old.files.map((f) => f.key).sort());
      assert.deepEqual(counts, { n: 6, ids: 6, u7: 3, u8: 3, anon: 0 });
      // Forget again after the restart: it completes.
      assert.deepEqual(await restarted.forget({ equals: { user_id: ['user-7'] } }), { rows: 3, files: 3 });
      assert.deepEqual(await lakeCounts(fx, paths(fx, restarted.manifest())), { n: 3, ids: 3, u7: 0, u8: 3, anon: 0 });
    } else {
      // The forget commit, then recovery's commit that drops the (deleted) old files from pendingDeletes.
      assert.equal(m.generation, old.generation + 2, 'the new state');
      assert.ok(live.every((k) => k.includes('-forget-')));
      assert.deepEqual(counts, { n: 3, ids: 3, u7: 0, u8: 3, anon: 0 });
    }
  });
}
