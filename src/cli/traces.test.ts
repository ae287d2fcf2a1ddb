// `rca-bot traces`, run in-process through the command table.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { syntheticSpans } from '../../test/bench/traces.js';
import { runCli as run } from '../../test/helpers/cli.js';
import { closeServers, serve } from '../../test/helpers/server.js';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import type { Span } from '../sources/traces/span.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-traces-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(closeServers);

/** The spans as a Zipkin v2 file. */
function zipkinFile(name: string, spans: Span[]): string {
  const p = join(dir, name);
  const zipkin = spans.map((s) => ({
    traceId: s.traceId,
    id: s.spanId,
    parentId: s.parentId,
    name: s.operation,
    kind: s.kind?.toUpperCase(),
    timestamp: s.start,
    duration: s.duration,
    localEndpoint: { serviceName: s.service },
    remoteEndpoint: s.attributes['peer.service'] ? { serviceName: s.attributes['peer.service'] } : undefined,
    tags: { ...s.attributes, ...(s.error ? { error: 'unavailable' } : {}) },
  }));
  writeFileSync(p, JSON.stringify(zipkin));
  return p;
}

describe('rca-bot traces', () => {
  it('prints the spans, traces, clusters, critical path and findings as JSON', async () => {
    const incident = zipkinFile('incident.json', syntheticSpans(4000, 2, true));
    const baseline = zipkinFile('baseline.json', syntheticSpans(4000, 1));
    const r = await run(['traces', incident, '--baseline', baseline, '--json']);
    expect(r).toMatchObject({ code: 0, err: [] });
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(['spans', 'traces', 'clusters', 'criticalPath', 'findings']);
    expect(json.spans).toBe(4000);
    expect(json.clusters[0]).toMatchObject({ count: expect.any(Number), errors: expect.any(Number), p50: expect.any(Number), p95: expect.any(Number), p99: expect.any(Number), selfTotal: expect.any(Number) });
    expect(json.criticalPath[0]).toEqual({ service: 'frontend', operation: 'GET /api/users/{id}/orders', selfMicros: expect.any(Number) });
    expect(json.findings[0]).toMatchObject({ kind: 'slow-dependency', service: 'payment', evidence: [{ source: 'traces' }, { source: 'traces' }, { source: 'traces' }] });
    expect(json.findings[0].confidence).toBeGreaterThanOrEqual(0.5);
  });

  it('prints the top clusters, the critical path and the findings for people', async () => {
    const incident = zipkinFile('incident2.json', syntheticSpans(4000, 2, true));
    const baseline = zipkinFile('baseline2.json', syntheticSpans(4000, 1));
    const r = await run(['traces', incident, '--baseline', baseline]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^4000 spans in \d+ traces, \d+ signatures \(baseline: 4000 spans in .*baseline2\.json\)$/);
    expect(lines[2]).toBe('Where the time goes (self time), top 10:');
    expect(lines[3]).toMatch(/^\s+count\s+errors\s+p50\s+p95\s+p99\s+self\s+signature$/);
    expect(r.out).toMatch(/\n {2}\s*\d+\s+\d+ .* payment payment\.Get \[server\]  \(p95 \d+(\.\d+)?× the baseline\)\n/);
    expect(r.out).toMatch(/\nCritical path of the slowest trace, [0-9a-f]{32} \(\d+(\.\d+)? ms\):\n/);
    expect(r.out).toMatch(/\n\[0\.\d\d\] slow-dependency \(payment\): payment is slow: /);
  });

  it('says so when nothing stands out', async () => {
    const healthy = zipkinFile('healthy.json', syntheticSpans(3000, 3));
    const r = await run(['traces', healthy, '--baseline', zipkinFile('healthy-base.json', syntheticSpans(3000, 4))]);
    expect(r.out).toMatch(/\nNo finding: nothing in these traces stands out against .*healthy-base\.json\.$/);
  });

  it('keeps the traces through --service, and names the services there are when none has it', async () => {
    const file = zipkinFile('small.json', syntheticSpans(200, 5));
    const all = JSON.parse((await run(['traces', file, '--json'])).out);
    const some = JSON.parse((await run(['traces', file, '--json', '--service', 'payment'])).out);
    expect(some.traces).toBeLessThan(all.traces);
    expect(some.traces).toBeGreaterThan(0);
    expect(await run(['traces', file, '--service', 'nope'])).toMatchObject({ code: 2, err: [`rca-bot: ${file}: no span of service "nope"; it has catalog, frontend, orders, payment, shipping, users`] });
  });

  it('reads a URL', async () => {
    const spans = syntheticSpans(100, 6);
    const body = readFileSync(zipkinFile('served.json', spans));
    const { url, requests } = await serve((_req, res) => res.end(body));
    const r = await run(['traces', `${url}/api/v2/trace/abc`, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out).spans).toBe(100);
    expect(requests).toEqual(['/api/v2/trace/abc']);
  });

  it('malformed input is exit 2 and one line', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '[{"traceId": "a", "id": "b"}]');
    expect(await run(['traces', bad])).toMatchObject({ code: 2, err: [`rca-bot: ${bad}: span 1: timestamp is not a number of microseconds`] });
    writeFileSync(bad, 'TraceID,SpanID\nnot,a,table');
    expect((await run(['traces', bad])).err).toEqual([`rca-bot: ${bad}: the span table has no ParentID, PodName, OperationName, StartTimeUnixNano, EndTimeUnixNano or Duration column`]);
    expect(await run(['traces', join(dir, 'missing.json')])).toMatchObject({ code: 2, err: [`rca-bot: ${join(dir, 'missing.json')}: no such file`] });
    expect(await run(['traces'])).toMatchObject({ code: 2, err: [expect.stringMatching(/^rca-bot: usage: rca-bot traces <file\|url\|->/)] });
    expect(await run(['traces', '-', '--baseline', '-'])).toMatchObject({ code: 2, err: ['rca-bot: only one of the traces and --baseline can be standard input'] });
    expect(await run(['traces', bad, '--nope'])).toMatchObject({ code: 2, err: [expect.stringMatching(/Unknown option '--nope'.*usage: rca-bot traces/)] });
  });

  it('a span it cannot read is skipped and said once; the rest are read', async () => {
    const dirty = join(dir, 'dirty.json');
    writeFileSync(dirty, '[{"traceId": "a", "id": "b", "timestamp": 1, "duration": 5, "localEndpoint": {"serviceName": "api"}}, {"traceId": "a", "id": "c"}]');
    const r = await run(['traces', dirty, '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toEqual([`rca-bot: ${dirty}: 1 span skipped: timestamp is not a number of microseconds`]);
    expect(JSON.parse(r.out).spans).toBe(1);
  });

  it('is in the help', async () => {
    expect((await run(['--help'])).out).toContain('rca-bot traces <file|url|-> [--baseline <file|url>] [--logs <file|->] [--json] [--service S]');
    expect(await run(['traces', '--help'])).toMatchObject({ code: 0, out: 'usage: rca-bot traces <file|url|-> [--baseline <file|url>] [--logs <file|->] [--json] [--service S]' });
  });
});

describe.skipIf(!sharedFixtures)('rca-bot traces on real traces', () => {
  it('reads the TrainTicket span tables, incident against baseline', async () => {
    const nezha = (...p: string[]) => fixture('rca', 'nezha', ...p);
    const r = await run(['traces', nezha('tt-2023-01-29-travel-exception', 'trace', '10_21_trace.csv'), '--baseline', nezha('baseline-tt-2023-01-29', 'trace', '08_50_trace.csv')]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^2010 spans in \d+ traces/);
    expect(r.out).toContain('Critical path of the slowest trace');
  });

  it('reads every Jaeger, OTLP and Zipkin fixture as JSON', async () => {
    for (const name of ['jaeger/jaeger-ui_spring-petclinic.json', 'otlp/jaeger_otlp2jaeger-in.json', 'zipkin/smartthings-oauth-authorization.json']) {
      const r = await run(['traces', fixture('traces', name), '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out).spans).toBeGreaterThan(0);
    }
  });
});
