import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { hasGo } from '../../test/helpers/go.js';
import { expectSameTable, pprofTop } from '../../test/helpers/pprof-top.js';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { diffTop, diffTree } from './diff.js';
import { parseProfile } from './pprof.js';
import { resolveSampleIndex } from './top.js';

const load = (name: string) => {
  const p = parseProfile(readFileSync(fixture('pprof', name)));
  if (!p.ok) throw new Error(p.error);
  return p.value;
};

const pairs = [
  ['googlepprof__sample.cpu', 'parca__fib.pb.gz'],
  ['goprofnotes__benchmark.cpu.pb.gz', 'pyroscope__cpu.pb.gz'],
  ['pyroscope__req_5.pprof', 'pyroscope__heap.pb.gz'],
];

describe.skipIf(!sharedFixtures || !hasGo)('diff equals go tool pprof -diff_base -normalize', () => {
  for (const [baseName, curName] of pairs) {
    const types = sharedFixtures ? load(curName).sampleTypes.map((t) => t.type) : [];
    it.each(types)(`${curName} against ${baseName}: %s`, (type) => {
      const base = load(baseName);
      const cur = load(curName);
      const index = resolveSampleIndex(cur, type);
      if (!index.ok) throw new Error(index.error);
      for (const cum of [false, true]) {
        const table = diffTop(base, cur, { sampleIndex: index.value, cum });
        if (!table.ok) throw new Error(table.error);
        const args = ['-nodefraction=0', `-sample_index=${type}`, '-normalize', `-diff_base=${fixture('pprof', baseName)}`, fixture('pprof', curName)];
        expectSameTable(table.value, pprofTop(cum ? ['-cum', ...args] : args), 0);
      }
    });
  }
});

describe.skipIf(!sharedFixtures)('diff', () => {
  it('refuses profiles of different kinds with the reason', () => {
    const r = diffTop(load('pyroscope__heap.pb.gz'), load('parca__fib.pb.gz'), { sampleIndex: 0 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/^incompatible (period|sample) types/);
  });

  it('a profile against itself changes nothing, and the tree keeps both totals', () => {
    const p = load('parca__fib.pb.gz');
    const t = diffTop(p, load('parca__fib.pb.gz'), { sampleIndex: 1 });
    if (!t.ok) throw new Error(t.error);
    expect(t.value.rows).toEqual([]);
    const tree = diffTree(p, load('parca__fib.pb.gz'), 1);
    if (!tree.ok) throw new Error(tree.error);
    expect(tree.value.root.total).toBeCloseTo(tree.value.root.baseTotal);
  });
});
