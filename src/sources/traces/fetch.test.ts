// fetchTraces against loopback fakes of Jaeger, Tempo and Zipkin that answer
// with the fixture files: the exact query sent, and one-line errors.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, serve } from '../../../test/helpers/server.js';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { UserError } from '../../errors.js';
import { fetchTraces, type TraceSource } from './fetch.js';
import { parseTraces } from './index.js';

afterEach(closeServers);

const window = { start: new Date('2024-05-07T10:00:00.000Z'), end: new Date('2024-05-07T10:15:00.500Z') };
const json = (res: ServerResponse, body: unknown, status = 200) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(typeof body === 'string' ? body : JSON.stringify(body));
};
const query = (url: string) => Object.fromEntries(new URL(url, 'http://x').searchParams);
const path = (url: string) => new URL(url, 'http://x').pathname;

async function failure(source: TraceSource): Promise<string> {
  try {
    await fetchTraces(source, window, { timeoutMs: 5000 });
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

describe.skipIf(!sharedFixtures)('fetchTraces', () => {
  const otlpText = () => readFileSync(fixture('traces', 'otlp', 'jaeger-ui_otlp2jaeger-multi-in-combined.json'), 'utf8');
  const jaegerText = () => readFileSync(fixture('traces', 'jaeger', 'jaeger-ui_spring-petclinic.json'), 'utf8');

  it('asks Jaeger api_v3 for the window and reads the OTLP in its {result}', async () => {
    const { url, requests } = await serve((_req, res) => json(res, `{"result":${otlpText()}}`));
    const spans = await fetchTraces({ type: 'jaeger', url: `${url}/jaeger/`, service: 'check out' }, window, { limit: 20 });
    expect(requests.map(path)).toEqual(['/jaeger/api/v3/traces']);
    expect(query(requests[0])).toEqual({
      'query.service_name': 'check out',
      'query.start_time_min': '2024-05-07T10:00:00.000Z',
      'query.start_time_max': '2024-05-07T10:15:00.500Z',
      'query.num_traces': '20',
      'query.search_depth': '20',
    });
    expect(spans).toEqual(parseTraces(otlpText()));
  });

  it('falls back to the legacy Jaeger search when api_v3 is not there', async () => {
    const { url, requests } = await serve((req, res) => {
      if (req.url?.startsWith('/api/v3/')) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('404 page not found\n');
      } else json(res, { data: [JSON.parse(jaegerText())], total: 0, limit: 0, offset: 0, errors: null });
    });
    const spans = await fetchTraces({ type: 'jaeger', url, service: 'api-gateway', limit: 7 }, window);
    expect(requests.map(path)).toEqual(['/api/v3/traces', '/api/traces']);
    expect(query(requests[1])).toEqual({ service: 'api-gateway', start: '1715076000000000', end: '1715076900500000', limit: '7' });
    expect(spans).toHaveLength(17);
    expect(spans).toEqual(parseTraces(jaegerText()));
  });

  it('takes api_v3\'s "No traces found" for no traces, without the legacy search', async () => {
    const { url, requests } = await serve((_req, res) => json(res, '{"error":{"httpCode":404,"message":"No traces found"}}\n', 404));
    expect(await fetchTraces({ type: 'jaeger', url, service: 's' }, window)).toEqual([]);
    expect(requests).toHaveLength(1);
  });

  it('searches Tempo, then fetches each trace, at most 8 at a time, with base64 ids made hex', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => (i + 1).toString(16).padStart(32, '0'));
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
    const trace = (id: string) => {
      const otlp = JSON.parse(otlpText()) as { resourceSpans: { scopeSpans: { spans: Record<string, string>[] }[] }[] };
      for (const r of otlp.resourceSpans) for (const s of r.scopeSpans) for (const sp of s.spans) Object.assign(sp, { traceId: b64(id), spanId: b64(sp.spanId), parentSpanId: sp.parentSpanId && b64(sp.parentSpanId) });
      return { batches: otlp.resourceSpans };
    };
    let inFlight = 0;
    let most = 0;
    const { url, requests } = await serve((req, res) => {
      if (req.url?.startsWith('/api/search')) return json(res, { traces: ids.map((traceID) => ({ traceID, rootServiceName: 'x' })), metrics: {} });
      inFlight++;
      most = Math.max(most, inFlight);
      const id = path(req.url ?? '').split('/').pop() as string;
      setTimeout(() => {
        inFlight--;
        if (id === ids[3]) json(res, { error: 'trace not found' }, 404);
        else json(res, trace(id));
      }, 20);
    });
    const spans = await fetchTraces({ type: 'tempo', url, service: 'example-trace' }, window, { limit: 50 });
    expect(query(requests[0])).toEqual({ tags: 'service.name=example-trace', start: '1715076000', end: '1715076901', limit: '50' });
    expect(requests.slice(1).map(path).sort()).toEqual(ids.map((id) => `/api/traces/${id}`).sort());
    expect(most).toBe(8);
    expect(spans).toHaveLength(19 * 4); // one trace is gone (404)
    const one = parseTraces(otlpText()).map((s) => ({ ...s, traceId: ids[0] }));
    expect(spans.slice(0, 4)).toEqual(one);
  });

  it('quotes a Tempo service name that needs it, and reads an empty search', async () => {
    const { url, requests } = await serve((_req, res) => json(res, { metrics: { inspectedBytes: '0' } }));
    expect(await fetchTraces({ type: 'tempo', url, service: 'my service' }, window)).toEqual([]);
    expect(query(requests[0]).tags).toBe('service.name="my service"');
  });

  it('asks Zipkin with endTs and lookback in milliseconds', async () => {
    const text = readFileSync(fixture('traces', 'zipkin', 'yelp.json'), 'utf8');
    const { url, requests } = await serve((_req, res) => json(res, `[${text}]`));
    const spans = await fetchTraces({ type: 'zipkin', url, service: 'mobile_api' }, window, { limit: 5 });
    expect(requests.map(path)).toEqual(['/api/v2/traces']);
    expect(query(requests[0])).toEqual({ serviceName: 'mobile_api', endTs: '1715076900500', lookback: '900500', limit: '5' });
    expect(spans).toEqual(parseTraces(text));
  });
});

