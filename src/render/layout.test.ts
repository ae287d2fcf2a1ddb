import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { parseProfile } from '../profile/pprof.js';
import { resolveSampleIndex } from '../profile/top.js';
import { callTree, type TreeNode } from '../profile/tree.js';
import { layoutFlame, MAX_ROWS, MIN_FRAME_PX, type FlameLayout } from './layout.js';

const EPS = 1e-6;

function node(name: string, total: number, children: TreeNode[] = [], self?: number): TreeNode {
  const inKids = children.reduce((s, c) => s + c.total, 0);
  return { name, file: '', kind: 'app', self: self ?? total - inKids, total, children };
}

function parents(root: TreeNode): Map<TreeNode, TreeNode> {
  const out = new Map<TreeNode, TreeNode>();
  const walk = (n: TreeNode) => {
    for (const c of n.children) {
      out.set(c, n);
      walk(c);
    }
  };
  walk(root);
  return out;
}

/** The invariants every layout must keep, checked rect by rect. */
function checkLayout(root: TreeNode, layout: FlameLayout, width: number, maxRows: number) {
  const up = parents(root);
  const drawn = new Map<TreeNode, { x: number; width: number; value: number; cut?: boolean; depth: number }>();
  for (const r of layout.rects) if (r.merged === 0) drawn.set(r.node, r);
  const kidsWidth = new Map<TreeNode, number>();

  expect(layout.rects[0]).toMatchObject({ x: 0, depth: 0, node: root, merged: 0 });
  expect(layout.rects[0].width).toBeCloseTo(width, 6);
  for (const r of layout.rects) {
    expect(r.depth).toBeLessThan(maxRows);
    expect(r.width).toBeCloseTo(r.value * layout.scale, 6);
    // Only merged blocks may be narrower than the minimum.
    if (r.merged === 0) expect(r.width).toBeGreaterThanOrEqual(MIN_FRAME_PX);
    if (r.depth === 0) continue;
    const parentNode = up.get(r.node) as TreeNode;
    const parent = drawn.get(parentNode);
    expect(parent, `parent of ${r.node.name} is drawn`).toBeDefined();
    if (!parent) continue;
    expect(r.depth).toBe(parent.depth + 1);
    expect(r.x).toBeGreaterThanOrEqual(parent.x - EPS);
    expect(r.x + r.width).toBeLessThanOrEqual(parent.x + parent.width + EPS);
    kidsWidth.set(parentNode, (kidsWidth.get(parentNode) ?? 0) + r.width);
  }
  for (const [n, p] of drawn) {
    const sum = kidsWidth.get(n) ?? 0;
    expect(sum).toBeLessThanOrEqual(p.width + EPS);
    if (p.depth + 1 < maxRows) {
      // Nothing vanishes: drawn frames plus merged blocks cover exactly the callees' share.
      const expected = Math.min(p.value, n.children.reduce((s, c) => s + Math.max(0, c.total), 0)) * layout.scale;
      expect(Math.abs(sum - expected)).toBeLessThan(1e-6 * width);
    }
  }
}

