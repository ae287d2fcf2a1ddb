// Checks shared by the execution-trace tests.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseProfile } from '../../src/profile/pprof.js';
import { top } from '../../src/profile/top.js';
import { analyzeTrace } from '../../src/trace/analyze.js';
import { latencyKinds } from '../../src/trace/latency.js';
import { buildTool } from './go.js';
import { expectSameTable, pprofTop } from './pprof-top.js';

/** Our latency profile of a trace against `go tool trace -pprof=KIND` of it, both read as -top tables. */
export function expectLatencyProfilesEqualGo(file: string, dir: string) {
  const a = analyzeTrace(file);
  if (!a.ok) throw new Error(a.error);
  for (const kind of latencyKinds) {
    const go = spawnSync('go', ['tool', 'trace', `-pprof=${kind}`, file], { maxBuffer: 1 << 28 });
    expect(go.status, String(go.stderr)).toBe(0);
    const goFile = join(dir, `go-${kind}.pb`);
    writeFileSync(goFile, go.stdout);
    const ours = parseProfile(a.value.latency.pprof(kind, a.value.summary));
    if (!ours.ok) throw new Error(ours.error);
    for (const [index, cum] of [[0, false], [1, false], [1, true]] as const) {
      const flags = [`-sample_index=${index}`, ...(cum ? ['-cum'] : []), goFile];
      expectSameTable(top(ours.value, { sampleIndex: index, cum }), pprofTop(flags));
    }
  }
}


/**
 * Our minimum mutator utilization at 1, 10 and 100 ms against Go's own
 * (internal/trace/gc.go, copied into tracedump -mmu) with go tool trace's MMU
 * page defaults. Returns Go's figures, for checks on what they say.
 */
export function expectMmuEqualGo(file: string): { windowMs: number; util: number }[] {
  const go = spawnSync(buildTool('tracedump'), ['-mmu', file], { encoding: 'utf8' });
  expect(go.status, go.stdout).toBe(0);
  const a = analyzeTrace(file);
  if (!a.ok) throw new Error(a.error);
  const line = go.stdout.trim();
  if (line === 'mmu none') {
    expect(a.value.facts.mmu).toEqual([]);
    return [];
  }
  const want = [...line.matchAll(/ (\d+)ms=([\d.]+)/g)].map((m) => ({ windowMs: Number(m[1]), util: Number(m[2]) }));
  expect(want.map((w) => w.windowMs)).toEqual([1, 10, 100]);
  expect(a.value.facts.mmu.map((m) => m.windowMs)).toEqual([1, 10, 100]);
  // Go prints 12 decimals; both sum the same float64 integrals, so they agree far below that.
  a.value.facts.mmu.forEach((m, i) => expect(Math.abs(m.util - want[i].util), `${m.windowMs} ms: ours ${m.util}, Go ${want[i].util}`).toBeLessThan(1e-9));
  return want;
}
