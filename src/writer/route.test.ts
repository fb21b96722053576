import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNdjson } from './ndjson.js';
import { hourKeyOf, routePayloads } from './route.js';
import { lakeRow } from './testing/rows.js';

test('hourKeyOf: the UTC hour of ts, by the fast path or through JSON.parse, or null', () => {
  const cases: [string, string | null][] = [
    [JSON.stringify(lakeRow({ ts: '2026-11-27T09:59:59.999Z' })), '2026-11-27T09'],
    // not JSON.stringify output: spaces, other key order
    ['{ "ts" : "2026-11-27T23:00:00.000Z", "event_id": "a" }', '2026-11-27T23'],
    // other ISO forms go through Date.parse and land in their UTC hour
    [JSON.stringify({ event_id: 'a', ts: '2026-11-28T01:30:00+02:00' }), '2026-11-27T23'],
    [JSON.stringify({ event_id: 'a', ts: '2026-11-27T09:15:00.123456Z' }), '2026-11-27T09'],
    [JSON.stringify({ event_id: 'a', ts: '2026-11-27T09:15Z' }), '2026-11-27T09'],
    // a "ts" inside a string value is not the ts key
    [JSON.stringify({ properties: '{"ts":"1999-01-01T00:00:00.000Z"}', ts: '2026-11-27T04:00:00.000Z' }), '2026-11-27T04'],
    [JSON.stringify({ event_id: 'a', ts: 'yesterday' }), null],
    [JSON.stringify({ event_id: 'a', ts: 'Fri Nov 27 2026 09:00:00' }), null],
    [JSON.stringify({ event_id: 'a', ts: null }), null],
    [JSON.stringify({ event_id: 'a', ts: 1764234000000 }), null],
    [JSON.stringify({ event_id: 'a' }), null],
    ['{"event_id":"a","ts":"2026-11-27T09:', null],
    ['not json at all', null],
    ['null', null],
  ];
  for (const [payload, want] of cases) assert.equal(hourKeyOf(payload), want, payload);
});

test('routePayloads groups by partition (sorted), counts, and marks rejected payloads', async () => {
  const payloads = [
    JSON.stringify(lakeRow({ ts: '2026-11-27T10:00:00.000Z' })),
    JSON.stringify(lakeRow({ ts: '2026-11-27T09:00:00.000Z' })),
    'garbage',
    JSON.stringify(lakeRow({ ts: '2026-11-27T10:59:59.999Z' })),
    JSON.stringify(lakeRow({ ts: '2026-12-31T23:00:00.000Z' })),
  ];
  const r = await routePayloads(payloads);
  assert.equal(r.rejected, 1);
  assert.deepEqual(
    r.groups.map((g) => [g.partition, g.hourStart, g.hourEnd, g.count]),
    [
      ['dt=2026-11-27/hour=09', '2026-11-27T09:00:00Z', '2026-11-27T10:00:00Z', 1],
      ['dt=2026-11-27/hour=10', '2026-11-27T10:00:00Z', '2026-11-27T11:00:00Z', 2],
      ['dt=2026-12-31/hour=23', '2026-12-31T23:00:00Z', '2027-01-01T00:00:00Z', 1],
    ],
  );
  const slotOf = (partition: string) => r.groups.find((g) => g.partition === partition)!.slot;
  assert.deepEqual([...r.slots], [slotOf('dt=2026-11-27/hour=10'), slotOf('dt=2026-11-27/hour=09'), -1, slotOf('dt=2026-11-27/hour=10'), slotOf('dt=2026-12-31/hour=23')]);
});

test('writeNdjson writes the selected payloads as UTF-8 lines, also past its chunk size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clk-ndjson-'));
  try {
    const big = JSON.stringify({ text: 'ü'.repeat(3 * 1024 * 1024) }); // > 4 MiB in UTF-8
    const payloads = ['{"a":"é🎉"}', big, '{"b":1}', ...Array.from({ length: 20_000 }, (_, i) => `{"i":${i},"s":"ñ${'x'.repeat(300)}"}`)];
    const all = join(dir, 'all.ndjson');
    const bytes = await writeNdjson(all, payloads, null, 0);
    const text = await readFile(all, 'utf8');
    assert.equal(text, payloads.join('\n') + '\n');
    assert.equal(bytes, Buffer.byteLength(text));

    const slots = Int32Array.from(payloads, (_, i) => (i % 2 === 0 ? 7 : 3));
    const some = join(dir, 'some.ndjson');
    await writeNdjson(some, payloads, slots, 3);
    assert.equal(await readFile(some, 'utf8'), payloads.filter((_, i) => i % 2 === 1).join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
