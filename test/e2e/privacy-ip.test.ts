// End to end: the raw client IP never reaches disk. The real server (in-process, real sockets) behind a "proxy" (127.0.0.1 is trusted,
// so X-Forwarded-For names the client) receives events from several public IPv4 and IPv6 clients; then EVERY file
// of the data dir is searched for each raw IP string: spool segments and everything else as raw bytes, Parquet
// files decoded (every column read back as text with DuckDB), the manifest, and the server's whole log (debug level).
// Run with privacy.ip = "drop" (no IP at all) and "truncate" (only the /24 or /48 form).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { pino } from 'pino';
import { parseConfig } from '../../src/core/config.js';
import { startClicklake } from '../../src/server/index.js';
import { apiQuery, TEST_TOKEN, tempDir } from '../helpers/server.js';

const UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0';
/** Client IP -> what privacy.ip = "truncate" keeps, and the country the shipped database gives. */
const CLIENTS: [ip: string, truncated: string, country: string][] = [
  ['81.2.69.142', '81.2.69.0', 'GB'],
  ['8.8.8.8', '8.8.8.0', 'US'],
  ['1.1.1.1', '1.1.1.0', 'AU'],
  ['133.242.0.17', '133.242.0.0', 'JP'],
  ['2001:67c:2e8:22::c100:68b', '2001:67c:2e8::', 'NL'],
];
const EVENTS_PER_CLIENT = 3;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name));
}

/** Every value of every Parquet file as text (one string). */
async function parquetText(paths: string[]): Promise<string> {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  try {
    let out = '';
    for (const p of paths) {
      const reader = await conn.runAndReadAll(`SELECT COLUMNS(*)::VARCHAR FROM read_parquet('${p.replace(/'/g, "''")}')`);
      for (const row of reader.getRows()) out += row.map((v) => String(v)).join('\t') + '\n';
    }
    return out;
  } finally {
    conn.closeSync();
  }
}

/** Raw IPs found in the data dir (raw bytes, Parquet decoded) and in the log. */
async function leaks(dataDir: string, log: string): Promise<{ where: string; ip: string }[]> {
  const found: { where: string; ip: string }[] = [];
  const all = files(dataDir);
  const parquet = all.filter((f) => f.endsWith('.parquet'));
  const decoded = parquet.length > 0 ? await parquetText(parquet) : '';
  for (const [ip] of CLIENTS) {
    for (const f of all) if (!f.endsWith('.parquet') && readFileSync(f).includes(ip)) found.push({ where: f, ip });
    if (decoded.includes(ip)) found.push({ where: 'parquet (decoded)', ip });
    if (log.includes(ip)) found.push({ where: 'server log', ip });
  }
  return found;
}

for (const mode of ['drop', 'truncate'] as const) {
  test(`privacy.ip = ${mode}: no raw client IP in the spool, the lake, the manifest or the logs`, async (t) => {
    const tmp = tempDir(`privacy-${mode}`);
    t.after(() => tmp.cleanup());
    const dataDir = join(tmp.path, 'data');
    let log = '';
    const logger = pino({ level: 'debug' }, { write: (line: string) => void (log += line) });
    const app = await startClicklake(
      parseConfig({
        port: 0,
        host: '127.0.0.1',
        dataDir,
        adminToken: TEST_TOKEN,
        collector: { trustedProxies: ['127.0.0.1', '::1'] },
        privacy: { ip: mode },
        writer: { intervalMs: 60_000 }, // the rows stay in the spool until the stop's final flush
      }),
      { logger },
    );
    let stopped = false;
    t.after(async () => {
      if (!stopped) await app.stop();
    });
    const server = { url: `http://127.0.0.1:${app.port}`, output: () => log };

    for (const [ip] of CLIENTS) {
      const events = Array.from({ length: EVENTS_PER_CLIENT }, (_, i) => ({
        type: i === 0 ? 'page_view' : 'click',
        site_id: 'privacy',
        url: 'https://shop.example/checkout?step=2&token=secret-token',
        referrer: 'https://www.google.com/',
      }));
      const res = await fetch(`${server.url}/collect`, {
        method: 'POST',
        headers: { 'content-type': 'text/plain', 'user-agent': UA, 'x-forwarded-for': `203.0.113.99, ${ip}` },
        body: JSON.stringify(events),
      });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { accepted: EVENTS_PER_CLIENT, rejected: [] });
    }

    // The enrichment used the forwarded IPs (countries, cookieless ids), and stored only what the mode allows.
    const rows = await apiQuery(server.url, "SELECT ip, country, anonymous_id, page_url, channel FROM events WHERE site_id = 'privacy'");
    assert.equal(rows.length, CLIENTS.length * EVENTS_PER_CLIENT);
    assert.deepEqual(new Set(rows.map((r) => r.country)), new Set(CLIENTS.map((c) => c[2])));
    assert.equal(new Set(rows.map((r) => r.anonymous_id)).size, CLIENTS.length, 'one cookieless id per client');
    assert.ok(rows.every((r) => r.page_url === 'https://shop.example/checkout?step=2' && r.channel === 'organic_search'));
    const ips = new Set(rows.map((r) => r.ip));
    assert.deepEqual(ips, mode === 'drop' ? new Set([null]) : new Set(CLIENTS.map((c) => c[1])));

    // Before the flush: the rows are in the spool.
    const spooled = files(dataDir).filter((f) => f.includes(`${join('data', 'spool')}`));
    assert.ok(spooled.length > 0, 'spool segments exist');
    assert.deepEqual(await leaks(dataDir, server.output()), [], 'nothing leaked while spooled');

    await app.stop();
    stopped = true;
    const parquet = files(dataDir).filter((f) => f.endsWith('.parquet'));
    assert.ok(parquet.length > 0, 'the stop flushed the events to Parquet');
    const decoded = await parquetText(parquet);
    assert.equal(decoded.split('\n').filter((l) => l.includes('https://shop.example/checkout')).length, CLIENTS.length * EVENTS_PER_CLIENT);
    assert.ok(!decoded.includes('secret-token'), 'redacted query parameter not in the lake');
    for (const [, truncated] of CLIENTS) {
      assert.equal(decoded.includes(`\t${truncated}\t`), mode === 'truncate', `truncated ${truncated} present iff truncate`);
    }
    assert.ok(files(dataDir).some((f) => f.endsWith('manifest.json')), 'manifest searched too');
    assert.deepEqual(await leaks(dataDir, server.output()), [], 'nothing leaked after the flush');
  });
}