describe('fetchTraces errors', () => {
  it.each([
    ['jaeger', (res: ServerResponse) => json(res, 'not json'), /^jaeger http:\/\/127\.0\.0\.1:\d+: not valid JSON \(/],
    ['jaeger', (res: ServerResponse) => json(res, '{"error":{"httpCode":500,"message":"storage is down"}}', 500), /^jaeger http:\/\/127\.0\.0\.1:\d+: HTTP 500: storage is down$/],
    ['jaeger', (res: ServerResponse) => json(res, '{"result":{"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"eee19b7ec3c1b174"}]}]}]}}'), /^jaeger http:\/\/127\.0\.0\.1:\d+: span 1: startTimeUnixNano is not a nanosecond timestamp$/],
    ['tempo', (res: ServerResponse) => json(res, { foo: 1 }), /^tempo http:\/\/127\.0\.0\.1:\d+: the search answer has no "traces" list$/],
    ['tempo', (res: ServerResponse) => json(res, { traces: [{ traceID: 'zz' }] }), /^tempo http:\/\/127\.0\.0\.1:\d+: traces\[0\] of the search answer has no hex "traceID"$/],
    ['zipkin', (res: ServerResponse) => json(res, { x: 1 }), /^zipkin http:\/\/127\.0\.0\.1:\d+: the answer is not a JSON list of traces$/],
    ['zipkin', (res: ServerResponse) => json(res, 'Bad Gateway', 502), /^zipkin http:\/\/127\.0\.0\.1:\d+: HTTP 502: Bad Gateway$/],
  ] as const)('a malformed %s answer is one line naming the source', async (type, answer, want) => {
    const { url } = await serve((_req, res) => answer(res));
    expect(await failure({ type, url, service: 's' })).toMatch(want);
  });

  it('names the source when nothing listens, or the URL is not one', async () => {
    const server = createServer().listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    server.close();
    await once(server, 'close');
    expect(await failure({ type: 'zipkin', url: `http://127.0.0.1:${port}`, service: 's' })).toBe(`zipkin http://127.0.0.1:${port}: connection refused by 127.0.0.1:${port} (is the service running?)`);
    expect(await failure({ type: 'tempo', url: 'tempo:3200', service: 's' })).toMatch(/^tempo tempo:3200: /);
    expect(await failure({ type: 'tempo', url: 'not a url', service: 's' })).toBe('tempo not a url: not a URL');
  });
});
