// A diff call tree (current vs base) as a flame graph PNG: frames as wide
// as their current total, red where they grew, blue where they shrank.

import type { DiffNode } from '../profile/diff.js';
import { formatValue } from '../profile/units.js';
import { drawFlame } from './canvasFlame.js';
import { diffColor, NEUTRAL_FILL, NEUTRAL_SHARE } from './colors.js';
import { diffTitleText, type DiffTitle } from './title.js';

export interface DiffCallTree {
  root: DiffNode;
  sampleType: string;
  unit: string;
}

export interface DiffFlamePngOptions {
  title?: DiffTitle;
  width?: number;
}

export function renderDiffFlamePng(diff: DiffCallTree, options: DiffFlamePngOptions = {}): Promise<Buffer> {
  const unit = options.title?.unit ?? diff.unit;
  const maxAbs = largestChange(diff.root);
  const title = diffTitleText({
    sampleType: diff.sampleType,
    baseTotal: diff.root.baseTotal,
    total: diff.root.total,
    ...options.title,
    unit,
  });
  const fmt = (v: number) => formatValue(v, unit);
  return drawFlame(diff.root, options.width ?? 1600, {
    title,
    legend: [
      { fill: diffColor(1, 1).fill, label: 'grew' },
      { fill: diffColor(-1, 1).fill, label: 'shrank' },
      { fill: NEUTRAL_FILL, label: 'about the same' },
    ],
    notes: maxAbs > 0 ? [`darkest = ±${fmt(maxAbs)}`] : ['no change'],
    color: (node) => diffColor(node.total - node.baseTotal, maxAbs),
    suffixes: (r) => {
      const change = r.node.total - r.node.baseTotal;
      if (maxAbs === 0 || Math.abs(change) < NEUTRAL_SHARE * maxAbs) return [];
      const delta = (change > 0 ? '+' : '') + fmt(change);
      const rel = r.node.baseTotal > 0 ? `${change > 0 ? '+' : ''}${((100 * change) / r.node.baseTotal).toFixed(0)}%` : 'new';
      return [` ${delta} (${rel})`, ` ${delta}`];
    },
  });
}

/** The largest |total - baseTotal| among frames still present in the current profile. */
export function largestChange(root: DiffNode): number {
  let max = 0;
  const walk = (n: DiffNode): void => {
    if (n.total <= 0) return;
    max = Math.max(max, Math.abs(n.total - n.baseTotal));
    for (const k of n.children) walk(k);
  };
  walk(root);
  return max;
}
