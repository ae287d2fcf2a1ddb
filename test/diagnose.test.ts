// The whole diagnosis against a real Go service in each of its fault modes:
// the top finding names the right kind and the right code, and the healthy
// mode is called healthy. The toolchain is RCA_GO (default: the `go` on
// PATH); `npm run test:go-matrix` runs this file once per toolchain and
// reads the rows it appends to RCA_MATRIX_OUT.
import { appendFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { diagnose, stagesOf } from '../src/rca/diagnose.js';
import { sourceCount } from '../src/rca/fuse.js';
import type { Report } from '../src/model.js';
import { faults } from './helpers/faults.js';
import { hasGo, startLoadedTarget, toolchain, type BuildOptions, type Target } from './helpers/go.js';

const matrixOut = process.env.RCA_MATRIX_OUT;

function record(mode: string, report: Report) {
  if (!matrixOut) return;
  const top = report.findings[0];
  const row = { toolchain: toolchain().version, mode, verdict: report.verdict, kind: top?.kind, function: top?.location?.function, confidence: top?.confidence, errors: report.errors.length };
  appendFileSync(matrixOut, `${JSON.stringify(row)}\n`);
}

describe.skipIf(!hasGo)(`diagnose a live Go service (${hasGo ? toolchain().version : 'no Go'})`, () => {
  let target: Target | undefined;
  afterEach(async () => {
    await target?.stop();
    target = undefined;
  });

  async function run(mode: string, flags: string[] = [], build: BuildOptions = {}) {
    // Let the load reach the service before the window opens.
    target = await startLoadedTarget(['-mode', mode, ...flags], 100, build);
    return diagnose(
      { service: `demo-${mode}`, pprof: target.url, probes: [{ name: 'db', url: `${target.url}/health`, expect: { json: { status: 'OK' } } }] },
      { seconds: 3 },
    );
  }

  it.each(faults.map((f) => [f.mode, f.kinds.join(' or '), f.function, f.kinds] as const))('%s mode: the top finding is %s at %s', async (mode, _, fn, kinds) => {
    const { report } = await run(mode);
    record(mode, report);
    const top = report.findings[0];
    expect(kinds, JSON.stringify(report.findings.map((f) => [f.kind, f.confidence, f.location?.function]))).toContain(top?.kind);
    expect(top.confidence).toBeGreaterThanOrEqual(0.5);
    expect(top.location?.function).toBe(fn);
    expect(top.location?.file).toMatch(/test\/go\/target\/\w+\.go$/);
    expect(top.location?.line).toBeGreaterThan(0);
    expect(['confirmed', 'likely', 'needs-review']).toContain(report.verdict);
    expect(report.errors).toEqual([]);
    // Nothing else competes at the top: every other finding is weaker, or as strong on fewer
    // independent sources (confidence stops at 0.95), or another reading of the same function
    // (regexp mode's compiles are its CPU and its garbage both).
    for (const f of report.findings.slice(1)) {
      const weaker = f.confidence < top.confidence || sourceCount(f) < sourceCount(top) || f.location?.function === top.location?.function;
      expect(weaker, `${f.kind} at ${f.location?.function}: ${f.confidence} on ${sourceCount(f)} sources, the top ${top.confidence} on ${sourceCount(top)}`).toBe(true);
    }
  });

  it('healthy mode is reported healthy, with nothing at confidence 0.5 or more', async () => {
    const { report } = await run('healthy');
    record('healthy', report);
    expect(report.verdict).toBe('healthy');
    expect(report.findings.filter((f) => f.confidence >= 0.5)).toEqual([]);
  });

  it('pgxpool mode: block profile, goroutines and the probe agree, so the cause is confirmed', async () => {
    const { report } = await run('pgxpool');
    expect(report.verdict).toBe('confirmed');
    const probe = report.findings[0].evidence.find((e) => e.source === 'probe:db');
    expect(probe?.summary).toContain('{"activeConnections":8,"maxPoolSize":8,"status":"CRITICAL"}');
  });

  it('gc mode: the trace sees the collector take the Ps, located in the allocating code, as a third source', async () => {
    const { report, captures } = await run('gc');
    const top = report.findings[0];
    expect(top.kind).toBe('gc-pressure');
    const facts = captures.find((c) => c.name === 'trace')?.trace?.facts;
    const gc = facts && { ...facts.gc, assistStacks: facts.gc.assistStacks.length, busyNs: facts.busyNs, gomaxprocs: facts.gomaxprocs };
    const trace = top.evidence.filter((e) => e.source === 'trace').map((e) => e.summary);
    expect(trace, JSON.stringify({ findings: report.findings.map((f) => [f.kind, f.confidence, f.location?.function]), gc, errors: report.errors })).toContainEqual(
      expect.stringMatching(/^minimum mutator utilization 1 ms \d+%, 10 ms \d+%, 100 ms \d+%; \d+ mark phases, [\d.]+ [mµ]s; mark workers ran [\d.]+ [mµ]s, mark assists [\d.]+ [mµ]s: \d+% of running time$/),
    );
    // While it marks, the runtime gives its background workers a quarter of GOMAXPROCS (idle workers, on Ps nothing else
    // wanted, left out). markNs has only the phases that ended inside the trace, the workers' time all of it: the bounds are loose.
    const workerShare = facts!.gc.workerRunningNs / (facts!.gc.markNs * facts!.gomaxprocs);
    expect(workerShare, JSON.stringify(gc)).toBeGreaterThan(0.1);
    expect(workerShare, JSON.stringify(gc)).toBeLessThan(0.6);
    expect(report.verdict).toBe('confirmed');
    expect(report.findings.filter((f) => f.kind === 'gc-pause')).toEqual([]);
  });

  it('pipeline mode against its last healthy capture: the stage that grew, and nothing while it has not', async () => {
    target = await startLoadedTarget(['-mode', 'pipeline', '-fault-off'], 100);
    const t = { service: 'demo-pipeline', pprof: target.url, probes: [] };
    const calm = await diagnose(t, { seconds: 3 });
    const baseline = stagesOf(calm.captures);
    expect(Object.keys(baseline ?? {})).toEqual(['order']);
    expect(Object.keys(baseline!.order.stages).sort()).toEqual(['execute', 'parse', 'render', 'route']);
    const stageBaseline = { baseline: baseline!, at: calm.report.window.start };
    // Execute always takes most of an order's time; against the baseline that is how the service works.
    const again = await diagnose(t, { seconds: 3, stageBaseline });
    expect(again.report.findings.filter((f) => f.kind === 'stage-stall')).toEqual([]);
    expect((await fetch(`${target.url}/fault?on=true`, { method: 'POST' })).status).toBe(200);
    const { report } = await diagnose(t, { seconds: 3, stageBaseline });
    const top = report.findings[0];
    expect(top?.kind, JSON.stringify(report.findings.map((f) => [f.kind, f.confidence, f.title]))).toBe('stage-stall');
    expect(top.location?.function).toBe('main.handleOrder');
    expect(top.title).toMatch(/^The execute stage of order requests grew from [\d.]+ ms to [\d.]+ ms against the last healthy capture/);
    expect(top.evidence[0].summary).toContain(calm.report.window.start);
  });

  it('rwlock mode: the mutex profile names the writer that holds the lock', async () => {
    const { report } = await run('rwlock');
    expect(report.findings[0].evidence.find((e) => e.source === 'mutex')?.summary).toContain('main.refreshPrices');
  });

  it('grpc mode: a slow dependency, not a pool of ours', async () => {
    const { report } = await run('grpc');
    expect(report.findings.filter((f) => f.kind === 'pool-exhaustion' && f.confidence >= 0.2)).toEqual([]);
    expect(report.findings[0].title).toContain('gRPC');
  });

  it.each([
    ['lock', 'lock-contention', 'main.updateInventory'],
    ['pgxpool', 'pool-exhaustion', 'main.loadOrder'],
  ])('without block profiling, %s mode is still found from goroutine snapshots, and block and mutex are listed as not captured', async (mode, kind, fn) => {
    const { report } = await run(mode, ['-contention=false']);
    expect(report.findings[0]).toMatchObject({ kind, location: { function: fn } });
    expect(report.findings[0].evidence.map((e) => e.source)).toContain('goroutine');
    expect(report.errors).toEqual([]);
    expect(report.notCaptured?.map((n) => n.source)).toEqual(['block', 'mutex']);
    expect(report.notCaptured?.map((n) => n.reason)).toEqual([expect.stringMatching(/block profiling is not enabled/), expect.stringMatching(/mutex profiling is not enabled/)]);
  });

  it('a target without the goroutine leak profile is silent about it', async () => {
    const { report } = await run('healthy');
    expect(report.errors).toEqual([]);
    expect(report.notCaptured).toEqual([]);
  });

  const leakProfile = hasGo && toolchain().minor >= 26;
  it.skipIf(!leakProfile)('built with Go 1.26 and GOEXPERIMENT=goroutineleakprofile, the leak profile names the leak for certain', async () => {
    const { report } = await run('leak', [], { experiment: 'goroutineleakprofile' });
    record('leak+leakprofile', report);
    const top = report.findings[0];
    expect(top).toMatchObject({ kind: 'goroutine-leak', location: { function: 'main.notifyLater.func1' } });
    expect(top.evidence.map((e) => e.source)).toEqual(['goroutineleak', 'goroutine']);
    expect(top.evidence[0].summary).toMatch(/nothing else can reach/);
    expect(report.verdict).toBe('likely');
  });

  it.skipIf(!leakProfile)('with the leak profile, healthy stays healthy', async () => {
    const { report } = await run('healthy', [], { experiment: 'goroutineleakprofile' });
    expect(report.verdict).toBe('healthy');
    expect(report.findings.filter((f) => f.kind === 'goroutine-leak')).toEqual([]);
  });
});
