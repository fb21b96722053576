import { copyFile, link, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { type SectionContext, fmt } from '../context.js';
import { join } from 'node:path';
import { EVENTS_PREFIX, LAKE_SCHEMA_VERSION, MANIFEST_KEY, type Manifest, type ManifestFile } from '../../src/core/lake.js';
import { buildCatalog } from '../gen/catalog.js';
import { sqlString, withDuck } from '../duck.js';
import { catalogStatements } from './catalog-sql.js';
import { dayStatements, enrichmentLookupStatements, eventsPerDay, visitorsStatement } from './events-sql.js';

/**
 * A generated query-benchmark lake (`lake/events/dt=/hour=/part-0.parquet` + `lake/_clicklake/manifest.json`),
 * cached under `cacheRoot/<key>/` so reruns skip the generation. `meta.json` is written last: a directory without
 * it is an interrupted generation and is rebuilt.
 *
 * Bump LAKE_VERSION whenever the generator's output changes.
 */
// v3: lake schema 2 with the enrichment columns filled. v4: files sorted and marked as compaction leaves them (a
// server given the lake would otherwise spend the first minutes compacting all of it while the bench measures).
export const LAKE_VERSION = 'lake-v4';

export interface LakeMeta {
  readonly version: string;
  readonly events: number;
  readonly days: number;
  /** The lake covers [endDate - days, endDate) (UTC dates, YYYY-MM-DD). */
  readonly endDate: string;
  readonly files: number;
  readonly bytes: number;
  readonly generatedAt: string;
  readonly generateSeconds: number;
}

export interface CachedLake {
  readonly dir: string;
  readonly meta: LakeMeta;
  readonly regenerated: boolean;
}

/** The lake the query sections share (knobs queryEvents/queryDays/queryVisitors), generated once and cached. */
export async function ensureQueryLake(ctx: SectionContext, section: string): Promise<CachedLake> {
  const { knobs } = ctx;
  const cached = await ensureLake({
    cacheRoot: knobs.cacheDir,
    events: knobs.queryEvents,
    days: knobs.queryDays,
    visitors: knobs.queryVisitors,
    log: (l) => ctx.log(`  ${l}`),
  });
  if (!cached.regenerated) ctx.log(`${section}: using the cached lake ${cached.dir} (${fmt(cached.meta.events)} events)`);
  return cached;
}

export async function ensureLake(opts: {
  cacheRoot: string;
  events: number;
  days: number;
  visitors: number;
  log: (line: string) => void;
}): Promise<CachedLake> {
  const dir = join(opts.cacheRoot, `${LAKE_VERSION}-${opts.events}ev-${opts.days}d-${opts.visitors}v`);
  try {
    const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as LakeMeta;
    if (meta.version === LAKE_VERSION) return { dir, meta, regenerated: false };
  } catch {
    // not generated yet (or interrupted): fall through
  }
  opts.log(`generating the ${opts.events.toLocaleString('en')}-event lake in ${dir} (cached for later runs) ...`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'lake', '_clicklake'), { recursive: true });
  await mkdir(join(dir, 'lake', 'events'), { recursive: true });
  const started = Date.now();
  const endEpochS = Math.floor(Date.now() / 86_400_000) * 86_400;
  const lakeDir = join(dir, 'lake');
  const startS = endEpochS - opts.days * 86_400;
  const perDay = eventsPerDay(opts.events, opts.days, startS);
  const counts = await withDuck({ tempDirectory: join(dir, 'duckdb-tmp'), memoryLimit: '4GB' }, async (conn) => {
    for (const sql of [...catalogStatements(buildCatalog()), visitorsStatement(opts.visitors), ...enrichmentLookupStatements()]) await conn.run(sql);
    for (let d = 0; d < opts.days; d++) {
      const dayStartS = startS + d * 86_400;
      for (const sql of dayStatements({ events: perDay[d]!, dayStartS, visitors: opts.visitors })) await conn.run(sql);
      const dt = new Date(dayStartS * 1000).toISOString().slice(0, 10);
      // One file per hour sorted as compaction leaves a closed hour (src/writer/compaction.ts), the steady state.
      await conn.run(
        `COPY (SELECT *, strftime(ts, '%H') AS hour FROM day_ev ORDER BY site_id, session_id, ts) ` +
          `TO ${sqlString(join(lakeDir, 'events', `dt=${dt}`))} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (hour), ` +
          `FILENAME_PATTERN 'part-{i}', OVERWRITE_OR_IGNORE)`,
      );
      if ((d + 1) % 10 === 0 || d === opts.days - 1) opts.log(`  ... ${d + 1}/${opts.days} days`);
    }
    const reader = await conn.runAndReadAll(
      `SELECT filename, count(*)::INTEGER AS n FROM read_parquet(${sqlString(join(lakeDir, 'events/*/*/*.parquet'))}, ` +
        `filename = true, hive_partitioning = false) GROUP BY filename`,
    );
    return new Map(reader.getRowObjectsJson().map((r) => [String(r.filename), Number(r.n)]));
  });
  await rm(join(dir, 'duckdb-tmp'), { recursive: true, force: true });
  const files = await manifestFiles(lakeDir, counts);
  const manifest: Manifest = {
    format: 'clicklake-manifest',
    version: 1,
    generation: 1,
    checkpoint: null,
    files,
    pendingDeletes: [],
    updatedAt: new Date().toISOString(),
  };
  await writeFile(join(lakeDir, MANIFEST_KEY), JSON.stringify(manifest, null, 1));
  const meta: LakeMeta = {
    version: LAKE_VERSION,
    events: files.reduce((n, f) => n + f.rows, 0),
    days: opts.days,
    endDate: new Date(endEpochS * 1000).toISOString().slice(0, 10),
    files: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    generatedAt: new Date().toISOString(),
    generateSeconds: (Date.now() - started) / 1000,
  };
  await writeFile(join(dir, 'meta.json'), JSON.stringify(meta, null, 1));
  opts.log(`lake generated: ${meta.events} events, ${meta.files} files, ${(meta.bytes / 1e6).toFixed(1)} MB in ${meta.generateSeconds.toFixed(1)} s`);
  return { dir, meta, regenerated: true };
}

