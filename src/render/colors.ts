// Frame colours. The HTML view computes the same colours in the browser
// from these constants (see htmlClient.ts), so change both together.

import type { FrameKind, Runtime } from '../profile/frames.js';
import type { CallTree, TreeNode } from '../profile/tree.js';

/** Hue, saturation %, lightness % per kind; the application is the warm, saturated one. */
export const KIND_HSL: Record<FrameKind, [number, number, number]> = {
  app: [20, 90, 60],
  thirdparty: [272, 45, 76],
  stdlib: [160, 40, 64],
  runtime: [212, 32, 74],
  native: [58, 32, 66],
};

export const KIND_LABEL: Record<FrameKind, string> = {
  app: 'application',
  thirdparty: 'third-party',
  stdlib: 'standard library',
  runtime: 'Go runtime',
  native: 'native',
};

export const KIND_ORDER: FrameKind[] = ['app', 'thirdparty', 'stdlib', 'runtime', 'native'];

// What each kind is called in a profile of that runtime: a Node profile has no "Go runtime".
const RUNTIME_LABEL: Record<Runtime, Partial<Record<FrameKind, string>>> = {
  go: {},
  node: { thirdparty: 'node_modules', stdlib: 'Node.js core', runtime: 'V8 and GC' },
  other: { stdlib: 'standard library', runtime: 'runtime' },
};

/** The legend of a call tree: the kinds it has, named after its runtime. */
export function legendOf(tree: Pick<CallTree, 'root' | 'runtime' | 'kinds'>): { kind: FrameKind; label: string }[] {
  const present = new Set<FrameKind>(tree.kinds);
  const visit = (n: TreeNode) => {
    present.add(n.kind);
    for (const c of n.children) visit(c);
  };
  if (!tree.kinds) for (const c of tree.root.children) visit(c);
  const labels = RUNTIME_LABEL[tree.runtime ?? 'go'];
  return KIND_ORDER.filter((k) => present.has(k)).map((kind) => ({ kind, label: labels[kind] ?? KIND_LABEL[kind] }));
}

/** Blocks standing for several frames too narrow to draw. */
export const MERGED_FILL = '#b4b4b4';
export const TEXT = '#1b1b1b';
/** Diff frames whose change is too small to colour. */
export const NEUTRAL_FILL = '#e3e3e3';
/** Below this share of the largest change a frame counts as unchanged. */
export const NEUTRAL_SHARE = 0.03;

/** FNV-1a over UTF-16 code units. */
export function hashName(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) {
    h ^= name.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The kind's colour without the per-name nudge, for legends. */
export function kindSwatch(kind: FrameKind): string {
  const [h, s, l] = KIND_HSL[kind];
  return `hsl(${h}, ${s}%, ${l}%)`;
}

/** The kind's colour, its hue and lightness nudged by the name so neighbours differ. */
export function kindColor(kind: FrameKind, name: string): string {
  const [h, s, l] = KIND_HSL[kind];
  const x = hashName(name);
  const dh = (x % 17) - 8;
  const dl = ((x >>> 8) % 9) - 4;
  return `hsl(${h + dh}, ${s}%, ${l + dl}%)`;
}

/** Red for growth, blue for shrink, deeper with |change| / maxAbs; grey when about unchanged. */
export function diffColor(change: number, maxAbs: number): { fill: string; text: string } {
  const t = maxAbs > 0 ? Math.min(1, Math.abs(change) / maxAbs) : 0;
  if (t < NEUTRAL_SHARE) return { fill: NEUTRAL_FILL, text: TEXT };
  const hue = change > 0 ? 2 : 214;
  const fill = `hsl(${hue}, ${Math.round(45 + 40 * t)}%, ${Math.round(88 - 46 * t)}%)`;
  return { fill, text: t > 0.6 ? '#ffffff' : TEXT };
}
