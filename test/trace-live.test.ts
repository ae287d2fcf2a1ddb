// Execution traces captured live from a loaded Go target built with this run's
// toolchain (RCA_GO; `npm run test:go-matrix` runs it for each), taken while a
// CPU profile runs so they carry CPU samples: our reader's dump must equal
// Go's own (golang.org/x/exp/trace) byte for byte, or, for the old format of
// toolchains before 1.22, up to the order Go leaves to chance (DumpDigest).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeTrace } from '../src/trace/analyze.js';
import { dumpTrace } from '../src/trace/dump.js';
import { traceReport } from '../src/trace/report.js';
import { buildTool, hasGo, startLoadedTarget, toolchain, type Target } from './helpers/go.js';
import { DumpDigest, expectLatencyProfilesEqualGo, expectMmuEqualGo } from './helpers/trace.js';

describe.skipIf(!hasGo)(`live execution traces read as Go reads them (${hasGo ? toolchain().version : 'no Go'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-trace-live-'));
  const traces: Record<string, string> = {};
  const targets: Target[] = [];

  beforeAll(async () => {
    for (const mode of ['cpu', 'pgxpool', 'pipeline']) {
      const t = await startLoadedTarget(['-mode', mode], 100);
      targets.push(t);
      const [trace] = await Promise.all([fetch(`${t.url}/debug/pprof/trace?seconds=1`), fetch(`${t.url}/debug/pprof/profile?seconds=2`)]);
      expect(trace.status).toBe(200);
      traces[mode] = join(dir, `${mode}.trace`);
      writeFileSync(traces[mode], Buffer.from(await trace.arrayBuffer()));
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['cpu', 'pgxpool'])('%s: the dump equals x/exp/trace', (mode) => {
    const chunks: Buffer[] = [];
    const ok = dumpTrace(traces[mode], (s) => chunks.push(Buffer.from(s)));
    const ours = Buffer.concat(chunks);
    const go = spawnSync(buildTool('tracedump'), [traces[mode]], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 30 });
    expect(go.status).toBe(0);
    expect(ok).toBe(true);
    // The CPU-bound target's trace carries the profiler's samples.
    if (mode === 'cpu') expect(ours.toString()).toMatch(/ StackSample [^]*main\.checksumRecords/);
    expect(ours.toString()).toContain(mode === 'cpu' ? 'main.checksumRecords' : 'main.loadOrder');
    if (toolchain().minor < 22) {
      const digest = (b: Buffer) => {
        const d = new DumpDigest();
        d.update(b);
        return d.digest().ties;
      };
      expect(digest(ours)).toBe(digest(go.stdout));
      return;
    }
    // Compare by lines so that a difference names the first event that differs.
    const [a, b] = [ours.toString().split('\n'), go.stdout.toString().split('\n')];
    const first = a.findIndex((line, i) => line !== b[i]);
    expect(first === -1 ? null : { line: first, ours: a[first], go: b[first] }).toBeNull();
    expect(a.length).toBe(b.length);
  });

  it.skipIf(toolchain().minor < 22)('pipeline: the slowest tasks, with what they logged', () => {
    const a = analyzeTrace(traces.pipeline);
    if (!a.ok) throw new Error(a.error);
    const r = traceReport(a.value);
    expect(r.tasks.map((t) => t.type)).toContain('order');
    expect(r.regions.map((t) => t.type).sort()).toEqual(['execute', 'parse', 'render', 'route']);
    expect(r.slowestTasks[0]).toMatchObject({ type: 'order', logs: [{ category: 'order', message: expect.stringMatching(/^id=\d+$/) }] });
    // The execute stage sleeps 25 ms.
    expect(r.slowestTasks[0].ns).toBeGreaterThan(25e6);
  });

  it.skipIf(toolchain().minor < 22).each(['pgxpool'])('%s: the latency profiles equal go tool trace -pprof', (mode) => {
    expectLatencyProfilesEqualGo(traces[mode], dir);
  });

  it.each(['cpu', 'pgxpool', 'pipeline'])('%s: the minimum mutator utilization equals go tool trace\'s', (mode) => {
    const go = expectMmuEqualGo(traces[mode], toolchain().minor >= 22 ? 1e-9 : 1e-7);
    // Go's conversion of an old trace can leave GOMAXPROCS unsaid, and then it has no MMU either.
    if (toolchain().minor >= 22) expect(go).toHaveLength(3);
  });
});
