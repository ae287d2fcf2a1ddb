import { readdirSync, readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServers, serve } from '../../../test/helpers/server.js';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { Skips } from '../skips.js';
import { MAX_POINTS, parseRangeResponse, pickStep, queryRange } from './prometheus.js';

afterEach(closeServers);

const matrix = (result: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ status: 'success', data: { resultType: 'matrix', result }, ...extra });

describe('parseRangeResponse', () => {
  it('parses string values, NaN and infinities', () => {
    const r = parseRangeResponse(matrix([{ metric: { job: 'api' }, values: [[1700000000, '0.5'], [1700000015.5, 'NaN'], [1700000030, '+Inf'], [1700000045, '-Inf'], [1700000060, '1e-3']] }]));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.warnings).toEqual([]);
    expect(r.value.series).toHaveLength(1);
    const [s] = r.value.series;
    expect(s.labels).toEqual({ job: 'api' });
    expect(s.points.map((p) => p.t)).toEqual([1700000000, 1700000015.5, 1700000030, 1700000045, 1700000060]);
    expect(s.points.map((p) => p.v)).toEqual([0.5, NaN, Infinity, -Infinity, 0.001]);
  });

  it('keeps the warnings (and infos) of a "warning" answer', () => {
    const r = parseRangeResponse(JSON.stringify({ status: 'warning', warnings: ['w0'], infos: ['i0'], data: { resultType: 'matrix', result: [] } }));
    expect(r).toEqual({ ok: true, value: { series: [], warnings: ['w0', 'i0'] } });
  });

  it.each([
    ['not json', /^the answer is not JSON$/],
    ['[]', /not a JSON object/],
    ['{"status":"error","errorType":"bad_data","error":"1:5: parse error:\\nunexpected"}', /^bad_data: 1:5: parse error: unexpected$/],
    ['{"status":"pending"}', /status "pending", not "success"/],
    ['{"status":"success"}', /no "data" object/],
    ['{"status":"success","data":{"resultType":"vector","result":[]}}', /"vector" result, not "matrix"/],
    ['{"status":"success","data":{"resultType":"matrix"}}', /no "data.result" list/],
    ['{"status":"success","warnings":"x","data":{"resultType":"matrix","result":[]}}', /"warnings" is not a list/],
    [matrix([1]), /data.result\[0\] is not an object/],
    [matrix([{ metric: 'up' , values: [] }]), /data.result\[0\].metric is not an object/],
    [matrix([{ metric: {} }]), /data.result\[0\] has no "values" list/],
    [matrix([{ metric: {}, values: [[1, 1]] }]), /data.result\[0\].values\[0\] is not a \[<unix seconds>, "<value>"\] pair/],
    [matrix([{ metric: {}, values: [[1, 'abc']] }]), /values\[0\] is not a/],
    [matrix([{ metric: {}, values: [[1]] }]), /values\[0\] is not a/],
  ])('a malformed answer is one clear line: %s', (body, want) => {
    const r = parseRangeResponse(body);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(want) });
    if (!r.ok) expect(r.error).not.toMatch(/\n/);
  });
});

describe('pickStep', () => {
  const at = (s: number) => new Date(s * 1000);
  it('keeps the step asked for when the range allows it', () => {
    expect(pickStep(at(0), at(3600), 15)).toBe(15);
    expect(pickStep(at(0), at(3600))).toBe(12);
  });
  it('raises the step so that no series has more than 11,000 points', () => {
    const day = 86_400;
    for (const range of [day, 7 * day, 30 * day, 11_000, 10_999, 123_457]) {
      const step = pickStep(at(0), at(range), 1);
      expect(Math.floor(range / step) + 1).toBeLessThanOrEqual(MAX_POINTS);
    }
    expect(pickStep(at(0), at(7 * 86_400), 1)).toBe(55);
  });
});

describe.skipIf(!sharedFixtures)('parseRangeResponse on real answers', () => {
  const dir = sharedFixtures ? fixture('metrics', 'prometheus') : '';
  const files = sharedFixtures ? readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  const want: Record<string, { series: number; points: number[]; warnings: string[] }> = {
    'jaeger_empty_response.json': { series: 0, points: [], warnings: [] },
    'jaeger_service_span_name_datapoint_response.json': { series: 1, points: [1], warnings: [] },
    'jaeger_warning_response.json': { series: 0, points: [], warnings: ['warning0', 'warning1'] },
    'prometheus-docs_query_range_up.json': { series: 2, points: [3, 3], warnings: [] },
  };

  it('has every file in the fixture folder described here', () => {
    expect(files.sort()).toEqual(Object.keys(want).sort());
  });

  it.each(files)('%s', (name) => {
    const r = parseRangeResponse(readFileSync(`${dir}/${name}`));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.series).toHaveLength(want[name].series);
    expect(r.value.series.map((s) => s.points.length)).toEqual(want[name].points);
    expect(r.value.warnings).toEqual(want[name].warnings);
    for (const s of r.value.series) for (const p of s.points) expect(Number.isFinite(p.t) && !Number.isNaN(p.v)).toBe(true);
  });

  it('reads the documented example exactly', () => {
    const r = parseRangeResponse(readFileSync(`${dir}/prometheus-docs_query_range_up.json`));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.series[1]).toEqual({
      labels: { __name__: 'up', job: 'node', instance: 'localhost:9091' },
      points: [{ t: 1435781430.781, v: 0 }, { t: 1435781445.781, v: 0 }, { t: 1435781460.781, v: 1 }],
    });
  });

  it('keeps a large integer value string as a number', () => {
    const r = parseRangeResponse(readFileSync(`${dir}/jaeger_service_span_name_datapoint_response.json`));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.series[0]).toEqual({ labels: { span_name: '/OrderResult', service_name: 'emailservice' }, points: [{ t: 1620351786, v: 9223372036854 }] });
  });
});

