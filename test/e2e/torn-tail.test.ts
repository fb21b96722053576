// A torn or corrupt spool tail (a crash mid-write, a flipped bit) is detected at start, truncated, logged and
// counted, never fatal; every intact record is kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer, tempDir, apiQuery, postEvents } from '../helpers/server.js';
import { makeEvent } from '../helpers/components.js';

function newestNonEmptySegment(spoolDir: string): string {
  const segs = readdirSync(spoolDir)
    .filter((n) => n.endsWith('.seg'))
    .sort()
    .map((n) => join(spoolDir, n));
  // The biggest-numbered segment holding records (a fresh start opens a new, empty one).
  const withRecords = segs.filter((p) => statSync(p).size > 64);
  assert.ok(withRecords.length > 0, `a segment with records in ${segs.join(', ')}`);
  return withRecords[withRecords.length - 1]!;
}

function metric(text: string, name: string): number {
  const m = new RegExp(`^${name} (\\d+(?:\\.\\d+)?)$`, 'm').exec(text);
  return m ? Number(m[1]) : 0;
}

test('torn and corrupt spool tails are truncated and counted; the server starts and keeps good records', { timeout: 60_000 }, async (t) => {
  const tmp = tempDir('torn');
  t.after(() => tmp.cleanup());
  const dataDir = join(tmp.path, 'data');
  const spoolDir = join(dataDir, 'spool');
  // Keep everything in the spool: the writer would otherwise move it to Parquet.
  const config = { writer: { intervalMs: 600_000, maxEvents: 1_000_000 } };

  let server = await spawnServer(dataDir, config);
  const events = Array.from({ length: 30 }, () => makeEvent());
  assert.equal((await postEvents(server.url, events)).body.accepted, 30);
  await server.kill9();

  // 1. A torn tail: a record header promising 500 bytes followed by only 100 (a crash mid-write).
  const seg = newestNonEmptySegment(spoolDir);
  const header = Buffer.alloc(8);
  header.writeUInt32LE(500, 0);
  header.writeUInt32LE(0xdeadbeef, 4);
  appendFileSync(seg, Buffer.concat([header, Buffer.alloc(100, 0x7b)]));
  const tornSize = statSync(seg).size;

  server = await spawnServer(dataDir, config);
  assert.deepEqual(await apiQuery(server.url, 'SELECT count(DISTINCT event_id) AS n, count(*) AS m FROM events'), [{ n: 30, m: 30 }]);
  let metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.equal(metric(metrics, 'clicklake_spool_corrupt_records_total'), 1);
  assert.equal(metric(metrics, 'clicklake_spool_truncated_bytes_total'), 108);
  assert.equal(statSync(seg).size, tornSize - 108, 'the torn bytes were truncated');
  await server.kill9();

  // 2. A flipped byte in the last record's payload: that record fails its CRC and is dropped, the rest stay.
  const bytes = readFileSync(seg);
  bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
  writeFileSync(seg, bytes);
  server = await spawnServer(dataDir, config);
  assert.deepEqual(await apiQuery(server.url, 'SELECT count(*) AS n FROM events'), [{ n: 29 }]);
  metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.equal(metric(metrics, 'clicklake_spool_corrupt_records_total'), 1);
  assert.equal((await postEvents(server.url, [makeEvent()])).body.accepted, 1, 'still accepting');
  assert.equal(await server.stop(), 0);
});
