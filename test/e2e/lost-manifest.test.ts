// A lake whose manifest is gone (deleted by hand, or its files copied without _clicklake/) through the real CLI: the
// server refuses to start with CLK_ERR_LAKE_NO_MANIFEST and exit code 2, deletes nothing, and starts with every event
// once the manifest is back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BIN, postEvents, spawnServer, tempDir, TEST_TOKEN } from '../helpers/server.js';
import { makeEvent } from '../helpers/components.js';

const run = promisify(execFile);

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out.sort();
}

async function count(dataDir: string): Promise<number> {
  const { stdout } = await run(process.execPath, [BIN, 'query', 'SELECT count(*) AS n FROM events', '--data-dir', dataDir, '--format', 'json']);
  return (JSON.parse(stdout) as { n: number }[])[0]!.n;
}

test('a lost manifest stops the start with CLK_ERR_LAKE_NO_MANIFEST and loses no file', { timeout: 120_000 }, async (t) => {
  const tmp = tempDir('lost-manifest');
  t.after(() => tmp.cleanup());
  const dataDir = join(tmp.path, 'data');
  const events = Array.from({ length: 30 }, () => makeEvent({ ts: Date.now() }));
  const server = await spawnServer(dataDir);
  assert.equal((await postEvents(server.url, events)).status, 200);
  assert.equal(await server.stop(), 0); // a graceful stop writes everything to Parquet
  assert.equal(await count(dataDir), 30);

  const manifestPath = join(dataDir, 'lake', '_clicklake', 'manifest.json');
  const manifest = readFileSync(manifestPath);
  const before = filesUnder(join(dataDir, 'lake', 'events'));
  assert.ok(before.length > 0);
  rmSync(manifestPath);

  const started = await run(process.execPath, [BIN, 'start', '--port', '0', '--data-dir', dataDir], {
    env: { ...process.env, CLICKLAKE_ADMIN_TOKEN: TEST_TOKEN },
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: '' }),
    (err: { code?: number; stderr?: string }) => ({ code: err.code, stderr: err.stderr ?? '' }),
  );
  assert.equal(started.code, 2, started.stderr);
  assert.match(started.stderr, /^clicklake: CLK_ERR_LAKE_NO_MANIFEST: The lake has \d+ object\(s\) .* under events\/ but no manifest/m);
  assert.doesNotMatch(started.stderr, /\n\s+at /, 'no stack trace');
  assert.deepEqual(filesUnder(join(dataDir, 'lake', 'events')), before, 'every Parquet file is still there');

  writeFileSync(manifestPath, manifest);
  const restarted = await spawnServer(dataDir);
  assert.equal(await restarted.stop(), 0);
  assert.equal(await count(dataDir), 30);
});
