// The call tree of a profile for one sample type: the input of flame graphs.
// Frames are functions (inlined frames count as their own), merged by name
// along each path from the root, as pprof's flame graph view does.

import type { Profile } from './model.js';
import { frameKind, isProfilerFrame, profileRuntime, type FrameKind, type Runtime } from './frames.js';
import { functionNodes } from './top.js';

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
}

export interface TreeOptions {
  /** Leave out the samples that pass through the profiler's own frames (net/http/pprof, runtime/pprof). */
  withoutProfiler?: boolean;
}

/** Builds the call tree for sample type `index`; the root is a synthetic "root" frame. */
export function callTree(p: Profile, index: number, options: TreeOptions = {}): CallTree {
  const nodes = functionNodes(p);
  const files = functionFiles(p, nodes.names);
  const kinds = nodes.names.map((n, i) => frameKind(n, files[i]));
  const own = options.withoutProfiler ? nodes.names.map((n, i) => isProfilerFrame(n, files[i])) : undefined;
  const throughOwn = (si: number) => {
    for (let i = stackStart[si]; i < stackEnd[si]; i++)
      for (let ni = nodes.locationStart[stack[i]]; ni < nodes.locationStart[stack[i] + 1]; ni++) if (own![nodes.locationNodes[ni]]) return true;
    return false;
  };
  let omitted = 0;
  const root: TreeNode = { name: 'root', file: '', kind: 'runtime', self: 0, total: 0, children: [] };
  const childIndex = new Map<TreeNode, Map<number, TreeNode>>();
  const { values, stack, stackStart, stackEnd, count } = p.samples;
  const nTypes = p.sampleTypes.length;
  for (let si = 0; si < count; si++) {
    const w = values[si * nTypes + index];
    if (w === 0) continue;
    if (own && throughOwn(si)) {
      omitted += w;
      continue;
    }
    let node = root;
    root.total += w;
    for (let i = stackEnd[si] - 1; i >= stackStart[si]; i--) {
      for (let ni = nodes.locationStart[stack[i] + 1] - 1; ni >= nodes.locationStart[stack[i]]; ni--) {
        const id = nodes.locationNodes[ni];
        let kids = childIndex.get(node);
        if (!kids) childIndex.set(node, (kids = new Map()));
        let child = kids.get(id);
        if (!child) {
          child = { name: nodes.names[id], file: files[id], kind: kinds[id], self: 0, total: 0, children: [] };
          kids.set(id, child);
          node.children.push(child);
        }
        child.total += w;
        node = child;
      }
    }
    node.self += w;
  }
  sortTree(root);
  const st = p.sampleTypes[index];
  return { root, sampleType: st.type, unit: st.unit, runtime: profileRuntime(nodes.names, files), omitted };
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
