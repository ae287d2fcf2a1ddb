// A demo service with a fault, runnable wherever Node is: it serves its own
// profiles on /debug/pprof/* in pprof format (through @datadog/pprof), so
// rca-bot can be shown without a Go toolchain. Its fault: every /orders
// request re-serialises a large catalogue, a CPU hotspot in application code.
//
// Run: node --expose-gc dist/src/demo/target.js [port]; prints {"port":N} once listening.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as pprof from '@datadog/pprof';

const catalogue = Array.from({ length: 2000 }, (_, i) => ({
  id: `sku-${i}`,
  name: `Item ${i}`,
  price: (i * 37) % 1000,
  tags: ['a', 'b', 'c'].map((t) => `${t}${i % 7}`),
}));

/** The fault: the whole catalogue is serialised and parsed back for every order. */
export function priceOrder(items: number): number {
  let total = 0;
  for (let i = 0; i < items; i++) {
    const copy = JSON.parse(JSON.stringify(catalogue)) as typeof catalogue;
    total += copy[i % copy.length].price;
  }
  return total;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

let profiling = false;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/orders') return send(res, 200, 'application/json', JSON.stringify({ total: priceOrder(4) }));
  if (url.pathname === '/health') return send(res, 200, 'application/json', JSON.stringify({ status: 'OK' }));
  if (url.pathname === '/debug/pprof/profile') {
    const seconds = Number(url.searchParams.get('seconds') ?? '30') || 30;
    // Like Go: one CPU profile at a time.
    if (profiling) {
      res.setHeader('X-Go-Pprof', '1');
      return send(res, 500, 'text/plain; charset=utf-8', 'Could not enable CPU profiling: cpu profiling already in use\n');
    }
    profiling = true;
    pprof.time.start({ durationMillis: seconds * 1000, intervalMicros: 10_000 });
    await new Promise((r) => setTimeout(r, seconds * 1000));
    const profile = pprof.time.stop();
    profiling = false;
    return send(res, 200, 'application/octet-stream', await pprof.encode(profile));
  }
  if (url.pathname === '/debug/pprof/heap') {
    // Like Go's gc=1: collect first, so in-use means retained (needs node --expose-gc).
    if (url.searchParams.get('gc') === '1') (globalThis as { gc?: () => void }).gc?.();
    return send(res, 200, 'application/octet-stream', await pprof.encode(pprof.heap.profile()));
  }
  return send(res, 404, 'text/plain', 'not found\n');
}

export function startTarget(port = 0): Promise<{ port: number; close: () => Promise<void> }> {
  pprof.heap.start(512 * 1024, 64);
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, 'text/plain', `${(e as Error).message}\n`));
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        port: typeof address === 'object' && address ? address.port : port,
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { port } = await startTarget(Number(process.argv[2] ?? 0));
  process.stdout.write(`${JSON.stringify({ port })}\n`);
}
