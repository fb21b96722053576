/**
 * Collector throughput against a bare node:http server that only JSON.parses the same body (not a test; by hand):
 *   node dist/bench/collector/http.bench.js [seconds=10] [rounds=3] [connections=50]
 * Each server runs in its own child process (the load generator, autocannon, in this one); rounds alternate the two
 * servers so background load hits both alike. Body: a batch of 20 typical events. The collector's buffer is a no-op
 * (this measures the HTTP stage, not the spool's fsync).
 *
 * Two numbers per server: events/s as autocannon saw them, and the server process's CPU time per request. On a
 * shared or small machine the load generator competes with the server for CPU, so the CPU ratio
 * (bare CPU per request / collector CPU per request = the events/s ratio once each server has a core to itself) is
 * the steadier of the two.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import Fastify from 'fastify';
import { parseConfig } from '../../src/core/config.js';
import { collectorPlugin } from '../../src/collector/index.js';
import { typicalEvents } from './normalize.bench.js';

type Mode = 'bare' | 'fastify' | 'collector';
const MODES: readonly Mode[] = ['bare', 'fastify', 'collector'];

async function serve(mode: Mode): Promise<number> {
  if (mode === 'bare') {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const events = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown[];
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ accepted: events.length, rejected: [] }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }
  const app = Fastify({ logger: false });
  if (mode === 'fastify') {
    // Fastify alone: the same JSON.parse, no collector (splits the gap into framework and collector).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('text/plain', { parseAs: 'buffer' }, (_r, body, done) => done(null, body));
    app.post('/collect', async (request) => {
      const events = JSON.parse((request.body as Buffer).toString('utf8')) as unknown[];
      return { accepted: events.length, rejected: [] };
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return (app.server.address() as { port: number }).port;
  }
  const cfg = parseConfig({});
  await app.register(collectorPlugin, { buffer: { append: async () => {} }, collector: cfg.collector, sites: cfg.sites });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as { port: number }).port;
}

interface Result {
  requests: { average: number; total: number };
  errors: number;
  non2xx: number;
}

async function load(port: number, seconds: number, connections: number, body: string): Promise<Result> {
  const autocannon = createRequire(import.meta.url)('autocannon') as (o: object) => Promise<Result>;
  return autocannon({
    url: `http://127.0.0.1:${port}/collect`,
    method: 'POST',
    headers: { 'content-type': 'text/plain;charset=UTF-8', origin: 'https://shop.example.com', 'user-agent': 'Mozilla/5.0 bench' },
    body,
    connections,
    duration: seconds,
  });
}

async function start(mode: Mode): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(fileURLToPath(import.meta.url), ['--serve', mode]);
  const port = await new Promise<number>((r) => child.once('message', (m) => r(Number(m))));
  return { child, port };
}

/** The child's CPU time (user + system, microseconds) since it started. */
function cpuOf(child: ChildProcess): Promise<number> {
  return new Promise((r) => {
    child.once('message', (m) => r(Number(m)));
    child.send('cpu');
  });
}

async function main(): Promise<void> {
  const [seconds = 10, rounds = 3, connections = 50] = process.argv.slice(2).map(Number);
  const body = JSON.stringify(typicalEvents(20, Date.now()));
  console.log(`batch: 20 events, ${Buffer.byteLength(body)} bytes; ${connections} connections, ${seconds}s per run`);
  const totals: Record<Mode, number[]> = { bare: [], fastify: [], collector: [] };
  const cpus: Record<Mode, number[]> = { bare: [], fastify: [], collector: [] };
  for (let round = 0; round < rounds; round++) {
    for (const mode of MODES) {
      const { child, port } = await start(mode);
      await load(port, 1, connections, body); // warm-up
      const cpu0 = await cpuOf(child);
      const r = await load(port, seconds, connections, body);
      const cpuPerRequest = ((await cpuOf(child)) - cpu0) / r.requests.total;
      child.kill();
      const eps = r.requests.average * 20;
      totals[mode].push(eps);
      cpus[mode].push(cpuPerRequest);
      console.log(
        `round ${round} ${mode.padEnd(9)} ${r.requests.average.toFixed(0)} req/s = ${eps.toFixed(0)} events/s, ` +
          `server CPU ${cpuPerRequest.toFixed(0)} us/request (errors ${r.errors}, non-2xx ${r.non2xx})`,
      );
    }
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log(`events/s ratio collector / bare = ${(avg(totals.collector) / avg(totals.bare)).toFixed(2)} (target >= 0.6)`);
  const best = (xs: number[]) => Math.min(...xs);
  console.log(`CPU ratio bare / collector per request = ${(best(cpus.bare) / best(cpus.collector)).toFixed(2)} (best rounds)`);
  console.log(`CPU ratio bare / fastify-only per request = ${(best(cpus.bare) / best(cpus.fastify)).toFixed(2)} (best rounds)`);
}

const serveAt = process.argv.indexOf('--serve');
if (serveAt !== -1) {
  const port = await serve(process.argv[serveAt + 1] as Mode);
  process.on('message', () => {
    const cpu = process.cpuUsage();
    process.send?.(cpu.user + cpu.system);
  });
  process.send?.(port);
} else if (process.argv[1]?.endsWith('http.bench.js')) {
  await main();
}
