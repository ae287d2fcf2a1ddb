// get() against local servers that misbehave: every failure is a one-line
// error value (never a throw), and a body over the cap is never read whole.
import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, serve } from '../../test/helpers/server.js';
import { get } from './http.js';

afterEach(closeServers);

/** A port that was bound and released: nothing listens there. */
async function deadPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/**
 * Streams zeros for as long as the client reads, honouring back-pressure; resolves
 * with the bytes written once the client has gone away.
 */
function streamUntilClosed(res: ServerResponse): Promise<number> {
  const chunk = Buffer.alloc(64 << 10);
  let written = 0;
  let closed = false;
  const gone = new Promise<number>((resolve) => res.once('close', () => ((closed = true), resolve(written))));
  const pump = () => {
    while (!closed && written < 4 * 2 ** 30) {
      written += chunk.length;
      if (!res.write(chunk)) return void res.once('drain', pump);
    }
  };
  pump();
  return gone;
}

describe('get', () => {
  it('says the connection was refused when nothing listens', async () => {
    const port = await deadPort();
    const r = await get(`http://127.0.0.1:${port}/x`, { timeoutMs: 2000, maxBytes: 1000 });
    expect(r).toEqual({ ok: false, error: `connection refused by 127.0.0.1:${port} (is the service running?)` });
  });

  it("says when the port is one fetch will not use, instead of 'fetch failed'", async () => {
    const r = await get('http://127.0.0.1:6000/debug/pprof/', { timeoutMs: 1000, maxBytes: 1024 });
    expect(r).toEqual({ ok: false, error: "port 6000 is one fetch will not connect to (the Fetch standard's bad ports); serve on another" });
  });

  it('gives up on a server that accepts and never answers, after timeoutMs', async () => {
    const { url, requests } = await serve(() => {});
    const t0 = performance.now();
    const r = await get(`${url}/hang`, { timeoutMs: 300, maxBytes: 1000 });
    const ms = performance.now() - t0;
    expect(r).toEqual({ ok: false, error: 'no complete answer within 0.3 s' });
    expect(requests).toEqual(['/hang']);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(2000);
  });

  it('gives up on a body that stops halfway, after timeoutMs', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100));
    });
    const t0 = performance.now();
    const r = await get(url, { timeoutMs: 1500, maxBytes: 10_000 });
    expect(r).toEqual({ ok: false, error: 'no complete answer within 1.5 s' });
    expect(performance.now() - t0).toBeLessThan(4000);
  });

  it('says the server closed the connection when it hangs up without answering, twice', async () => {
    const { url, requests } = await serve((req) => req.socket.destroy());
    const r = await get(url, { timeoutMs: 5000, maxBytes: 1000 });
    expect(r).toEqual({ ok: false, error: `${new URL(url).host} closed the connection` });
    expect(requests).toHaveLength(2);
  });

  it('asks again, once, when a connection is closed before any answer (a kept-alive socket the server dropped)', async () => {
    let n = 0;
    const { url, requests } = await serve((req, res) => (n++ === 0 ? req.socket.destroy() : res.end('ok')));
    const r = await get(url, { timeoutMs: 5000, maxBytes: 1000 });
    expect(r.ok && r.value.body.toString()).toBe('ok');
    expect(requests).toHaveLength(2);
  });

  it('says the server closed the connection when it hangs up halfway through the body', async () => {
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('x'.repeat(100), () => res.destroy());
    });
    const r = await get(url, { timeoutMs: 5000, maxBytes: 10_000 });
    expect(r).toEqual({ ok: false, error: `${new URL(url).host} closed the connection` });
  });

  it('refuses a declared 2 GB answer before reading it, and hangs up', async () => {
    let served!: Promise<number>;
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': String(2 * 2 ** 30) });
      served = streamUntilClosed(res);
    });
    const t0 = performance.now();
    const r = await get(url, { timeoutMs: 30_000, maxBytes: 1 << 20 });
    expect(r).toEqual({ ok: false, error: 'the answer is 2.0 GB, over the 1 MB limit' });
    // The server sees the client go away, long before 2 GB could have been sent.
    const written = await served;
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(written).toBeLessThan(64 << 20);
  });

  it('stops reading a chunked answer once it passes the cap, and hangs up', async () => {
    let served!: Promise<number>;
    const { url } = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      served = streamUntilClosed(res);
    });
    const r = await get(url, { timeoutMs: 30_000, maxBytes: 1 << 20 });
    expect(r).toEqual({ ok: false, error: 'the answer is over the 1 MB limit' });
    expect(await served).toBeLessThan(64 << 20);
  });

  it('accepts an answer of exactly maxBytes', async () => {
    const { url } = await serve((_req, res) => res.end('x'.repeat(1000)));
    const r = await get(url, { timeoutMs: 2000, maxBytes: 1000 });
    expect(r.ok && r.value.body.length).toBe(1000);
  });

  it('refuses a redirect to another origin without following it', async () => {
    const other = await serve((_req, res) => res.end('secret'));
    const { url } = await serve((_req, res) => {
      res.writeHead(302, { location: `${other.url}/steal` });
      res.end();
    });
    const r = await get(`${url}/debug/pprof/heap`, { timeoutMs: 2000, maxBytes: 1000 });
    expect(r).toEqual({ ok: false, error: `redirected to another host (${other.url}); refused` });
    expect(other.requests).toEqual([]);
  });

  it('follows a redirect on the same origin', async () => {
    const { url, requests } = await serve((req, res) => {
      if (req.url === '/old') {
        res.writeHead(301, { location: '/new?x=1' });
        return void res.end('moved');
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`at ${req.url}`);
    });
    const r = await get(`${url}/old`, { timeoutMs: 2000, maxBytes: 1000 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.status).toBe(200);
    expect(r.value.body.toString()).toBe('at /new?x=1');
    expect(r.value.headers.get('content-type')).toBe('text/plain');
    expect(requests).toEqual(['/old', '/new?x=1']);
  });

  it('stops after a few redirects', async () => {
    const { url, requests } = await serve((req, res) => {
      res.writeHead(302, { location: `/r${requests.length}` });
      res.end();
    });
    const r = await get(`${url}/r0`, { timeoutMs: 2000, maxBytes: 1000 });
    expect(r).toEqual({ ok: false, error: 'too many redirects' });
    expect(requests.length).toBe(4);
  });

  it('says "cancelled" when the caller aborts a request in flight', async () => {
    const controller = new AbortController();
    const { url } = await serve(() => controller.abort());
    const r = await get(url, { timeoutMs: 30_000, maxBytes: 1000, signal: controller.signal });
    expect(r).toEqual({ ok: false, error: 'cancelled' });
  });

  it('says "cancelled" when the caller aborts while the body streams', async () => {
    const controller = new AbortController();
    const { url } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial', () => controller.abort());
    });
    const r = await get(url, { timeoutMs: 30_000, maxBytes: 1000, signal: controller.signal });
    expect(r).toEqual({ ok: false, error: 'cancelled' });
  });

  it('says "cancelled" for a signal aborted before the request, without asking', async () => {
    const { url, requests } = await serve((_req, res) => res.end('ok'));
    const r = await get(url, { timeoutMs: 30_000, maxBytes: 1000, signal: AbortSignal.abort() });
    expect(r).toEqual({ ok: false, error: 'cancelled' });
    expect(requests).toEqual([]);
  });
});
