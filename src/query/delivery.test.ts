import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createQueryEngine } from './engine.js';
import { FakeSnapshots, FakeTail, TestLake, commitToLake, lakeRow, silentLogger } from './testkit.js';

test('delivery: expected, received, missing and reported drops per device, over the lake and the tail', async (t) => {
  const lake = await TestLake.create();
  const tail = new FakeTail();
  const snapshots = new FakeSnapshots();
  const engine = await createQueryEngine({
    snapshots, tail, lakeDir: lake.lakeDir, logger: silentLogger, timeoutMs: 10_000, maxRows: 100, memoryLimit: '256MB',
  });
  t.after(async () => {
    await engine.close();
    await lake.cleanup();
  });
  let n = 0;
  const ev = (anon: string, seq: number | null, extra: Parameters<typeof lakeRow>[0] = {}) =>
    lakeRow({ event_id: `e-${++n}`, site_id: 'shop', anonymous_id: anon, seq, session_id: seq !== null && seq > 5 ? 's-2' : 's-1', ...extra });
  // anon-1 numbered seq 1..10; 4, 7, 8 never arrived, and it reported 2 events dropped (its queue overflowed), so one
  // is missing without an explanation.
  // seq 3 arrived twice (a retry the lake kept under another event_id): received counts distinct seq.
  tail.append(ev('anon-1', 1), ev('anon-1', 2), ev('anon-1', 3), ev('anon-1', 3), ev('anon-1', 5));
  await commitToLake(lake, tail, snapshots, tail.last); // part in Parquet ...
  tail.append(
    ev('anon-1', 6),
    ev('anon-1', 9),
    ev('anon-1', 10, { event_type: 'queue_overflow', dropped: 2, properties: '{"dropped":2}' }),
    // anon-2: complete; anon-3 on another site; a device without seq is not listed.
    ev('anon-2', 1), ev('anon-2', 2), ev('anon-2', 3),
    ev('anon-3', 7, { site_id: 'blog' }), ev('anon-3', 9, { site_id: 'blog' }),
    ev('anon-4', null),
  ); // ... and part still in the tail
  const { rows } = await engine.query(
    'SELECT site_id, anonymous_id, expected, received, missing, reported_dropped, unexplained_missing, sessions, ' +
      'first_seq, last_seq FROM delivery ORDER BY site_id, anonymous_id',
  );
  assert.deepEqual(rows, [
    { site_id: 'blog', anonymous_id: 'anon-3', expected: 3, received: 2, missing: 1, reported_dropped: 0, unexplained_missing: 1, sessions: 1, first_seq: 7, last_seq: 9 },
    { site_id: 'shop', anonymous_id: 'anon-1', expected: 10, received: 7, missing: 3, reported_dropped: 2, unexplained_missing: 1, sessions: 2, first_seq: 1, last_seq: 10 },
    { site_id: 'shop', anonymous_id: 'anon-2', expected: 3, received: 3, missing: 0, reported_dropped: 0, unexplained_missing: 0, sessions: 1, first_seq: 1, last_seq: 3 },
  ]);
});
