// Logs joined to traces by trace id, on real data: a Nezha case (its log rows
// carry the TraceID and SpanID of the span they were written in) through
// `rca-bot rank`, and a live Go target exporting its spans to a real Jaeger and
// writing a JSON line per request with its trace id, through a diagnosis.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.js';
import { hasGo, startLoad, startTarget, type Target } from './helpers/go.js';
import { findTraces, jaegerBinary, jaegerVersion, spansOf, startJaeger, type Jaeger } from './helpers/jaeger.js';
import { until } from './helpers/redis.js';
import { fixture, sharedFixtures } from './helpers/shared.js';
import { diagnose } from '../src/rca/diagnose.js';
import { planOf } from '../src/rca/sources.js';
import { validateRegistry } from '../src/config/registry.js';
import { toMarkdown } from '../templates/markdown.js';
import type { TraceLogs } from '../src/model.js';

if (!sharedFixtures) console.warn('skipping the Nezha trace-log join test: ../shared/fixtures is absent');
if (!jaegerBinary) console.warn(`skipping the live trace-log join test: no jaeger ${jaegerVersion} binary (.ci/backends builds it)`);

describe.skipIf(!sharedFixtures)('a Nezha case: the log lines of its traces', () => {
  const dir = sharedFixtures ? fixture('rca', 'nezha', 'tt-2023-01-29-travel-exception') : '';
  // The raw rows: TraceID is the sixth column of every log/*.csv (Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log).
  const rowsOf = (traceId: string) =>
    readdirSync(join(dir, 'log'))
      .flatMap((f) => readFileSync(join(dir, 'log', f), 'utf8').split('\n'))
      .filter((row) => row.split(',')[5] === traceId).length;

  it('rank quotes the slowest trace and the failing ones with every line of theirs, and names the spans of a log template', async () => {
    const r = await runCli(['rank', '--json', dir]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { traceLogs: TraceLogs[]; ranking: { service: string; evidence: { source: string; summary: string }[] }[] };
    const [slowest, ...failing] = out.traceLogs;
    expect(slowest.why).toBe('slowest');
    expect(slowest.service).toBe('ts-gateway-service');
    expect(failing.length).toBe(2);
    for (const t of out.traceLogs) {
      // Every row of the trace, no other: quoted or counted.
      expect(t.lines.length + t.more).toBe(rowsOf(t.traceId));
      for (const l of t.lines) expect(l.line).toContain(`TraceID: ${t.traceId}`);
      // The span each was written in, by its SpanID: a service and an operation of the trace.
      expect(t.lines.every((l) => l.span && /^ts-[\w-]+ \S+/.test(l.span))).toBe(true);
    }
    // A failing trace's own errors are among the lines quoted, whatever their place in it.
    for (const t of failing) expect(t.lines.some((l) => /\bERROR\b/.test(l.line))).toBe(true);
    const human = await runCli(['rank', dir]);
    expect(human.out).toContain(`The slowest trace ${slowest.traceId} (ts-gateway-service`);
  });

  it('a log template found against the baseline names the spans its lines were written in', async () => {
    const r = await runCli(['rank', '--json', fixture('rca', 'nezha', 'tt-2023-01-29-basic-return')]);
    const out = JSON.parse(r.out) as { ranking: { service: string; evidence: { source: string; summary: string }[] }[] };
    const basic = out.ranking.find((s) => s.service === 'ts-basic-service');
    const logs = basic?.evidence.find((e) => e.source === 'logs');
    expect(logs?.summary).toMatch(/Get Route By Ids Failed.*written in spans: ts-basic-service BasicController\.queryForTravels \(\d+ lines?\)/);
  });
});

describe.skipIf(!hasGo || !jaegerBinary)('a live target: the diagnosis quotes the log lines of its slowest trace', () => {
  let jaeger: Jaeger;
  let target: Target;
  let logFile: string;

  beforeAll(async () => {
    jaeger = await startJaeger();
    logFile = join(mkdtempSync(join(tmpdir(), 'rca-tracelogs-')), 'order-api.log');
    target = await startTarget(['-mode', 'pool', '-log', logFile], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp, OTEL_SERVICE_NAME: 'order-api' } });
    // Load for a while, then none: every request's trace is then complete in Jaeger before the diagnosis reads it.
    const load = startLoad(`${target.url}/work`, 200);
    await until(async () => loggedTraces().size >= 200, 'requests logged by the target', 60_000);
    await load.stop();
  }, 120_000);

  const loggedTraces = () => new Set([...readFileSync(logFile, 'utf8').matchAll(/"trace_id":"([0-9a-f]{32})"/g)].map((m) => m[1]));

  afterAll(async () => {
    await target?.stop();
    await jaeger?.stop();
  });

  it('the report names the slowest trace Jaeger has for the service, with the lines the target wrote in it', async () => {
    const t0 = new Date(Date.now() - 60_000);
    // The target's spans reach Jaeger in batches of a second: wait for the root of every request it logged.
    const logged = loggedTraces();
    await until(async () => {
      const t = await findTraces(jaeger, 'order-api', t0, new Date());
      const roots = new Set(t ? spansOf(t).filter((s) => !s.parentSpanId).map((s) => s.traceId) : []);
      return [...logged].every((id) => roots.has(id));
    }, "the target's traces in Jaeger", 30_000);
    const registry = validateRegistry(
      { services: { 'order-api': { pprof: target.url, seconds: 1, lookback: '60s', baseline: '1h', traces: { type: 'jaeger', url: jaeger.query, limit: 5000 }, logs: { type: 'file', path: logFile } } } },
      'test',
    );
    if (!registry.ok) throw new Error(registry.error);
    const cfg = registry.value.services['order-api'];
    const { report } = await diagnose({ service: 'order-api', pprof: target.url, probes: [], sources: planOf('order-api', cfg) }, { seconds: 1 });
    const [slowest] = report.traceLogs ?? [];
    expect(slowest, JSON.stringify(report.errors)).toBeDefined();
    expect(slowest.why).toBe('slowest');
    expect(slowest.service).toBe('order-api');
    expect(slowest.operation).toBe('GET /work');
    // Independently: the log file's lines of that trace, and Jaeger's own root spans.
    const written = readFileSync(logFile, 'utf8')
      .split('\n')
      .filter((l) => l.includes(`"trace_id":"${slowest.traceId}"`));
    expect(written.length).toBeGreaterThan(0);
    expect(slowest.lines.map((l) => l.line)).toEqual(written.slice(0, slowest.lines.length));
    // The request's line in its own span; a wait for a connection in the query's.
    for (const l of slowest.lines) expect(l.span).toBe(l.line.includes('waiting for a free connection') ? 'order-api SELECT orders' : 'order-api GET /work');
    const traces = await findTraces(jaeger, 'order-api', new Date(Date.parse(report.window.start) - 60_000), new Date(report.window.start));
    const roots = spansOf(traces!).filter((s) => !s.parentSpanId && logged.has(s.traceId));
    const longest = roots.reduce((a, b) => (BigInt(b.endTimeUnixNano) - BigInt(b.startTimeUnixNano) > BigInt(a.endTimeUnixNano) - BigInt(a.startTimeUnixNano) ? b : a));
    expect(slowest.traceId).toBe(longest.traceId);
    expect(toMarkdown(report)).toContain(`### The slowest trace ${slowest.traceId} (order-api GET /work, `);
  }, 60_000);
});

describe.skipIf(!sharedFixtures)('rca-bot traces --logs', () => {
  it("quotes the slowest trace of a Nezha minute with that trace's rows of the log minute", async () => {
    const dir = fixture('rca', 'nezha', 'tt-2023-01-29-travel-exception');
    const logs = join(dir, 'log', '10_21_log.csv');
    const r = await runCli(['traces', join(dir, 'trace', '10_21_trace.csv'), '--logs', logs, '--json']);
    expect(r.code).toBe(0);
    const { traceLogs } = JSON.parse(r.out) as { traceLogs: TraceLogs[] };
    expect(traceLogs.length).toBeGreaterThan(0);
    const rows = readFileSync(logs, 'utf8').split('\n');
    for (const t of traceLogs) expect(t.lines.length + t.more).toBe(rows.filter((row) => row.split(',')[5] === t.traceId).length);
    const human = await runCli(['traces', join(dir, 'trace', '10_21_trace.csv'), '--logs', logs]);
    expect(human.out).toMatch(/ log lines, \d+ with a trace id\n/);
    expect(human.out).toContain(`trace ${traceLogs[0].traceId} (`);
  });
});
