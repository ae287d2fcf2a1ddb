import { readFileSync } from 'node:fs';
import * as pprof from '@datadog/pprof';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { legendOf } from '../render/colors.js';
import { isProfilerFrame } from './frames.js';
import { parseProfile } from './pprof.js';
import { callTree, type TreeNode } from './tree.js';

const names = (n: TreeNode): string[] => [n.name, ...n.children.flatMap(names)];

describe.skipIf(!sharedFixtures)('call trees of real Go profiles', () => {
  const load = (name: string) => {
    const p = parseProfile(readFileSync(fixture('pprof', name)));
    if (!p.ok) throw new Error(p.error);
    return p.value;
  };

  it("leaves out the profiler's own samples when asked, and counts them", () => {
    // A heap profile of a process whose every allocation was the profiler's own (runtime/pprof.profileWriter, WriteTo…).
    const p = load('pyroscope__req_5.pprof');
    const all = callTree(p, 1);
    const kept = callTree(p, 1, { withoutProfiler: true });
    expect(names(all.root).some((n) => isProfilerFrame(n))).toBe(true);
    expect(names(kept.root).some((n) => isProfilerFrame(n))).toBe(false);
    expect(kept.omitted).toBe(all.root.total);
    expect(all.omitted).toBe(0);
  });

  it("keeps the service's code run inside runtime/pprof's label API (pprof.Do)", () => {
    const p = load('pyroscope__go.cpu.labels.pprof');
    const kept = callTree(p, 1, { withoutProfiler: true });
    expect(names(kept.root)).toContain('runtime/pprof.Do');
    expect(kept.omitted).toBe(0);
    expect(kept.root.total).toBe(callTree(p, 1).root.total);
    expect(kept.runtime).toBe('go');
    expect(legendOf(kept).map((k) => k.label)).toEqual(['application', 'third-party', 'Go runtime']);
  });
});

describe('call trees of real Node profiles', () => {
  it('are Node, and their legend names Node kinds, not Go ones', async () => {
    pprof.time.start({ durationMillis: 300, intervalMicros: 1000 });
    const until = Date.now() + 250;
    let x = 0;
    while (Date.now() < until) x += Math.sqrt(x + 1);
    const bytes = await pprof.encode(pprof.time.stop());
    const p = parseProfile(Buffer.from(bytes));
    if (!p.ok) throw new Error(p.error);
    const tree = callTree(p.value, p.value.sampleTypes.length - 1, { withoutProfiler: true });
    expect(tree.runtime).toBe('node');
    const labels = legendOf(tree).map((k) => k.label);
    expect(labels).not.toContain('Go runtime');
    expect(labels).toContain('application');
    expect(labels.every((l) => ['application', 'node_modules', 'Node.js core', 'V8 and GC', 'native'].includes(l))).toBe(true);
  });
});
