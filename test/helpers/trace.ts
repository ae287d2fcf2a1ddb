// Checks shared by the execution-trace tests.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import { parseProfile } from '../../src/profile/pprof.js';
import { top } from '../../src/profile/top.js';
import { analyzeTrace } from '../../src/trace/analyze.js';
import { latencyKinds } from '../../src/trace/latency.js';
import { buildTool } from './go.js';
import { sharedFixtures } from './shared.js';
import { expectSameTable, pprofTop } from './pprof-top.js';

/**
 * Our latency profile of a trace against `go tool trace -pprof=KIND` of it, both read as -top tables;
 * `slackNs` is how far a delay may be off (Go's own profile of an old-format trace moves by a few ns from run to run).
 */
export function expectLatencyProfilesEqualGo(file: string, dir: string, slackNs = 0) {
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
      expectSameTable(top(ours.value, { sampleIndex: index, cum }), pprofTop(flags), undefined, undefined, index === 1 ? slackNs : 0);
    }
  }
}


export const traceDir = sharedFixtures && join(sharedFixtures, 'gotrace');

/** The binary traces among the shared fixtures (not the text tests, fuzz inputs or licences). */
export function traceFiles(): string[] {
  if (!traceDir) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'fuzz' && name !== 'tests') walk(p);
      } else if (readFileSync(p).subarray(0, 5).toString('latin1') === 'go 1.') out.push(p);
    }
  };
  walk(traceDir);
  return out;
}

/** The minor version a trace's header names: 22 for "go 1.22 trace". */
export const traceHeader = (f: string) => Number(/^go 1\.(\d+)/.exec(readFileSync(f).subarray(0, 16).toString('latin1'))![1]);

/**
 * Our minimum mutator utilization at 1, 10 and 100 ms against Go's own
 * (internal/trace/gc.go, copied into tracedump -mmu) with go tool trace's MMU
 * page defaults. Returns Go's figures, for checks on what they say. For the old
 * format, Go's own figure moves by about 1e-9 from run to run (it leaves the
 * order of events at one time stamp to chance, then spaces them 1 ns apart):
 * pass a looser `tolerance`.
 */
export function expectMmuEqualGo(file: string, tolerance = 1e-9): { windowMs: number; util: number }[] {
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
  a.value.facts.mmu.forEach((m, i) => expect(Math.abs(m.util - want[i].util), `${m.windowMs} ms: ours ${m.util}, Go ${want[i].util}`).toBeLessThan(tolerance));
  return want;
}

/**
 * A digest of a trace dump (tracedump's or dumpTrace's text) that Go's own
 * reader gives the same for every run. For the old format (Go 1.11 to 1.21),
 * x/exp/trace ranges over maps while merging the Ps' events and listing the
 * goroutines that existed before the trace, so events that share a timestamp
 * come out in an order left to chance, each then moved 1 ns after the one
 * before. The times stay the same from run to run; so does everything but
 * that order. `exact` is the digest of the bytes; `ties` that of the times and,
 * for each run of events 1 ns apart, the events sorted (their times left out).
 */
export class DumpDigest {
  private bytes = createHash('sha256');
  private ties = createHash('sha256');
  private partial = '';
  private event: string[] = [];
  private run: string[] = [];
  private last = Number.NaN;

  update(chunk: Buffer | string) {
    const b = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    this.bytes.update(b);
    // latin1 keeps every byte as one character, so both sides split the same bytes the same way.
    const lines = (this.partial + b.toString('latin1')).split('\n');
    this.partial = lines.pop()!;
    for (const line of lines) this.line(line);
  }

  private line(line: string) {
    const time = /^M=-?\d+ P=-?\d+ G=-?\d+ \S+ Time=(-?\d+)/.exec(line);
    if (!time) {
      this.event.push(line);
      return;
    }
    this.endEvent();
    const t = Number(time[1]);
    if (t !== this.last + 1) this.endRun(t);
    this.last = t;
    this.event.push(line.replace(/ Time=-?\d+/, ''));
  }

  private endEvent() {
    if (this.event.length) this.run.push(this.event.join('\n'));
    this.event = [];
  }

  private endRun(next: number) {
    this.run.sort();
    for (const e of this.run) this.ties.update(e).update('\n');
    this.ties.update(`run from ${next}\n`);
    this.run = [];
  }

  digest(): { exact: string; ties: string } {
    if (this.partial) this.line(this.partial);
    this.partial = '';
    this.endEvent();
    this.endRun(Number.NaN);
    return { exact: this.bytes.digest('hex'), ties: this.ties.digest('hex') };
  }
}
