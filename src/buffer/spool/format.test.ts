import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  decodeHeader,
  decodeRecords,
  decodeRecordViews,
  encodedSize,
  encodeHeader,
  encodeRecords,
  parseSegmentFileName,
  segmentFileName,
  segmentIdOfAnyName,
} from './format.js';

const sample = ['{"a":1}', '{"page":"/caf\u00e9"}', '{"emoji":"\u{1F600}"}', 'x'.repeat(70_000)];

function encode(groups: string[][]) {
  return encodeRecords(groups, groups.reduce((n, g) => n + encodedSize(g), 0));
}

test('records round-trip, across several groups, with UTF-8 byte counts', () => {
  const { data, records, payloadBytes } = encode([sample.slice(0, 2), [], sample.slice(2)]);
  assert.equal(records, 4);
  assert.equal(payloadBytes, sample.reduce((n, p) => n + Buffer.byteLength(p), 0));
  const decoded = decodeRecords(data, 100);
  assert.deepEqual(decoded.payloads, sample);
  assert.equal(decoded.problem, null);
  assert.equal(decoded.end, 100 + data.length);
  assert.equal(decoded.payloadBytes, payloadBytes);
});

test('decodeRecordViews returns CRC-checked views into the buffer, byte for byte the encoded payloads', () => {
  const { data } = encode([sample]);
  const decoded = decodeRecordViews(data, 16);
  assert.equal(decoded.problem, null);
  assert.equal(decoded.end, 16 + data.length);
  assert.deepEqual(decoded.payloads.map((p) => Buffer.from(p).toString('utf8')), sample);
  for (const p of decoded.payloads) assert.equal(p.buffer, data.buffer, 'a view, not a copy');
  data[data.length - 1] ^= 0xff;
  const damaged = decodeRecordViews(data, 0);
  assert.equal(damaged.problem, 'crc-mismatch');
  assert.equal(damaged.payloads.length, sample.length - 1);
});

test('decoding stops at the first torn or corrupt record and reports why', () => {
  const { data } = encode([sample]);
  const secondAt = 8 + Buffer.byteLength(sample[0]);
  const cases: [string, Buffer, string][] = [
    ['short record header', data.subarray(0, secondAt + 5), 'short-record-header'],
    ['length beyond end', data.subarray(0, data.length - 1), 'length-beyond-end'],
    ['zero-filled tail', Buffer.concat([data.subarray(0, secondAt), Buffer.alloc(64)]), 'zero-length'],
  ];
  const flipped = Buffer.from(data);
  flipped[secondAt + 8] ^= 0x01; // first payload byte of record 2
  cases.push(['payload bit flip', flipped, 'crc-mismatch']);
  for (const [name, bytes, problem] of cases) {
    const decoded = decodeRecords(bytes, 0);
    assert.equal(decoded.problem, problem, name);
    const kept = name === 'length beyond end' ? 3 : 1;
    assert.deepEqual(decoded.payloads, sample.slice(0, kept), name);
  }
});

test('empty payloads are refused by the encoder (a zero length marks corruption)', () => {
  assert.throws(() => encodedSize(['ok', '']), TypeError);
});

test('segment header and file names', () => {
  assert.deepEqual(decodeHeader(encodeHeader(1_764_000_000_000)), { createdMs: 1_764_000_000_000 });
  assert.equal(decodeHeader(Buffer.from('CLKSPL02' + '\0'.repeat(8))), null);
  assert.equal(decodeHeader(encodeHeader(1).subarray(0, 15)), null);
  assert.equal(segmentFileName(42), '00000000000000000042.seg');
  assert.equal(parseSegmentFileName('00000000000000000042.seg'), 42);
  assert.equal(parseSegmentFileName('00000000000000000042.seg.corrupt'), null);
  assert.equal(segmentIdOfAnyName('00000000000000000042.seg.corrupt'), 42);
  assert.equal(parseSegmentFileName('42.seg'), null);
  assert.equal(parseSegmentFileName('99999999999999999999.seg'), null, 'beyond safe integers');
});

test('a full 64 MiB segment decodes completely and without problems', (t) => {
  // Speed is measured by `npm run bench`, not asserted here (shared machines make timed unit tests flaky).
  const payload = JSON.stringify({ event_id: '0'.repeat(36), url: 'https://shop.example/p/'.padEnd(300, 'x') });
  const perRecord = encodedSize([payload]);
  const n = Math.floor((64 * 1024 * 1024) / perRecord);
  const { data } = encode([Array.from({ length: n }, () => payload)]);
  const started = performance.now();
  const decoded = decodeRecords(data, 0);
  const viewsStarted = performance.now();
  const views = decodeRecordViews(data, 0);
  t.diagnostic(
    `64 MiB, ${n} records: decode to strings ${(viewsStarted - started).toFixed(0)} ms, ` +
      `to views ${(performance.now() - viewsStarted).toFixed(0)} ms`,
  );
  assert.equal(views.records, n);
  assert.equal(decoded.records, n);
  assert.equal(decoded.problem, null);
});
