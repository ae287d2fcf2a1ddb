// Our clients against what the real programs answered (test/recorded, written
// by the incident drill): Alertmanager's webhook, Jaeger v2's api_v3 and
// Prometheus' query_range, their errors included.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { demoAlertBody } from '../src/demo/alert-body.js';
import { parseAlerts } from '../src/incidents/alerts.js';
import { parseRangeResponse, queryRange } from '../src/sources/metrics/prometheus.js';
import { fetchTraces } from '../src/sources/traces/fetch.js';
import { repoRoot } from './helpers/shared.js';
import { prometheusMatrix } from './helpers/answers.js';

const dir = join(repoRoot, 'test/recorded');
const named = (pattern: RegExp) => {
  const file = readdirSync(dir).find((f) => pattern.test(f));
  if (!file) throw new Error(`no recorded answer matching ${pattern} in ${dir}`);
  return readFileSync(join(dir, file), 'utf8');
};
interface Recorded {
  status: number;
  contentType: string;
  body: unknown;
}
const answer = (pattern: RegExp) => JSON.parse(named(pattern)) as Recorded;

/** Keys of an object and of every object under it, as paths: the shape of an answer. */
function shape(v: unknown, at = ''): string[] {
  if (Array.isArray(v)) return v.length ? shape(v[0], `${at}[]`) : [`${at}[]`];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => [`${at}.${k}`, ...shape(x, `${at}.${k}`)].filter((p) => !/\.labels\.|\.annotations\.|Labels\.|Annotations\./.test(p)));
  return [];
}

const servers: { close(): void }[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

/** A loopback server answering with recorded answers, keeping the requests. */
async function replay(pick: (req: IncomingMessage) => Recorded): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(req.url ?? '');
    const a = pick(req);
    res.writeHead(a.status, { 'content-type': a.contentType }).end(JSON.stringify(a.body));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  servers.push(server);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

describe('Alertmanager 0.25 (Debian) webhook bodies', () => {
  const firing = named(/^alertmanager-.*-webhook-firing\.json$/);
  const resolved = named(/^alertmanager-.*-webhook-resolved\.json$/);

  it('read as the alerts they are: firing without an end, resolved with its real end', () => {
    const f = parseAlerts(firing);
    const r = parseAlerts(resolved);
    if (!f.ok || !r.ok) throw new Error('parse failed');
    expect(f.value).toMatchObject([{ status: 'firing', name: 'DbPoolExhausted', service: 'order-api', summary: 'requests wait for a database connection', fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) }]);
    expect(f.value[0].endsAt).toBeUndefined();
    expect(r.value[0]).toMatchObject({ status: 'resolved', fingerprint: f.value[0].fingerprint, startsAt: f.value[0].startsAt });
    expect(Date.parse(r.value[0].endsAt as string)).toBeGreaterThan(Date.parse(r.value[0].startsAt));
  });

  it("the demo's own alert has the same fields as Alertmanager's", () => {
    expect(new Set(shape(demoAlertBody(new Date().toISOString())))).toEqual(new Set(shape(JSON.parse(firing))));
  });
});

describe('Jaeger v2 api_v3 answers', () => {
  const window = { start: new Date('2026-12-03T15:00:00Z'), end: new Date('2026-12-03T15:01:00Z') };
  const traces = answer(/^jaeger-.*-api_v3-traces\.json$/);
  const without = answer(/^jaeger-.*-api_v3-traces-without-num_traces\.json$/);
  const none = answer(/^jaeger-.*-api_v3-no-traces\.json$/);

  it('are read whatever their content type says (Jaeger labels its JSON text/plain)', async () => {
    expect(traces.contentType).toMatch(/^text\/plain/);
    // Jaeger's own rule, recorded: without query.num_traces it answers 500.
    const { url, requests } = await replay((req) => (new URL(req.url ?? '/', 'http://x').searchParams.has('query.num_traces') ? traces : without));
    const spans = await fetchTraces({ type: 'jaeger', url, service: 'order-api' }, window, { limit: 2 });
    const recorded = (traces.body as { result: { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] } }).result.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans));
    expect(spans.length).toBe(recorded.length);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['order-api']));
    expect(spans.every((s) => /^[0-9a-f]{32}$/.test(s.traceId) && s.duration > 0)).toBe(true);
    expect(requests).toHaveLength(1);
    expect(without.body).toEqual({ error: { httpCode: 500, message: 'search depth must be greater than 0 and less than max traces' } });
  });

  it('"No traces found" (a 404 with a JSON error) is no traces, not a failure', async () => {
    const { url } = await replay(() => none);
    expect(await fetchTraces({ type: 'jaeger', url, service: 'nobody' }, window, { limit: 2 })).toEqual([]);
  });
});

describe('Prometheus 2.42 (Debian) query_range answers', () => {
  const range = answer(/^prometheus-.*-query_range\.json$/);
  const bad = answer(/^prometheus-.*-query_range-bad-query\.json$/);

  it('a matrix of [unix seconds, "value"] pairs', () => {
    const r = parseRangeResponse(JSON.stringify(range.body));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.series).toHaveLength(1);
    expect(r.value.series[0].points.length).toBe(3);
    expect(r.value.series[0].points.every((p) => Number.isFinite(p.t) && Number.isFinite(p.v))).toBe(true);
  });

  it("the tests' fake Prometheus answers in the same shape", () => {
    // A series' labels are its own; the rest of the shape is Prometheus'.
    const withoutLabels = (paths: string[]) => new Set(paths.filter((p) => !p.startsWith('.data.result[].metric.')));
    expect(withoutLabels(shape(prometheusMatrix({ pool: 'orders-db' }, [[1, '3']])))).toEqual(withoutLabels(shape(range.body)));
  });

  it('a query that does not parse is one line with the reason Prometheus gave', async () => {
    const { url } = await replay(() => bad);
    const r = await queryRange(url, 'sum(rate(x[5s])', { start: new Date(0), end: new Date(60_000), step: 15 });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.error).toMatch(/bad_data.*unclosed left parenthesis|unclosed left parenthesis/);
    expect(!r.ok && r.error).not.toContain('\n');
  });
});
