import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distinctEventIds } from './ids.js';
import { lakeRow } from './testing/rows.js';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

test('distinctEventIds proves distinct ids from the bytes, and never hides a duplicate', () => {
  const rows = Array.from({ length: 5000 }, () => JSON.stringify(lakeRow())).map(bytes);
  assert.equal(distinctEventIds(rows, all(rows.length)), true);
  assert.equal(distinctEventIds([], all(0)), true);

  const dup = [...rows, rows[1234]!];
  assert.equal(distinctEventIds(dup, all(dup.length)), false, 'a repeated id');
  assert.equal(distinctEventIds(dup, all(rows.length)), true, 'only the payloads in `order` count');

  const cases: [string, string[], boolean][] = [
    ['ids that share a prefix', ['{"event_id":"a","ts":1}', '{"event_id":"ab","ts":1}', '{"event_id":"abc"}'], true],
    ['multi-byte ids', ['{"event_id":"é"}', '{"event_id":"e\u0301"}'], true],
    ['same id, other fields differ', ['{"event_id":"x","n":1}', '{"event_id":"x","n":2}'], false],
    // not provable from the bytes: the check must run in DuckDB
    ['an escaped id', ['{"event_id":"a\\u0062"}', '{"event_id":"ab"}'], false],
    ['another key order', ['{"ts":"2026-11-27T09:00:00.000Z","event_id":"a"}', '{"event_id":"b"}'], false],
    ['a non-string id', ['{"event_id":1}', '{"event_id":"b"}'], false],
    ['not JSON', ['garbage', '{"event_id":"b"}'], false],
  ];
  for (const [name, payloads, want] of cases) assert.equal(distinctEventIds(payloads.map(bytes), all(payloads.length)), want, name);
});
