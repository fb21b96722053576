// `clicklake forget` end to end: a real data dir with events in several partitions, in the spool tail and in the
// dead letters; the CLI (a separate process) opens the data dir itself, or goes through the running server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import { createSpool } from '../../src/buffer/spool/index.js';
import { loadUserIdKey, pseudonymizeUserId } from '../../src/core/pseudonym.js';
import { loadConfig, openLakeReader, startClicklake } from '../../src/server/index.js';
import { lakeRow } from '../../src/writer/testing/rows.js';
import { hasPyarrow, requireComponent } from '../helpers/components.js';
import { BROWSER_UA, tempDir } from '../helpers/server.js';

const run = promisify(execFile);
/** The CLI next to this test's build (dist/src/cli/main.js). */
const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const silent = pino({ level: 'silent' });
const HOUR = 3_600_000;

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function forget(args: string[], configFile: string): Promise<{ events: number; deadLetters: number; files: number; via: string }> {
  const { stdout } = await run(process.execPath, [CLI, 'forget', ...args, '--config', configFile, '--json'], {
    env: { ...process.env, CLICKLAKE_CONFIG: '', CLICKLAKE_ADMIN_TOKEN: '' },
  });
  return JSON.parse(stdout);
}

async function post(url: string, events: unknown[]): Promise<{ accepted: number }> {
  const res = await fetch(`${url}/collect`, {
    method: 'POST',
    headers: { 'content-type': 'text/plain', 'user-agent': BROWSER_UA },
    body: JSON.stringify(events),
  });
  return (await res.json()) as { accepted: number };
}