describe('layoutFlame', () => {
  it('merges consecutive narrow siblings into one block of their combined width', () => {
    const tiny = Array.from({ length: 100 }, (_, i) => node(`tiny${i}`, 1));
    const root = node('root', 1100, [node('big', 1000, [node('leaf', 500)]), ...tiny]);
    const layout = layoutFlame(root, { width: 1100 });
    const merged = layout.rects.filter((r) => r.merged > 0);
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({ merged: 100, value: 100, x: 1000, depth: 1, node: tiny[0] });
    expect(merged[0].width).toBeCloseTo(100, 9);
    expect(layout.rects.map((r) => r.node.name)).toEqual(['root', 'big', 'leaf', 'tiny0']);
    checkLayout(root, layout, 1100, MAX_ROWS);
  });

  it('starts a new block after a wide sibling and does not descend into narrow frames', () => {
    const deepTiny = node('a', 1, [node('a.child', 1)]);
    const root = node('root', 1000, [deepTiny, node('b', 1), node('wide', 500), node('c', 2), node('d', 496)]);
    const layout = layoutFlame(root, { width: 1000 });
    const merged = layout.rects.filter((r) => r.merged > 0);
    expect(merged.map((r) => [r.node.name, r.merged, r.x])).toEqual([
      ['a', 2, 0],
      ['c', 1, 502],
    ]);
    expect(layout.rects.some((r) => r.node.name === 'a.child')).toBe(false);
    checkLayout(root, layout, 1000, MAX_ROWS);
  });

  it('keeps children inside a parent whose delta total is smaller than theirs', () => {
    const root = node('root', 100, [node('p', 50, [node('grew', 80), node('shrank', -30)])]);
    const layout = layoutFlame(root, { width: 1000 });
    const grew = layout.rects.find((r) => r.node.name === 'grew');
    expect(grew?.width).toBeCloseTo(500, 9);
    expect(layout.rects.some((r) => r.node.name === 'shrank')).toBe(false);
    checkLayout(root, layout, 1000, MAX_ROWS);
  });

  it('cuts stacks deeper than maxRows and says so', () => {
    let chain = node('f99', 10);
    for (let i = 98; i >= 0; i--) chain = node(`f${i}`, 10, [chain]);
    const root = node('root', 10, [chain]);
    const layout = layoutFlame(root, { width: 100, maxRows: 20 });
    expect(layout.rows).toBe(20);
    expect(layout.truncated).toBe(true);
    const last = layout.rects.filter((r) => r.depth === 19);
    expect(last).toHaveLength(1);
    expect(last[0].cut).toBe(true);
    expect(layout.rects.filter((r) => r.cut)).toHaveLength(1);
  });

  it('draws nothing for an empty tree', () => {
    const layout = layoutFlame(node('root', 0), { width: 1600 });
    expect(layout).toMatchObject({ rects: [], rows: 0, truncated: false });
  });
});

describe.skipIf(!sharedFixtures)('layoutFlame on real profiles', () => {
  const files = ['googlepprof__sample.cpu', 'pyroscope__cpu_go_truncated_1.pb.gz', 'pyroscope__heap_go_truncated_3.pb.gz', 'ddpprofformat__test.pprof'];

  it.each(files)('%s', (file) => {
    const parsed = parseProfile(readFileSync(fixture('pprof', file)));
    if (!parsed.ok) throw new Error(parsed.error);
    const index = resolveSampleIndex(parsed.value, undefined);
    if (!index.ok) throw new Error(index.error);
    const tree = callTree(parsed.value, index.value);
    const layout = layoutFlame(tree.root, { width: 1600 });
    checkLayout(tree.root, layout, 1600, MAX_ROWS);
    expect(layout.rows).toBeGreaterThan(1);
    expect(layout.rows).toBeLessThanOrEqual(MAX_ROWS);
  });

  it('cuts the 64-deep CPU profile at the row cap', () => {
    const parsed = parseProfile(readFileSync(fixture('pprof', 'pyroscope__cpu_go_truncated_1.pb.gz')));
    if (!parsed.ok) throw new Error(parsed.error);
    const layout = layoutFlame(callTree(parsed.value, 1).root, { width: 1600 });
    expect(layout.truncated).toBe(true);
    expect(layout.rows).toBe(MAX_ROWS);
    expect(layout.rects.some((r) => r.cut)).toBe(true);
  });

  it('draws every frame on its own in a small profile that fits', () => {
    const parsed = parseProfile(readFileSync(fixture('pprof', 'googlepprof__sample.cpu')));
    if (!parsed.ok) throw new Error(parsed.error);
    const tree = callTree(parsed.value, 1);
    const layout = layoutFlame(tree.root, { width: 1600 });
    const wide = layout.rects.filter((r) => r.merged === 0).map((r) => r.node.name);
    expect(wide.slice(0, 4)).toEqual(['root', 'runtime.main', 'main.main', 'main.busyLoop']);
    expect(layout.truncated).toBe(false);
  });
});
