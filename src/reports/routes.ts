// GET /reports/<id>: a saved report's page. Nothing else under /reports
// answers: no index, and an unknown, expired or malformed id gets the same
// one-line 404, so the answers tell nothing about which ids exist.
import type { ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { reportPage } from '../../templates/report-page.js';
import type { Route } from '../server/http.js';
import type { ReportStore } from './store.js';

const gzipAsync = promisify(gzip);

function notFound(res: ServerResponse): void {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'x-robots-tag': 'noindex, nofollow', 'x-content-type-options': 'nosniff' });
  res.end('no such report\n');
}

function acceptsGzip(header: string | undefined): boolean {
  return (header ?? '').split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return coding.trim() === 'gzip' && (q === undefined || Number(q.slice(2)) > 0);
  });
}

/** The link to a saved report, under the bot's public base URL. */
export function reportUrl(base: string, id: string): string {
  return new URL(`reports/${encodeURIComponent(id)}`, base.endsWith('/') ? base : `${base}/`).href;
}

export function reportRoutes(store: ReportStore, opts: { traceUrl?: string } = {}): Route[] {
  return [
    {
      method: 'GET',
      path: /^\/reports\/(?<id>[A-Za-z0-9_-]+)$/,
      handler: async (req, res, params) => {
        const saved = await store.load(params.id);
        if (!saved) return notFound(res);
        const page = reportPage({ ...saved, traceUrl: opts.traceUrl });
        const headers: Record<string, string> = {
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy': page.csp,
          'cache-control': 'private',
          'x-robots-tag': 'noindex, nofollow',
          'referrer-policy': 'no-referrer',
          'x-content-type-options': 'nosniff',
          vary: 'accept-encoding',
        };
        // Flame graphs make pages of megabytes that shrink several times over.
        let body: Buffer = Buffer.from(page.html, 'utf8');
        if (acceptsGzip(req.headers['accept-encoding']) && body.length > 1024) {
          body = await gzipAsync(body);
          headers['content-encoding'] = 'gzip';
        }
        headers['content-length'] = String(body.length);
        res.writeHead(200, headers);
        res.end(body);
      },
    },
    // Everything else under /reports, /reports/ itself included.
    { method: 'GET', path: /^\/reports(\/.*)?$/, handler: (_req, res) => notFound(res) },
    { method: 'POST', path: /^\/reports(\/.*)?$/, handler: (_req, res) => notFound(res) },
  ];
}
