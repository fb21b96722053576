// The dashboards' rollup through the composition root: a server given a lake of past days rolls them up in the
// background (the gauge reaches every day), its tiles answer exactly what a server without the rollup answers, and
// a restart reuses the rollup file instead of rebuilding it.
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

async function rollupDays(url: string): Promise<number> {
  const m = /^clicklake_query_rollup_days (\d+)/m.exec(await (await fetch(`${url}/metrics`)).text());
  return m ? Number(m[1]) : -1;
}

test('a server rolls up past days, answers as without the rollup, and reuses it after a restart', async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'clicklake-rollup-'));
  t.after(() => rmSync(dataDir, { recursive: true, force: true }));
  // Five whole days ending the day before yesterday (UTC): all closed.
  const start = new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - 6 * DAY_MS).toISOString().slice(0, 10);
  const last = new Date(Date.parse(`${start}T00:00:00Z`) + 4 * DAY_MS).toISOString().slice(0, 10);
  const data = generateDataset({ visitors: 25, days: 5, start });
  await writeLake(dataDir, data.rows);

  const range = `site=shop&from=${start}&to=${last}`;
  const paths = [
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
  await waitFor(async () => (await rollupDays(app.url)) === 5, 60_000, 'the rollup of 5 days');
  assert.ok(existsSync(join(dataDir, 'cache', 'rollup', 'rollup.duckdb')));
  const withRollup = await answers(app.url);
  assert.equal((withRollup[0] as any).data.current.sessions, data.sessions.filter((s) => s.day <= last).length);
  await app.stop();

  // A restart finds the stored days at once (no rebuild).
  app = await open(true);
  assert.equal(await rollupDays(app.url), 5);
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
