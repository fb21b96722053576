// End to end through real processes and sockets: post events, see them via the HTTP API and `clicklake query`
// within 1 s (before Parquet), then in Parquet files read back by an independent reader (pyarrow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnServer, tempDir, apiQuery, postEvents, waitFor, BIN } from '../helpers/server.js';
import { makeEvent, requireComponent, hasPyarrow } from '../helpers/components.js';
import { LAKE_COLUMNS } from '../../src/core/schema.js';

const run = promisify(execFile);

async function cliQuery(dataDir: string, sql: string, format = 'json'): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'query', sql, '--data-dir', dataDir, '--format', format]);
  return stdout;
}

function parquetFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (e.isFile() && e.name.endsWith('.parquet')) out.push(join(e.parentPath, e.name));
  }
  return out;
}

test('events flow collector -> spool -> query (fresh) -> Parquet, read by API, CLI and pyarrow', async (t) => {
  const tmp = tempDir('e2e');
  t.after(() => tmp.cleanup());
  const dataDir = join(tmp.path, 'data');
  const server = await spawnServer(dataDir, { writer: { intervalMs: 1000 } });
  t.after(async () => {
    if (server.proc.exitCode === null) await server.kill9();
  });

  // An hour ago at :15, so the partition is known and the time is within the accepted clock skew.
  const at = new Date(Date.now() - 3_600_000);
  at.setUTCMinutes(15, 0, 0);
  const tsIso = at.toISOString();
  const dt = tsIso.slice(0, 10);
  const hour = Number(tsIso.slice(11, 13));
  const events = Array.from({ length: 40 }, (_, i) =>
    // Created an hour ago, sent now (a sent_at an hour ago would read as a device clock an hour slow and move ts).
    makeEvent({ type: i % 2 ? 'click' : 'page_view', ts: tsIso, sent_at: Date.now() }),
  );
  const bad = [{ type: 42 }, makeEvent({ seq: -3 })];
  const res = await postEvents(server.url, [...events.slice(0, 20), ...bad, ...events.slice(20)]);
  assert.equal(res.status, 200);
  assert.equal(res.body.accepted, 40);
  assert.deepEqual(
    res.body.rejected.map((r: { index: number; code: string }) => [r.index, r.code]),
    [
      [20, 'CLK_ERR_EVENT_INVALID'],
      [21, 'CLK_ERR_EVENT_INVALID'],
    ],
  );
  const acked = Date.now();

  // Fresh: visible through the API right away, before the writer's interval has passed.
  const rows = await apiQuery(server.url, `SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM events`);
  assert.deepEqual(rows, [{ n: 40, d: 40 }]);
  assert.ok(Date.now() - acked < 1000, 'visible within 1 s of the acknowledgement');

  // The CLI sees the same while the server runs.
  const fromCli = JSON.parse(await cliQuery(dataDir, 'SELECT count(*) AS n FROM events')) as { n: number }[];
  assert.deepEqual(fromCli, [{ n: 40 }]);

  // The writer turns them into Parquet in the ts partition.
  const eventsDir = join(dataDir, 'lake', 'events');
  await waitFor(async () => parquetFiles(eventsDir).length > 0, 15_000, 'a Parquet file');
  const files = parquetFiles(eventsDir);
  const hh = String(hour).padStart(2, '0');
  assert.ok(files.every((f) => f.includes(join(`dt=${dt}`, `hour=${hh}`))), `partition path: ${files.join(', ')}`);
  const afterCommit = await apiQuery(server.url, `SELECT count(*) AS n FROM events`);
  assert.deepEqual(afterCommit, [{ n: 40 }], 'no row doubled or lost across the writer commit');

  const one = events[3] as Record<string, any>;
  const [row] = await apiQuery(
    server.url,
    `SELECT event_type, page_path, page_host, element_selector, element_text, element_classes, x, y, viewport_w,
            properties, ts, dt, hour FROM events WHERE event_id = '${one.event_id}'`,
  );
  assert.deepEqual(row, {
    event_type: 'click',
    page_path: new URL(one.url).pathname,
    page_host: 'shop.example',
    element_selector: 'main > button#buy',
    element_text: 'Add to cart',
    element_classes: 'btn primary',
    x: 10,
    y: 20,
    viewport_w: 1280,
    properties: JSON.stringify(one.props),
    ts: tsIso,
    dt,
    hour,
  });

  // Metrics count what happened.
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  assert.match(metrics, /clicklake_collector_events_accepted_total 40/);
  assert.match(metrics, /clicklake_collector_events_rejected_total\{code="CLK_ERR_EVENT_INVALID"\} 2/);
  for (const name of ['clicklake_spool_bytes', 'clicklake_spool_segments', 'clicklake_spool_fsync_seconds_bucket',
    'clicklake_writer_lag_seconds', 'clicklake_writer_parquet_files_total', 'clicklake_writer_parquet_bytes_total']) {
    assert.ok(metrics.includes(name), `metric ${name}`);
  }

  // Graceful stop exits 0; the data stays queryable without a server.
  assert.equal(await server.stop(), 0);
  const offline = JSON.parse(await cliQuery(dataDir, 'SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM events'));
  assert.deepEqual(offline, [{ n: 40, d: 40 }]);
  const csv = await cliQuery(dataDir, `SELECT event_type, count(*) AS n FROM events GROUP BY 1 ORDER BY 1`, 'csv');
  assert.equal(csv.trim().split(/\r?\n/).join('|'), 'event_type,n|click,20|page_view,20');

  // An independent reader sees the documented schema.
  if (!requireComponent(t, hasPyarrow(), 'python3 with pyarrow')) return;
  const script = `
import json, sys, pyarrow.parquet as pq, pyarrow.dataset as ds
d = ds.dataset(sys.argv[1], format="parquet", partitioning="hive")
tbl = d.to_table()
f = pq.ParquetFile(sys.argv[2])
print(json.dumps({"rows": tbl.num_rows, "columns": tbl.schema.names,
  "types": {n: str(tbl.schema.field(n).type) for n in tbl.schema.names},
  "codec": f.metadata.row_group(0).column(0).compression,
  "ids": sorted(tbl.column("event_id").to_pylist())}))`;
  const py = spawnSync('python3', ['-c', script, eventsDir, parquetFiles(eventsDir)[0]!], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  const info = JSON.parse(py.stdout) as { rows: number; columns: string[]; types: Record<string, string>; codec: string; ids: string[] };
  assert.equal(info.rows, 40);
  assert.deepEqual(info.columns, [...LAKE_COLUMNS.map((c) => c.name), 'dt', 'hour']);
  assert.equal(info.codec, 'ZSTD');
  assert.deepEqual(info.ids, events.map((e) => e.event_id as string).sort());
  const expectType: Record<string, RegExp> = { VARCHAR: /^(string|large_string)$/, TIMESTAMPTZ: /^timestamp\[us, tz=(UTC|\+00:00)\]$/, BIGINT: /^int64$/, INTEGER: /^int32$/, BOOLEAN: /^bool$/ };
  for (const c of LAKE_COLUMNS) assert.match(info.types[c.name]!, expectType[c.type]!, `type of ${c.name}`);
});
