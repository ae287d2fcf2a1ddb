import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { diffTree } from '../profile/diff.js';
import { parseProfile } from '../profile/pprof.js';
import { resolveSampleIndex } from '../profile/top.js';
import { callTree, type TreeNode } from '../profile/tree.js';
import { formatValue } from '../profile/units.js';
import { renderFlameHtml } from './flameHtml.js';
import { CLIENT_JS, FORMAT_SOURCE, unitTable } from './htmlClient.js';

interface Embedded {
  names: string[];
  files: string[];
  n: number[];
  t: number[];
  s: number[];
  e: number[];
  b?: number[];
  diff: boolean;
}

function embedded(html: string): Embedded {
  const m = /<script type="application\/json" id="flame-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded data');
  return JSON.parse(m[1]) as Embedded;
}

function countNodes(n: TreeNode): number {
  return 1 + n.children.reduce((s, c) => s + countNodes(c), 0);
}

function leaf(name: string, total: number, kind: TreeNode['kind'] = 'app'): TreeNode {
  return { name, file: '', kind, self: total, total, children: [] };
}

describe('renderFlameHtml', () => {
  it('cannot be broken out of by a function name', () => {
    const evil = 'main.x</script><script>alert(1)</script><!--';
    const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 3, children: [leaf(evil, 2), leaf('main.ok', 1)] };
    const html = renderFlameHtml({ root, sampleType: 'cpu<b>', unit: 'nanoseconds' });
    // Only the two script elements of the page close.
    expect(html.match(/<\/script/gi)).toHaveLength(2);
    expect(html).not.toContain('<script>alert');
    expect(html).not.toContain('cpu<b>');
    expect(html).toContain('cpu&lt;b&gt;');
    expect(embedded(html).names).toContain(evil);
  });

  it('loads nothing from the network', () => {
    const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 1, children: [leaf('main.main', 1)] };
    const html = renderFlameHtml({ root, sampleType: 'cpu', unit: 'nanoseconds' });
    expect(html).not.toMatch(/https?:\/\//);
    expect(html).not.toMatch(/<(link|img|iframe)\b|<script[^>]*\ssrc=|@import|url\(/i);
    expect(html).toContain('id="search"');
    expect(html).toContain('id="reset"');
  });

  it("says in its title what share of the samples was the profiler's own, and names the kinds after the runtime", () => {
    const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 4, children: [{ ...leaf('handle', 4), file: '/srv/app.js', kind: 'app' }] };
    const html = renderFlameHtml({ root, sampleType: 'wall', unit: 'nanoseconds', runtime: 'node', omitted: 1 });
    expect(html).toContain("without the profiler&#39;s own frames (20.0% of samples)</h1>");
    expect(html).toContain('application');
    expect(html).not.toContain('Go runtime');
    expect(renderFlameHtml({ root, sampleType: 'wall', unit: 'nanoseconds', omitted: 0 })).not.toContain('without the profiler');
  });

  it('ships a script that parses', () => {
    expect(() => new Function(CLIENT_JS)).not.toThrow();
  });

  it('formats values in the browser as formatValue does', () => {
    const values = [0, 1, 0.4, 999, 1000, 1001.5, 123456, 1.76e9, 2e9, 59e9, 3599999000000, 7.2e12, 1023, 1024, 10.5 * 2 ** 20, 3.3 * 2 ** 40, 2 ** 52];
    for (const unit of ['nanoseconds', 'microseconds', 'milliseconds', 'seconds', 'bytes', 'kilobytes', 'count', 'samples', '']) {
      const fmt = new Function('U', `${FORMAT_SOURCE}\nreturn fmt;`)(unitTable(unit)) as (v: number) => string;
      for (const v of values) for (const x of [v, -v, v / 3]) expect(fmt(x), `${x} ${unit}`).toBe(formatValue(x, unit));
    }
  });

  it('marks a diff tree and embeds the base totals', () => {
    const base: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 10, children: [leaf('main.a', 10)] };
    const diffRoot = { ...base, baseTotal: 10, baseSelf: 0, total: 10, children: [{ ...leaf('main.a', 10), baseTotal: 4, baseSelf: 4, children: [] }] };
    const html = renderFlameHtml({ root: diffRoot, sampleType: 'cpu', unit: 'nanoseconds' });
    const data = embedded(html);
    expect(data.diff).toBe(true);
    expect(data.b).toEqual([10, 4]);
    expect(html).toContain('diff vs base');
  });
});

describe.skipIf(!sharedFixtures)('flame HTML of real profiles', () => {
  it.each(['googlepprof__sample.cpu', 'pyroscope__cpu_go_truncated_1.pb.gz', 'pyroscope__heap_go_truncated_3.pb.gz'])(
    'embeds the whole tree of %s',
    (file) => {
      const parsed = parseProfile(readFileSync(fixture('pprof', file)));
      if (!parsed.ok) throw new Error(parsed.error);
      const index = resolveSampleIndex(parsed.value, undefined);
      if (!index.ok) throw new Error(index.error);
      const tree = callTree(parsed.value, index.value);
      const html = renderFlameHtml(tree, { title: { kind: 'CPU', durationNanos: parsed.value.durationNanos } });
      expect(html).not.toMatch(/https?:\/\//);
      const data = embedded(html);
      const nodes = countNodes(tree.root);
      expect(data.t).toHaveLength(nodes);
      expect(data.e[0]).toBe(nodes);
      // Pre-order: node 0 is the root, then its first child; every subtree nests in its parent's.
      expect(data.t[0]).toBe(tree.root.total);
      const stack = [0];
      for (let i = 1; i < nodes; i++) {
        while (data.e[stack[stack.length - 1]] <= i) stack.pop();
        expect(data.e[i]).toBeGreaterThan(i);
        expect(data.e[i]).toBeLessThanOrEqual(data.e[stack[stack.length - 1]]);
        stack.push(i);
      }
      // The root's children, heaviest first, are the nodes right under it.
      const top: string[] = [];
      for (let c = 1; c < data.e[0]; c = data.e[c]) top.push(data.names[data.n[c]]);
      expect(top).toEqual(tree.root.children.map((c) => c.name));
      for (const c of tree.root.children) for (const g of c.children) expect(data.names).toContain(g.name);
    },
  );

  it('embeds a diff of two profiles', () => {
    const parsed = parseProfile(readFileSync(fixture('pprof', 'parca__fib.pb.gz')));
    if (!parsed.ok) throw new Error(parsed.error);
    const d = diffTree(parsed.value, parsed.value, 1);
    if (!d.ok) throw new Error(d.error);
    const data = embedded(renderFlameHtml(d.value));
    expect(data.diff).toBe(true);
    expect(data.b).toEqual(data.t);
  });
});
