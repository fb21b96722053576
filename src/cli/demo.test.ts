// `clicklake demo` as a real process: it serves the demo shop and the tracker next to the pipeline, replays
// synthetic visitors into their own site, and `demo --url` replays into a running instance.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { isbot } from 'isbot';
import { generateVisitors } from '../demo/visitors.js';
import { apiQuery, BIN, TEST_TOKEN, tempDir, waitFor } from '../../test/helpers/server.js';

function run(args: string[]): { proc: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const proc = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, CLICKLAKE_ADMIN_TOKEN: TEST_TOKEN, CLICKLAKE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, output: () => out, exited };
}

test('clicklake demo serves the shop and replays synthetic visitors into their own site', { timeout: 90_000 }, async (t) => {
  const tmp = tempDir('demo-cli');
  t.after(() => tmp.cleanup());
  const demo = run(['demo', '--visitors', '40', '--seed', '5', '--port', '0', '--data-dir', join(tmp.path, 'data')]);
  t.after(async () => {
    if (demo.proc.exitCode === null) {
      demo.proc.kill('SIGKILL');
      await demo.exited;
    }
  });
  await waitFor(async () => /requests failed/.test(demo.output()), 60_000, 'the replay summary').catch((err: Error) => {
    throw new Error(`${err.message}\n${demo.output()}`);
  });
  const out = demo.output();
  const url = /running at (http:\/\/\S+)/.exec(out)![1].replace('localhost', '127.0.0.1');
  assert.match(out, new RegExp(`demo shop: http://localhost:\\d+/demo/`));
  assert.match(out, /tracker: {3}http:\/\/localhost:\d+\/tracker\.[0-9a-f]{12}\.js/);
  const m = /(\d+) events from 40 visitors: (\d+) accepted, 0 rejected, 0 requests failed/.exec(out);
  assert.ok(m, out);
  assert.equal(m[1], m[2]);

  // The synthetic crowd includes crawlers (Googlebot); their events are acknowledged but not stored (collector.bots
  // is 'drop' by default). The same seed gives the same visitors, so the humans' share is known.
  const humans = generateVisitors({ visitors: 40, seed: 5, now: Date.now(), days: 7, origin: 'http://localhost' }).filter((v) => !isbot(v.userAgent));
  const humanEvents = humans.reduce((sum, v) => sum + v.events.length, 0);
  assert.ok(humans.length < 40 && humans.length > 30, `some of the 40 visitors are bots (${humans.length} humans)`);
  const rows = await apiQuery(url, "SELECT count(*) AS n, count(DISTINCT anonymous_id) AS v FROM events WHERE site_id = 'demo-synthetic'");
  assert.deepEqual(rows, [{ n: humanEvents, v: humans.length }]);
  const shop = await fetch(`${url}/demo/products/lake-mug`);
  assert.equal(shop.status, 200);
  assert.match(await shop.text(), /<script defer src="\/tracker\.[0-9a-f]{12}\.js" data-site="demo">/);
  assert.equal((await fetch(`${url}/tracker.js`)).status, 200);

  // Into the running instance from another process; then a graceful stop.
  const more = run(['demo', '--url', url, '--visitors', '5', '--seed', '6']);
  assert.equal(await more.exited, 0, more.output());
  assert.match(more.output(), /from 5 visitors: \d+ accepted, 0 rejected, 0 requests failed/);
  const moreHumans = generateVisitors({ visitors: 5, seed: 6, now: Date.now(), days: 7, origin: 'http://localhost' }).filter((v) => !isbot(v.userAgent));
  const after = await apiQuery(url, "SELECT count(DISTINCT anonymous_id) AS v FROM events WHERE site_id = 'demo-synthetic'");
  assert.deepEqual(after, [{ v: humans.length + moreHumans.length }]);
  demo.proc.kill('SIGTERM');
  assert.equal(await demo.exited, 0);
});

test('clicklake demo --url checks its arguments', async () => {
  const noVisitors = run(['demo', '--url', 'http://127.0.0.1:9']);
  assert.equal(await noVisitors.exited, 2);
  assert.match(noVisitors.output(), /give --visitors N/);
  const badUrl = run(['demo', '--url', 'ftp://x', '--visitors', '1']);
  assert.equal(await badUrl.exited, 2);
  const badDays = run(['demo', '--days', '30']);
  assert.notEqual(await badDays.exited, 0);
  assert.match(badDays.output(), /--days must be an integer 1-7/);
});