test('clicklake forget removes one person everywhere (partitions, tail, dead letters); pyarrow reads the rewritten lake', async (t) => {
  const dir = tempDir('forget');
  t.after(() => dir.cleanup());
  const dataDir = join(dir.path, 'data');
  const configFile = join(dir.path, 'config.json');
  const port = await freePort();
  writeFileSync(configFile, JSON.stringify({
    port, host: '127.0.0.1', dataDir, log: { level: 'silent' },
    privacy: { pseudonymizeUserId: true }, writer: { intervalMs: 600_000 },
  }));
  const config = await loadConfig({ configFile }, {});

  // 1. Events of alice, bob and an anonymous device over three hours of three days, written to Parquet.
  let app = await startClicklake(config, { logger: silent });
  const now = Date.now();
  const ev = (user: string | null, anon: string, ts: number, seq: number) => ({
    type: 'page_view', url: 'https://shop.example/', site_id: 'shop', anonymous_id: anon, seq, ts,
    ...(user === null ? {} : { user_id: user }),
  });
  const batch = [];
  for (const [i, ago] of [50 * HOUR, 26 * HOUR, 1 * HOUR].entries()) {
    batch.push(ev('alice', 'dev-a', now - ago, i * 3 + 1), ev('bob', 'dev-b', now - ago, i * 3 + 2), ev(null, 'dev-c', now - ago, i * 3 + 3));
  }
  assert.equal((await post(app.url, batch)).accepted, 9);
  // A dead letter holding alice's id, and one that does not.
  await post(app.url, [{ type: 'bad type', user_id: 'alice' }, { type: 'bad type', user_id: 'bob' }]);
  await app.stop(); // flushes everything to Parquet

  // 2. Acknowledged events still in the spool (not written yet), as a crash before the flush leaves them.
  const spool = await createSpool({ dir: join(dataDir, 'spool'), segmentBytes: 1 << 20, maxBytes: 1 << 30, retryAfterSeconds: 1, logger: silent });
  const key = await loadUserIdKey(dataDir);
  const alice = pseudonymizeUserId(key, 'alice');
  const tsTail = new Date(now - 2 * HOUR).toISOString();
  await spool.append([
    JSON.stringify(lakeRow({ ts: tsTail, site_id: 'shop', user_id: alice, anonymous_id: 'dev-a' })),
    JSON.stringify(lakeRow({ ts: tsTail, site_id: 'shop', user_id: 'bob-hash', anonymous_id: 'dev-b' })),
  ]);
  await spool.close();

  // 3. The CLI opens the data dir itself (no server holds it).
  const report = await forget(['--user-id', 'alice'], configFile);
  assert.deepEqual(report, { events: 4, deadLetters: 1, files: report.files, via: 'local' });
  assert.ok(report.files >= 4, `files rewritten: ${report.files}`);

  const reader = await openLakeReader(dataDir, config.query);
  const rows = (await reader.query('SELECT anonymous_id, count(*) AS n, count(DISTINCT event_id) AS d FROM events GROUP BY 1 ORDER BY 1')).rows;
  const failed = (await reader.query('SELECT payload FROM failed_events')).rows;
  await reader.close();
  assert.deepEqual(rows, [{ anonymous_id: 'dev-b', n: 4, d: 4 }, { anonymous_id: 'dev-c', n: 3, d: 3 }], 'only alice went, nothing doubled');
  assert.equal(failed.length, 1);
  assert.ok(String(failed[0]!.payload).includes('"bob"'));

  // 4. An independent reader reads the rewritten files (the data dir holds exactly the manifest's files).
  if (requireComponent(t, hasPyarrow(), 'python3 with pyarrow')) {
    const script = `
import json, sys, pyarrow.dataset as ds
e = ds.dataset(sys.argv[1] + "/events", format="parquet", partitioning="hive").to_table()
f = ds.dataset(sys.argv[1] + "/failed", format="parquet", partitioning="hive").to_table()
print(json.dumps({"rows": e.num_rows, "users": sorted(set(u for u in e.column("user_id").to_pylist() if u)),
  "failed": f.num_rows, "days": len(set(e.column("dt").to_pylist()))}))`;
    const py = spawnSync('python3', ['-c', script, join(dataDir, 'lake')], { encoding: 'utf8' });
    assert.equal(py.status, 0, py.stderr);
    const seen = JSON.parse(py.stdout) as { rows: number; users: string[]; failed: number; days: number };
    assert.equal(seen.rows, 7);
    assert.equal(seen.failed, 1);
    assert.ok(seen.days >= 2, 'several day partitions');
    assert.ok(!seen.users.includes('alice') && !seen.users.includes(alice), `users left: ${seen.users.join(', ')}`);
  }

  // 5. With a server running on the data dir, the CLI goes through POST /api/admin/forget (token from the data dir).
  app = await startClicklake(config, { logger: silent });
  t.after(() => app.stop());
  assert.equal((await post(app.url, [ev(null, 'dev-x', now, 1), ev(null, 'dev-x', now, 2)])).accepted, 2);
  const online = await forget(['--anonymous-id', 'dev-x', '--site', 'shop'], configFile);
  assert.deepEqual([online.events, online.deadLetters, online.via], [2, 0, 'server']);
  const after = await app.query.query("SELECT count(*) AS n FROM events WHERE anonymous_id IN ('dev-x', 'dev-b', 'dev-c')");
  assert.deepEqual(after.rows, [{ n: 7 }]);
});

test('clicklake forget refuses bad arguments with exit code 2', async (t) => {
  const dir = tempDir('forget-args');
  t.after(() => dir.cleanup());
  const configFile = join(dir.path, 'config.json');
  writeFileSync(configFile, JSON.stringify({ dataDir: join(dir.path, 'data') }));
  const both = spawnSync(process.execPath, [CLI, 'forget', '--user-id', 'a', '--anonymous-id', 'b', '--config', configFile], { encoding: 'utf8' });
  assert.equal(both.status, 2);
  assert.match(both.stderr, /exactly one of userId and anonymousId/);
  const none = spawnSync(process.execPath, [CLI, 'forget', '--config', configFile], { encoding: 'utf8' });
  assert.equal(none.status, 2);
});
