// A demo service with a fault, runnable wherever Node is. It serves what a
// real service offers the bot: its profiles on /debug/pprof/* in pprof format
// (through @datadog/pprof), a health probe, Prometheus metrics on /metrics and
// a JSON log file. It starts healthy; POST /fault?on=1 turns the fault on: every
// /orders request then re-serialises a large catalogue, a CPU hotspot in
// application code that blocks the event loop.
//
// Run: node --expose-gc dist/src/demo/target.js [--port N] [--log file] [--fault]; prints {"port":N} once listening.

import { appendFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import * as pprof from '@datadog/pprof';

const catalogue = Array.from({ length: 2000 }, (_, i) => ({
  id: `sku-${i}`,
  name: `Item ${i}`,
  price: (i * 37) % 1000,
  tags: ['a', 'b', 'c'].map((t) => `${t}${i % 7}`),
}));

/**
 * The fault: the whole catalogue is serialised and parsed back for every item of an order, over
 * and over until the order has taken `atLeastMs`. The demo's load (40 orders a second) then
 * saturates the event loop on a fast machine as on a slow one: at a fixed amount of work, a fast
 * machine stayed under the 80% that turns the health probe and the warnings on.
 */
export function priceOrder(items: number, atLeastMs = 0): number {
  const t0 = performance.now();
  let total: number;
  do {
    total = 0;
    for (let i = 0; i < items; i++) {
      const copy = JSON.parse(JSON.stringify(catalogue)) as typeof catalogue;
      total += copy[i % copy.length].price;
    }
  } while (performance.now() - t0 < atLeastMs);
  return total;
}

/** The healthy way: the prices are read where they are. */
export function priceOrderFast(items: number): number {
  let total = 0;
  for (let i = 0; i < items; i++) total += catalogue[i % catalogue.length].price;
  return total;
}

let faulty = false;
let logFile: string | undefined;
const counts = { orders: 0, slow: 0 };

function logLine(level: 'info' | 'warn', msg: string, fields: Record<string, unknown> = {}): void {
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
}

// How busy the event loop was over the last second, as a Node service watches it (fastify's under-pressure does the same,
// at the same interval). Every second, so that a 10-s window holds enough of its warnings even when a loaded machine stretches the timer.
let busy = 0;
let lastUse = performance.eventLoopUtilization();
setInterval(() => {
  const now = performance.eventLoopUtilization();
  busy = performance.eventLoopUtilization(now, lastUse).utilization;
  lastUse = now;
  if (busy > 0.8) logLine('warn', `event loop ${Math.round(busy * 100)}% busy: CPU-bound work on the main thread`);
}, 1000).unref();

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  res.writeHead(status, { 'content-type': type });
  res.end(body);
}

function metrics(): string {
  const cpu = process.cpuUsage();
  return [
    '# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.',
    '# TYPE process_cpu_seconds_total counter',
    `process_cpu_seconds_total ${(cpu.user + cpu.system) / 1e6}`,
    '# HELP nodejs_eventloop_utilization The share of the last second the event loop was busy.',
    '# TYPE nodejs_eventloop_utilization gauge',
    `nodejs_eventloop_utilization ${busy}`,
    '# HELP demo_orders_total Orders priced.',
    '# TYPE demo_orders_total counter',
    `demo_orders_total{outcome="ok"} ${counts.orders - counts.slow}`,
    `demo_orders_total{outcome="slow"} ${counts.slow}`,
    '',
  ].join('\n');
}

let profiling = false;

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/orders') {
    const t0 = performance.now();
    const total = faulty ? priceOrder(8, 30) : priceOrderFast(8);
    const ms = Math.round(performance.now() - t0);
    counts.orders++;
    if (ms >= 20) {
      counts.slow++;
      logLine('warn', `slow order: pricing took ${ms} ms`, { path: '/orders' });
    } else if (counts.orders % 10 === 0) logLine('info', `order priced in ${ms} ms`, { path: '/orders' });
    return send(res, 200, 'application/json', JSON.stringify({ total }));
  }
  if (url.pathname === '/fault' && req.method === 'POST') {
    faulty = url.searchParams.get('on') === '1';
    logLine('info', `fault ${faulty ? 'on' : 'off'}`);
    return send(res, 200, 'application/json', JSON.stringify({ fault: faulty }));
  }
  if (url.pathname === '/health') {
    if (busy > 0.8) return send(res, 503, 'application/json', JSON.stringify({ status: 'degraded', reason: `event loop ${Math.round(busy * 100)}% busy: CPU saturated` }));
    return send(res, 200, 'application/json', JSON.stringify({ status: 'OK' }));
  }
  if (url.pathname === '/metrics') return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metrics());
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

export interface TargetOptions {
  port?: number;
  /** Where the service writes its JSON log lines; none when unset. */
  log?: string;
  /** Start with the fault on (rca-bot demo shows the hotspot at once). */
  fault?: boolean;
}

export function startTarget(o: TargetOptions = {}): Promise<{ port: number; close: () => Promise<void> }> {
  logFile = o.log;
  faulty = o.fault ?? false;
  pprof.heap.start(512 * 1024, 64);
  const server = createServer((req, res) => {
    handle(req, res).catch((e) => send(res, 500, 'text/plain', `${(e as Error).message}\n`));
  });
  return new Promise((resolve) => {
    server.listen(o.port ?? 0, '127.0.0.1', () => {
      const address = server.address();
      logLine('info', 'demo-api listening');
      resolve({
        port: typeof address === 'object' && address ? address.port : (o.port ?? 0),
        close: () => new Promise((r) => server.close(() => r())),
      });
    });
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '0' }, log: { type: 'string' }, fault: { type: 'boolean', default: false } } });
  const { port: listening } = await startTarget({ port: Number(values.port), ...(values.log ? { log: values.log } : {}), fault: values.fault });
  process.stdout.write(`${JSON.stringify({ port: listening })}\n`);
}
