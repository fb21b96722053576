import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeNdjson } from './ndjson.js';
import { hourKey, hourOf, routePayloads } from './route.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
/** `YYYY-MM-DDTHH` of a payload's ts, or null. */
const hourKeyOf = (payload: string): string | null => {
  const h = hourOf(bytes(payload));
  return h === null ? null : hourKey(h);
};
import { lakeRow } from './testing/rows.js';

test('hourOf: the UTC hour of ts, read from the bytes or through JSON.parse, or null', () => {
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
    // canonical-looking but impossible fields, and two-digit years, go through JSON.parse / Date.parse
    [JSON.stringify({ event_id: 'a', ts: '2026-13-01T09:00:00.000Z' }), null],
    [JSON.stringify({ event_id: 'a', ts: '0042-11-27T09:00:00.000Z' }), '0042-11-27T09'],
    // multi-byte characters before ts do not shift the byte positions read
    [JSON.stringify({ event_id: 'é🎉', event_name: '"ts":"1999', ts: '2026-11-27T05:00:00.000Z' }), '2026-11-27T05'],
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
  ].map(bytes);
  const r = await routePayloads(payloads);
  assert.equal(r.rejected, 1);
  assert.deepEqual(
    r.groups.map((g) => [g.partition, g.hourStart, g.hourEnd, g.start, g.count]),
    [
      ['dt=2026-11-27/hour=09', '2026-11-27T09:00:00Z', '2026-11-27T10:00:00Z', 0, 1],
      ['dt=2026-11-27/hour=10', '2026-11-27T10:00:00Z', '2026-11-27T11:00:00Z', 1, 2],
      ['dt=2026-12-31/hour=23', '2026-12-31T23:00:00Z', '2027-01-01T00:00:00Z', 3, 1],
    ],
  );
  assert.deepEqual([...r.order], [1, 0, 3, 4], 'indices grouped by partition, batch order inside a group');
});

test('writeNdjson writes the selected payload bytes as lines, also past its chunk size', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'clk-ndjson-'));
  try {
    const big = JSON.stringify({ text: 'ü'.repeat(3 * 1024 * 1024) }); // > 4 MiB in UTF-8
    const texts = ['{"a":"é🎉"}', big, '{"b":1}', ...Array.from({ length: 20_000 }, (_, i) => `{"i":${i},"s":"ñ${'x'.repeat(300)}"}`)];
    // Views into one shared buffer, as the spool hands them out.
    const shared = Buffer.from(texts.join(''), 'utf8');
    let at = 0;
    const payloads = texts.map((t) => {
      const n = Buffer.byteLength(t);
      return shared.subarray(at, (at += n));
    });
    const all = join(dir, 'all.ndjson');
    const written = await writeNdjson(all, payloads, null);
    const text = await readFile(all, 'utf8');
    assert.equal(text, texts.join('\n') + '\n');
    assert.equal(written, Buffer.byteLength(text));

    const order = Int32Array.from({ length: texts.length }, (_, i) => i).filter((i) => i % 2 === 1);
    const some = join(dir, 'some.ndjson');
    await writeNdjson(some, payloads, order, 1, order.length);
    assert.equal(await readFile(some, 'utf8'), texts.filter((_, i) => i % 2 === 1).slice(1).join('\n') + '\n');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
