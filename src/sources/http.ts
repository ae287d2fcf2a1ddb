// One careful HTTP request for every capture: a deadline, a cap on the body, no
// redirects to another host, and errors a person can act on. GET for the most;
// POST for the query APIs that take a body (Pyroscope's Connect API).

import { err, ok, type Result } from '../errors.js';

export interface GetOptions {
  timeoutMs: number;
  maxBytes: number;
  signal?: AbortSignal;
  /** A read-only query sent as POST (it may be asked again, like a GET). */
  post?: { body: Uint8Array; headers: Record<string, string> };
}

export interface Response {
  status: number;
  headers: Headers;
  body: Buffer;
}

const MAX_REDIRECTS = 3;

function describe(e: unknown, timeoutMs: number, url: URL): string {
  const error = e as Error & { cause?: { code?: string } };
  if (error.name === 'TimeoutError') return `no complete answer within ${Number((timeoutMs / 1000).toFixed(1))} s`;
  if (error.name === 'AbortError') return 'cancelled';
  // fetch refuses some ports outright (9, 6000, 10080…: the Fetch standard's "bad ports").
  if ((error.cause as Error | undefined)?.message === 'bad port') return `port ${url.port} is one fetch will not connect to (the Fetch standard's bad ports); serve on another`;
  const code = error.cause?.code;
  if (code === 'ECONNREFUSED') return `connection refused by ${url.host} (is the service running?)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `cannot resolve ${url.hostname}`;
  if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return `${url.host} closed the connection`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${url.host} is unreachable`;
  return error.message || String(e);
}

/** GET `url` (or POST a query to it); the error is one line naming what went wrong. */
export async function get(url: string, options: GetOptions): Promise<Result<Response>> {
  let current = new URL(url);
  const signals = [AbortSignal.timeout(Math.max(1, Math.ceil(options.timeoutMs)))];
  if (options.signal) signals.push(options.signal);
  const signal = AbortSignal.any(signals);
  let retried = false;
  for (let hop = 0; ; hop++) {
    let res: globalThis.Response;
    try {
      res = await fetch(current, { redirect: 'manual', signal, ...(options.post ? { method: 'POST', body: Buffer.from(options.post.body), headers: options.post.headers } : {}) });
    } catch (e) {
      // A kept-alive connection the server closed while idle fails the next request at once: it is asked again, once.
      const code = (e as { cause?: { code?: string } }).cause?.code;
      if (!retried && (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') && !signal.aborted) {
        retried = true;
        hop--;
        continue;
      }
      return err(describe(e, options.timeoutMs, current));
    }
    if (res.status >= 300 && res.status < 400 && res.headers.has('location')) {
      await res.body?.cancel();
      const next = new URL(res.headers.get('location') as string, current);
      if (next.origin !== current.origin) return err(`redirected to another host (${next.origin}); refused`);
      if (hop >= MAX_REDIRECTS) return err('too many redirects');
      current = next;
      continue;
    }
    const declared = Number(res.headers.get('content-length') ?? NaN);
    if (declared > options.maxBytes) {
      await res.body?.cancel();
      return err(`the answer is ${formatBytes(declared)}, over the ${formatBytes(options.maxBytes)} limit`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of res.body ?? []) {
        size += chunk.length;
        if (size > options.maxBytes) {
          await res.body?.cancel().catch(() => undefined);
          return err(`the answer is over the ${formatBytes(options.maxBytes)} limit`);
        }
        chunks.push(Buffer.from(chunk));
      }
    } catch (e) {
      return err(describe(e, options.timeoutMs, current));
    }
    return ok({ status: res.status, headers: res.headers, body: Buffer.concat(chunks, size) });
  }
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30) return `${(n / (1 << 30)).toFixed(1)} GB`;
  if (n >= 1 << 20) return `${Math.round(n / (1 << 20))} MB`;
  if (n >= 1 << 10) return `${Math.round(n / (1 << 10))} kB`;
  return `${n} bytes`;
}
