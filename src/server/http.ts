// The bot's HTTP server: a small table of routes, one port. Chat platforms,
// the console page and (later) alert webhooks each add their routes.
import { metrics, surfaceOf } from '../telemetry/metrics.js';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { log } from '../telemetry/log.js';
import { serveInSpan } from '../telemetry/spans.js';

export type Handler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

export interface Route {
  method: 'GET' | 'POST';
  /** An exact path, or a pattern with named groups for parameters. */
  path: string | RegExp;
  handler: Handler;
}

export function send(res: ServerResponse, status: number, body: string | Buffer, type = 'text/plain; charset=utf-8'): void {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8');
}

/** Reads a request body up to `max` bytes; undefined when it is larger (the caller answers 413). */
export async function readBody(req: IncomingMessage, max = 1 << 20): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The route a request matched, for its span's name: `/reports/{id}`, not each report's own path. */
function routeOf(r: Route, path: string, params: Record<string, string>): string {
  if (typeof r.path === 'string') return r.path;
  return Object.entries(params).reduce((p, [name, value]) => (value ? p.replace(value, `{${name}}`) : p), path);
}

export function startServer(routes: Route[], port: number, host = '0.0.0.0'): Promise<{ server: Server; port: number }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const t0 = performance.now();
    // 'close' also fires when the client gives up first: the slowest acks are the ones that matter.
    res.once('close', () =>
      metrics.requests.observe({ surface: surfaceOf(url.pathname), status: `${Math.floor(res.statusCode / 100)}xx` }, (performance.now() - t0) / 1000),
    );
    for (const r of routes) {
      if (r.method !== req.method) continue;
      const params: Record<string, string> = {};
      if (typeof r.path === 'string') {
        if (r.path !== url.pathname) continue;
      } else {
        const m = r.path.exec(url.pathname);
        if (!m) continue;
        Object.assign(params, m.groups ?? {});
      }
      serveInSpan(req, res, url.pathname, routeOf(r, url.pathname, params), () => {
        Promise.resolve(r.handler(req, res, params)).catch((e) => {
          log.error({ err: e, path: url.pathname }, 'request failed');
          send(res, 500, 'something went wrong on our side\n');
        });
      });
      return;
    }
    serveInSpan(req, res, url.pathname, undefined, () => send(res, 404, 'not found\n'));
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : port });
    });
  });
}