async function manifestFiles(lakeDir: string, counts: Map<string, number>): Promise<ManifestFile[]> {
  const files: ManifestFile[] = [];
  const eventsDir = join(lakeDir, EVENTS_PREFIX);
  for (const dt of (await readdir(eventsDir)).sort()) {
    for (const hour of (await readdir(join(eventsDir, dt))).sort()) {
      for (const name of (await readdir(join(eventsDir, dt, hour))).sort()) {
        const path = join(eventsDir, dt, hour, name);
        const partition = `${dt}/${hour}`;
        files.push({ key: `${EVENTS_PREFIX}${partition}/${name}`, partition, rows: counts.get(path) ?? 0, bytes: (await stat(path)).size, schema: LAKE_SCHEMA_VERSION, compacted: true });
      }
    }
  }
  return files;
}

/** Makes `<dataDir>/lake` a copy of the cached lake: Parquet files hard-linked (cheap), the manifest copied. */
export async function installLake(cached: CachedLake, dataDir: string): Promise<void> {
  const src = join(cached.dir, 'lake');
  const dst = join(dataDir, 'lake');
  const manifest = JSON.parse(await readFile(join(src, MANIFEST_KEY), 'utf8')) as Manifest;
  await mkdir(join(dst, '_clicklake'), { recursive: true });
  for (const f of manifest.files) {
    await mkdir(join(dst, EVENTS_PREFIX, f.partition), { recursive: true });
    await link(join(src, f.key), join(dst, f.key)).catch(() => copyFile(join(src, f.key), join(dst, f.key)));
  }
  await copyFile(join(src, MANIFEST_KEY), join(dst, MANIFEST_KEY));
}
