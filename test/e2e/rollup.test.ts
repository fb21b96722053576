// The dashboards' rollup through the composition root: a server given a lake of past days and of today rolls up the
// closed days and today's closed hours in the background (the gauges reach them), its tiles answer exactly what a
// server without the rollup answers, and a restart reuses the rollup file instead of rebuilding it.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { parseConfig } from '../../src/core/config.js';
import { EVENTS_PREFIX, LAKE_SCHEMA_VERSION, MANIFEST_KEY, type Manifest, type ManifestFile } from '../../src/core/lake.js';
import { partitionOf, type LakeRow } from '../../src/core/schema.js';
import { TestLake } from '../../src/query/testkit.js';
import { startClicklake } from '../../src/server/index.js';
import { generateDataset } from '../../src/stats/testkit.js';
import { waitFor } from '../helpers/server.js';

const TOKEN = 'rollup-e2e-token-0123456789';
const DAY_MS = 86_400_000;

/** Writes rows as a lake under dataDir: one sorted, compacted file per hour partition and the manifest. */
async function writeLake(dataDir: string, rows: readonly LakeRow[]): Promise<void> {
  const lakeDir = join(dataDir, 'lake');
  const writer = await TestLake.create();
  try {
    const byPartition = new Map<string, LakeRow[]>();
    for (const r of rows) byPartition.set(partitionOf(r.ts), [...(byPartition.get(partitionOf(r.ts)) ?? []), r]);
    const files: ManifestFile[] = [];
    for (const [partition, group] of [...byPartition].sort()) {
      const key = `${EVENTS_PREFIX}${partition}/part-0001.parquet`;
      mkdirSync(join(lakeDir, EVENTS_PREFIX, partition), { recursive: true });
      await writer.writeParquet(join(lakeDir, key), group);
      files.push({ key, partition, rows: group.length, bytes: statSync(join(lakeDir, key)).size, schema: LAKE_SCHEMA_VERSION, compacted: true });
    }
    const manifest: Manifest = { format: 'clicklake-manifest', version: 1, generation: 1, checkpoint: null, files, pendingDeletes: [], updatedAt: new Date().toISOString() };
    mkdirSync(join(lakeDir, '_clicklake'), { recursive: true });
    writeFileSync(join(lakeDir, MANIFEST_KEY), JSON.stringify(manifest));
  } finally {
    await writer.cleanup();
  }
}

async function rollupGauge(url: string, unit: 'days' | 'hours'): Promise<number> {
  const m = new RegExp(`^clicklake_query_rollup_${unit} (\\d+)`, 'm').exec(await (await fetch(`${url}/metrics`)).text());
  return m ? Number(m[1]) : -1;
}
const rollupDays = (url: string) => rollupGauge(url, 'days');

test('a server rolls up past days, answers as without the rollup, and reuses it after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clicklake-rollup-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Six closed days and today (UTC), today's later hours included: the rollup holds today's closed hours only.
  const todayStart = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const start = new Date(todayStart - 6 * DAY_MS).toISOString().slice(0, 10);
  const last = new Date(Date.parse(`${start}T00:00:00Z`) + 4 * DAY_MS).toISOString().slice(0, 10);
  const today = new Date(todayStart).toISOString().slice(0, 10);
  const data = generateDataset({ visitors: 25, days: 7, start });
  await writeLake(dataDir, data.rows);

  const range = `site=shop&from=${start}&to=${last}`;
  const withToday = `site=shop&from=${start}&to=${today}`;
  const paths = [
    `/api/stats/overview?${withToday}`,
    `/api/stats/pages?${withToday}&limit=50`,
    `/api/stats/sources?${withToday}&limit=50`,
    `/api/stats/clicks?${withToday}&limit=50`,
    `/api/stats/overview?${range}`,
    `/api/stats/overview?${range}&filter=country:DE`,
    `/api/stats/pages?${range}&limit=50`,
    `/api/stats/sources?${range}&limit=50`,
    `/api/stats/audience?${range}&limit=50`,
    `/api/stats/clicks?${range}&limit=50`,
    `/api/stats/events?${range}`,
    '/api/sites',
  ];
  const answers = async (url: string) => {
    const out: unknown[] = [];
    for (const p of paths) {
      const res = await fetch(`${url}${p}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(res.status, 200, `${p}: ${await res.clone().text()}`);
      out.push(await res.json());
    }
    return out;
  };
  const open = (rollup: boolean) =>
    startClicklake(parseConfig({ port: 0, dataDir, adminToken: TOKEN, query: { rollup, rollupSettleMs: 0 } }), { logger: pino({ level: 'silent' }) });

  let app = await open(true);
  const hours = 6 * 24 + Math.floor((Date.now() - todayStart) / 3_600_000);
  await waitFor(async () => (await rollupDays(app.url)) === 6 && (await rollupGauge(app.url, 'hours')) >= hours, 60_000, 'the rollup of 6 days and today');
  assert.ok(existsSync(join(dataDir, 'cache', 'rollup', 'rollup.duckdb')));
  const withRollup = await answers(app.url);
  assert.equal((withRollup[4] as any).data.current.sessions, data.sessions.filter((s) => s.day <= last).length);
  assert.equal((withRollup[0] as any).data.current.sessions, data.sessions.length);
  await app.stop();

  // A restart finds the stored days at once (no rebuild).
  app = await open(true);
  assert.equal(await rollupDays(app.url), 6);
  assert.deepEqual(await answers(app.url), withRollup);
  await app.stop();

  app = await open(false);
  try {
    assert.equal(await rollupDays(app.url), -1, 'no rollup gauge when query.rollup is false');
    assert.deepEqual(await answers(app.url), withRollup);
  } finally {
    await app.stop();
  }
});
