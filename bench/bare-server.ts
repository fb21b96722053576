/**
 * The ingest baseline: the least a Node HTTP endpoint can do with a batch (read the body, JSON.parse it, answer
 * 200 with the same response shape as the collector). No validation, no disk. Run as its own process:
 *   node dist/bench/bare-server.js <port>
 * GET /healthz answers 200; SIGTERM closes it.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 0);

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    let accepted = 0;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
      accepted = Array.isArray(body) ? body.length : 0;
    } catch {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":{"code":"BAD_JSON"}}');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(`{"accepted":${accepted},"rejected":[]}`);
  });
});

server.keepAliveTimeout = 65_000;
server.listen(port, '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`bare server listening on http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}\n`);
});
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
});
