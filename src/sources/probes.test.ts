// Probes: what counts as a healthy answer, and how an unhealthy one is quoted.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProbeConfig } from '../config/registry.js';
import { matches, runProbe, runProbes } from './probes.js';

describe('matches', () => {
  it.each([
    ['equal scalars', 'OK', 'OK', true],
    ['different scalars', 'OK', 'CRITICAL', false],
    ['no type coercion', 1, '1', false],
    ['null matches only null', null, null, true],
    ['null is not an object', null, {}, false],
    ['a subset of the fields', { status: 'OK' }, { status: 'OK', activeConnections: 3, maxPoolSize: 8 }, true],
    ['a field with another value', { status: 'OK' }, { status: 'CRITICAL' }, false],
    ['a missing field', { status: 'OK' }, { state: 'OK' }, false],
    ['nested objects, subset at each level', { db: { pool: { status: 'OK' } } }, { db: { pool: { status: 'OK', size: 8 }, host: 'x' } }, true],
    ['nested objects, mismatch deep down', { db: { pool: { status: 'OK' } } }, { db: { pool: { status: 'DOWN' } } }, false],
    ['an object where a scalar was expected', { db: 'OK' }, { db: { status: 'OK' } }, false],
    ['a scalar where an object was expected', { db: { status: 'OK' } }, { db: 'OK' }, false],
    ['an empty expectation matches any object', {}, { anything: 1 }, true],
    ['arrays: the same elements in order', { zones: ['a', 'b'] }, { zones: ['a', 'b'] }, true],
    ['arrays: another order', { zones: ['a', 'b'] }, { zones: ['b', 'a'] }, false],
    ['arrays: extra elements', { zones: ['a'] }, { zones: ['a', 'b'] }, false],
    ['arrays: elements are matched as subsets', { checks: [{ ok: true }] }, { checks: [{ ok: true, name: 'db' }] }, true],
    ['arrays: an object is not an array', { zones: [] }, { zones: {} }, false],
  ])('%s', (_what, expected, actual, result) => {
    expect(matches(expected, actual)).toBe(result);
  });
});

describe('runProbe', () => {
  const long = JSON.stringify({ status: 'CRITICAL', detail: 'é'.repeat(300) + 'x'.repeat(400) });
  const routes: Record<string, [number, string, string]> = {
    '/ok': [200, 'application/json', '{"status":"OK","activeConnections":2}'],
    '/down': [503, 'text/plain', 'service unavailable\n'],
    '/critical': [200, 'application/json', long],
    '/text': [200, 'text/plain', 'all good\n'],
    '/critical-503': [503, 'application/json', '{"status":"CRITICAL"}'],
  };
  let url: string;
  let deadUrl: string;
  let hits: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    hits.push(req.url ?? '');
    if (req.url === '/flaky') {
      // Healthy on the first answer, unhealthy on the second.
      res.writeHead(hits.filter((h) => h === '/flaky').length === 1 ? 200 : 500);
      return void res.end(hits.filter((h) => h === '/flaky').length === 1 ? 'fine' : 'broken');
    }
    const [status, type, body] = routes[req.url ?? ''] ?? [404, 'text/plain', 'not found'];
    res.writeHead(status, { 'content-type': type });
    res.end(body);
  });

  beforeAll(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const dead = createServer();
    dead.listen(0, '127.0.0.1');
    await once(dead, 'listening');
    deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}/health`;
    dead.close();
    await once(dead, 'close');
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  });

  const probe = (path: string, expect: ProbeConfig['expect'], indicates?: ProbeConfig['indicates']): ProbeConfig => ({
    name: 'db',
    url: path.startsWith('http') ? path : url + path,
    expect,
    ...(indicates ? { indicates } : {}),
  });

  it('passes a healthy answer, keeping status and body', async () => {
    const r = await runProbe(probe('/ok', { json: { status: 'OK' } }, 'pool-exhaustion'));
    expect(r).toEqual({
      name: 'db',
      url: `${url}/ok`,
      ok: true,
      status: 200,
      body: '{"status":"OK","activeConnections":2}',
      indicates: 'pool-exhaustion',
    });
  });

  it('fails on another status than expected, quoting the body', async () => {
    const r = await runProbe(probe('/down', { status: 200 }));
    expect(r).toMatchObject({ ok: false, status: 503, body: 'service unavailable', reason: 'HTTP 503, expected 200' });
  });

  it('fails on JSON without the expected fields: the reason names the expected JSON, the body is quoted verbatim up to 500 characters', async () => {
    const r = await runProbe(probe('/critical', { json: { status: 'OK' } }, 'pool-exhaustion'));
    expect(r.ok).toBe(false);
    expect(r.status).toBe(200);
    expect(r.reason).toBe('expected {"status":"OK"}');
    expect(r.body).toBe(`${long.slice(0, 500)}…`);
    expect(r.indicates).toBe('pool-exhaustion');
  });

  it('with only JSON expected, a 503 with the wrong JSON is reported on its JSON', async () => {
    const r = await runProbe(probe('/critical-503', { json: { status: 'OK' } }));
    expect(r).toMatchObject({ ok: false, status: 503, body: '{"status":"CRITICAL"}', reason: 'expected {"status":"OK"}' });
  });

  it('fails on an answer that is not JSON when JSON is expected', async () => {
    const r = await runProbe(probe('/text', { json: { status: 'OK' } }));
    expect(r).toMatchObject({ ok: false, status: 200, body: 'all good', reason: 'the answer is not JSON' });
  });

  it('fails on an unreachable endpoint, with no status and the reason why', async () => {
    const r = await runProbe(probe(deadUrl, { status: 200 }));
    const port = new URL(deadUrl).host;
    expect(r).toEqual({ name: 'db', url: deadUrl, ok: false, reason: `connection refused by ${port} (is the service running?)`, indicates: undefined });
    expect(r.status).toBeUndefined();
    expect(r.body).toBeUndefined();
  });

  it('says "cancelled" when the signal is aborted', async () => {
    const r = await runProbe(probe('/ok', { status: 200 }), AbortSignal.abort());
    expect(r).toMatchObject({ ok: false, reason: 'cancelled' });
  });

  it('runProbes keeps the failing answer of the two it asks for', async () => {
    hits = [];
    const [flaky, ok] = await runProbes([probe('/flaky', { status: 200 }), probe('/ok', { json: { status: 'OK' } })], 1);
    expect(hits.filter((h) => h === '/flaky').length).toBe(2);
    expect(flaky).toMatchObject({ ok: false, status: 500, body: 'broken', reason: 'HTTP 500, expected 200' });
    expect(ok).toMatchObject({ ok: true, status: 200 });
  });

  it('runProbes with no probes asks nothing', async () => {
    expect(await runProbes([], 10)).toEqual([]);
  });
});
