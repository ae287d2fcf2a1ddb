// Checks shared by the execution-trace tests.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseProfile } from '../../src/profile/pprof.js';
import { top } from '../../src/profile/top.js';
import { analyzeTrace } from '../../src/trace/analyze.js';
import { latencyKinds } from '../../src/trace/latency.js';
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