describe('queryRange against a fake Prometheus', () => {
  const start = new Date('2024-05-07T10:00:00Z');
  const end = new Date('2024-05-07T11:00:00Z');

  it('asks /api/v1/query_range with the exact parameters and returns the series', async () => {
    const { url, requests } = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(matrix([{ metric: { job: 'api' }, values: [[1715076000, '3']] }]));
    });
    const query = 'sum(rate(http_requests_total{code=~"5.."}[5m])) / sum(rate(http_requests_total[5m]))';
    const r = await queryRange(`${url}/prom`, query, { start, end, step: 15 });
    expect(r).toEqual({ ok: true, value: { series: [{ labels: { job: 'api' }, points: [{ t: 1715076000, v: 3 }] }], warnings: [] } });
    expect(requests).toHaveLength(1);
    const asked = new URL(requests[0], url);
    expect(asked.pathname).toBe('/prom/api/v1/query_range');
    expect([...asked.searchParams.keys()]).toEqual(['query', 'start', 'end', 'step']);
    expect(Object.fromEntries(asked.searchParams)).toEqual({ query, start: '1715076000', end: '1715079600', step: '15' });
  });

  it('raises a step that would give more than 11,000 points', async () => {
    const { url, requests } = await serve((_req, res) => res.end(matrix([])));
    const r = await queryRange(url, 'up', { start: new Date('2024-05-01T00:00:00Z'), end: new Date('2024-05-08T00:00:00Z'), step: 1 });
    expect(r.ok).toBe(true);
    expect(new URL(requests[0], url).searchParams.get('step')).toBe('55');
  });

  it('says what Prometheus said on an error answer, naming the query, in one line', async () => {
    const { url } = await serve((_req, res) => {
      res.statusCode = 400;
      res.end('{"status":"error","errorType":"bad_data","error":"invalid parameter \\"query\\": 1:6: parse error:\\nunexpected end of input"}');
    });
    const r = await queryRange(url, 'rate(', { start, end });
    expect(r).toEqual({ ok: false, error: 'prometheus: query "rate(": HTTP 400: bad_data: invalid parameter "query": 1:6: parse error: unexpected end of input' });
  });

  it('quotes a body that is not a Prometheus answer', async () => {
    const { url } = await serve((_req, res) => {
      res.statusCode = 502;
      res.end('<html>\n<body>Bad Gateway</body>\n</html>');
    });
    expect(await queryRange(url, 'up', { start, end })).toEqual({ ok: false, error: 'prometheus: query "up": HTTP 502: <html> <body>Bad Gateway</body> </html>' });
  });

  it('a malformed 200 answer is a clear one-line error', async () => {
    const { url } = await serve((_req, res) => res.end('{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,2]]}]}}'));
    expect(await queryRange(url, 'up', { start, end })).toEqual({ ok: false, error: 'prometheus: query "up": data.result[0].values[0] is not a [<unix seconds>, "<value>"] pair' });
  });

  it('keeps warnings of a "warning" answer', async () => {
    const { url } = await serve((_req, res) => res.end(JSON.stringify({ status: 'warning', warnings: ['PromQL info: metric might not be a counter'], data: { resultType: 'matrix', result: [] } })));
    expect(await queryRange(url, 'rate(x[5m])', { start, end })).toEqual({ ok: true, value: { series: [], warnings: ['PromQL info: metric might not be a counter'] } });
  });

  it('refuses a range that ends before it starts, without asking', async () => {
    const { url, requests } = await serve((_req, res) => res.end(matrix([])));
    expect(await queryRange(url, 'up', { start: end, end: start })).toEqual({ ok: false, error: 'prometheus: query "up": the range ends before it starts' });
    expect(requests).toEqual([]);
  });

  it('names an unreachable Prometheus and the cancelled query', async () => {
    const { url } = await serve(() => {});
    const ac = new AbortController();
    const pending = queryRange(url, 'up', { start, end }, { signal: ac.signal });
    ac.abort();
    expect(await pending).toEqual({ ok: false, error: 'prometheus: query "up": cancelled' });
  });
});

describe('parseRangeResponse with dirty points', () => {
  it('skips a point that is not a pair and counts it; the rest of the series is read', () => {
    const skips = new Skips();
    const r = parseRangeResponse(matrix([{ metric: {}, values: [[1, '1'], ['2', '1'], [3, 'NaN']] }]), skips);
    expect(r.ok && r.value.series[0].points.map((p) => p.t)).toEqual([1, 3]);
    expect(skips.summary('points')).toBe('1 point skipped: not a [<unix seconds>, "<value>"] pair');
  });
});
