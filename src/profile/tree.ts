// The call tree of a profile for one sample type: the input of flame graphs.
// Frames are functions (inlined frames count as their own), merged by name
// along each path from the root, as pprof's flame graph view does.

import type { Profile } from './model.js';
import { frameKind, isProfilerFrame, profileRuntime, type FrameKind, type Runtime } from './frames.js';
import { functionNodes } from './top.js';
import { doubled } from '../arrays.js';

export interface TreeNode {
  name: string;
  /** Source file of the function, when the profile has it. */
  file: string;
  kind: FrameKind;
  /** Value of samples whose leaf is this frame. */
  self: number;
  /** Value of all samples through this frame. */
  total: number;
  children: TreeNode[];
}

export interface CallTree {
  root: TreeNode;
  sampleType: string;
  unit: string;
  /** Whose frames these are (names the legend's kinds); Go when unset. */
  runtime?: Runtime;
  /** The value of the samples left out: those through the profiler's own frames, when asked. */
  omitted?: number;
  /** The kinds of all its frames, those `minShare` left out too (the legend's). */
  kinds?: FrameKind[];
}

export interface TreeOptions {
  /** Leave out the samples that pass through the profiler's own frames (net/http/pprof, runtime/pprof). */
  withoutProfiler?: boolean;
  /**
   * Frames under this share of the root's total are kept as leaves, their callees dropped: a
   * flame graph PNG draws them only as part of a grey block. Keeps a tree of 270,000 frames to the
   * few thousand a picture can show. Off (every frame kept) by default.
   */
  minShare?: number;
}

/**
 * Nodes of the tree while it is built, column-wise: node 0 is the root; a child is found by
 * (parent, function) in an open-addressing table rather than a Map per node.
 */
class Columns {
  n = 1;
  func = new Int32Array(1024).fill(-1);
  parent = new Int32Array(1024).fill(-1);
  total = new Float64Array(1024);
  self = new Float64Array(1024);
  private keys = new Int32Array(4096).fill(-1);

  private hash(parent: number, id: number, mask: number): number {
    return (Math.imul(parent, 0x9e3779b1) ^ Math.imul(id, 0x85ebca6b)) & mask;
  }

  /** The child of `parent` for function `id`, made when new. */
  child(parent: number, id: number): number {
    const mask = this.keys.length - 1;
    for (let h = this.hash(parent, id, mask); ; h = (h + 1) & mask) {
      const c = this.keys[h];
      if (c < 0) break;
      if (this.parent[c] === parent && this.func[c] === id) return c;
    }
    if (this.n === this.func.length) this.grow();
    const c = this.n++;
    this.func[c] = id;
    this.parent[c] = parent;
    if (this.n * 2 > this.keys.length) this.rehash();
    else this.place(c);
    return c;
  }

  private place(c: number): void {
    const mask = this.keys.length - 1;
    let h = this.hash(this.parent[c], this.func[c], mask);
    while (this.keys[h] >= 0) h = (h + 1) & mask;
    this.keys[h] = c;
  }

  private rehash(): void {
    this.keys = new Int32Array(this.keys.length * 2).fill(-1);
    for (let c = 1; c < this.n; c++) this.place(c);
  }

  private grow(): void {
    this.func = doubled(this.func);
    this.parent = doubled(this.parent);
    this.total = doubled(this.total);
    this.self = doubled(this.self);
  }
}

/** Builds the call tree for sample type `index`; the root is a synthetic "root" frame. */
export function callTree(p: Profile, index: number, options: TreeOptions = {}): CallTree {
  const nodes = functionNodes(p);
  const files = functionFiles(p, nodes.names);
  const own = options.withoutProfiler ? nodes.names.map((n, i) => isProfilerFrame(n, files[i])) : undefined;
  const throughOwn = (si: number) => {
    for (let i = stackStart[si]; i < stackEnd[si]; i++)
      for (let ni = nodes.locationStart[stack[i]]; ni < nodes.locationStart[stack[i] + 1]; ni++) if (own![nodes.locationNodes[ni]]) return true;
    return false;
  };
  let omitted = 0;
  const cols = new Columns();
  const { values, stack, stackStart, stackEnd, count } = p.samples;
  const { locationStart, locationNodes } = nodes;
  const nTypes = p.sampleTypes.length;
  for (let si = 0; si < count; si++) {
    const w = values[si * nTypes + index];
    if (w === 0) continue;
    if (own && throughOwn(si)) {
      omitted += w;
      continue;
    }
    let node = 0;
    cols.total[0] += w;
    for (let i = stackEnd[si] - 1; i >= stackStart[si]; i--) {
      for (let ni = locationStart[stack[i] + 1] - 1; ni >= locationStart[stack[i]]; ni--) {
        node = cols.child(node, locationNodes[ni]);
        cols.total[node] += w;
      }
    }
    cols.self[node] += w;
  }
  const kinds: FrameKind[] = nodes.names.map((n, i) => frameKind(n, files[i]));
  const root = materialize(cols, nodes.names, files, kinds, options.minShare ?? 0);
  sortTree(root);
  const st = p.sampleTypes[index];
  const used = new Uint8Array(nodes.names.length);
  for (let c = 1; c < cols.n; c++) used[cols.func[c]] = 1;
  const present = [...new Set(kinds.filter((_, id) => used[id]))];
  return { root, sampleType: st.type, unit: st.unit, runtime: profileRuntime(nodes.names, files), omitted, kinds: present };
}

/** The tree as objects: every node, or with `minShare`, the callees of wide nodes only. */
function materialize(cols: Columns, names: string[], files: string[], kinds: FrameKind[], minShare: number): TreeNode {
  const { func, parent, total, self } = cols;
  // A little under the share, so that rounding never drops the callees of a frame drawn on its own.
  const wide = Math.abs(total[0]) * minShare * 0.999;
  const objs: (TreeNode | undefined)[] = new Array(cols.n);
  const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: self[0], total: total[0], children: [] };
  objs[0] = root;
  // Parents come before their children, so one pass in order sees each parent first.
  for (let c = 1; c < cols.n; c++) {
    const up = objs[parent[c]];
    if (!up || (parent[c] !== 0 && Math.abs(total[parent[c]]) < wide)) continue;
    const id = func[c];
    const node: TreeNode = { name: names[id], file: files[id], kind: kinds[id], self: self[c], total: total[c], children: [] };
    objs[c] = node;
    up.children.push(node);
  }
  return root;
}

/** Children heaviest first, so the widest paths sit on the left. */
function sortTree(node: TreeNode): void {
  node.children.sort((a, b) => Math.abs(b.total) - Math.abs(a.total) || (a.name < b.name ? -1 : 1));
  for (const c of node.children) sortTree(c);
}

/** The first file name seen for each function node. */
function functionFiles(p: Profile, names: string[]): string[] {
  const byName = new Map<string, string>();
  for (const f of p.functions) if (f.filename !== '' && !byName.has(f.name)) byName.set(f.name, f.filename);
  return names.map((n) => byName.get(n) ?? '');
}
