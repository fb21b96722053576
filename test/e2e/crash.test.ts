// Crash safety through real processes: a client records which event ids were acknowledged while the server is
// killed with SIGKILL at random moments; after restarts every acknowledged id is in the lake exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { spawnServer, tempDir, BIN, BROWSER_UA } from '../helpers/server.js';
import { makeEvent } from '../helpers/components.js';

const run = promisify(execFile);
const ROUNDS = 5;
const WORKERS = 8;

/** Posts batches until `stopAt`; returns acknowledged ids and the bodies it may resend. */
async function load(url: string, stopAt: number, acked: Set<string>, resend: unknown[][]): Promise<number> {
  let requests = 0;
  const worker = async () => {
    while (Date.now() < stopAt) {
      const size = 1 + Math.floor(Math.random() * 20);
      // Now and then resend an already acknowledged batch, as a tracker does when a response is lost.
      const batch = resend.length > 0 && Math.random() < 0.1
        ? resend[Math.floor(Math.random() * resend.length)]!
        : Array.from({ length: size }, () => makeEvent({ ts: Date.now() }));
      try {
        const res = await fetch(`${url}/collect`, { method: 'POST', body: JSON.stringify(batch), headers: { 'content-type': 'application/json', 'user-agent': BROWSER_UA } });
        requests += 1;
        if (res.status === 200) {
          const body = (await res.json()) as { accepted: number };
          assert.equal(body.accepted, batch.length);
          for (const e of batch) acked.add((e as { event_id: string }).event_id);
          if (resend.length < 200) resend.push(batch);
        } else {
          await res.arrayBuffer();
        }
      } catch {
        // Connection refused/reset: the server is down; not acknowledged, so no promise was made.
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return requests;
}

test('kill -9 at random moments never loses or doubles an acknowledged event', { timeout: 180_000 }, async (t) => {
  const tmp = tempDir('crash');
  t.after(() => tmp.cleanup());
  const dataDir = join(tmp.path, 'data');
  const acked = new Set<string>();
  const resend: unknown[][] = [];
  // A short writer interval so kills land before, during and after Parquet commits.
  const config = { writer: { intervalMs: 300, maxEvents: 500 }, spool: { segmentBytes: 64 * 1024 } };

  for (let round = 0; round < ROUNDS; round++) {
    const server = await spawnServer(dataDir, config);
    const runMs = 400 + Math.floor(Math.random() * 1200);
    const stopAt = Date.now() + runMs + 300;
    const loading = load(server.url, stopAt, acked, resend);
    await new Promise((r) => setTimeout(r, runMs));
    await server.kill9();
    await loading;
  }
  assert.ok(acked.size > 200, `enough load was acknowledged (${acked.size})`);

  // Last start: recovery, then a graceful stop that flushes everything to Parquet.
  const server = await spawnServer(dataDir, config);
  assert.equal(await server.stop(), 0);

  const { stdout } = await run(process.execPath, [BIN, 'query', 'SELECT event_id, count(*) AS n FROM events GROUP BY 1', '--data-dir', dataDir, '--format', 'json'], { maxBuffer: 64 * 1024 * 1024 });
  const rows = JSON.parse(stdout) as { event_id: string; n: number }[];
  const doubled = rows.filter((r) => r.n !== 1);
  assert.deepEqual(doubled, [], 'no event id twice');
  const present = new Set(rows.map((r) => r.event_id));
  const missing = [...acked].filter((id) => !present.has(id));
  assert.deepEqual(missing, [], 'every acknowledged id present');

  // After a graceful stop everything is in Parquet: the files alone (what any engine globbing the lake sees) hold
  // each id exactly once.
  const glob = join(dataDir, 'lake', 'events', '**', '*.parquet');
  const { stdout: onDisk } = await run(process.execPath, [BIN, 'query', `SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM read_parquet('${glob}')`, '--data-dir', dataDir, '--format', 'json']);
  assert.deepEqual(JSON.parse(onDisk), [{ n: rows.length, d: rows.length }]);
});
