// Flame graph geometry, drawn top-down (an icicle, like pprof's web flame
// view): the root is row 0 at the top and callees hang below their callers.
// A frame is as wide as its total; frames narrower than minWidth are not
// drawn one by one: each run of consecutive narrow siblings becomes a single
// "merged" block of their combined width, so no time goes missing, and the
// layout does not descend into them.

import type { TreeNode } from '../profile/tree.js';

export const MIN_FRAME_PX = 3;
/** Rows that fit a ~1200 px tall image at 20 px a row, under the title. */
export const MAX_ROWS = 56;

export interface FlameRect<N extends TreeNode = TreeNode> {
  /** Left edge and width in pixels. */
  x: number;
  width: number;
  /** Row, 0 for the root. */
  depth: number;
  /** The frame; for a merged block, the first of its frames. */
  node: N;
  /** Number of narrow sibling frames this block stands for; 0 for a frame drawn on its own. */
  merged: number;
  /** Value the width stands for (sum of max(0, total), capped by what is left of the parent). */
  value: number;
  /** Set when the frame has callees that the row cap left out. */
  cut?: boolean;
}

export interface FlameLayout<N extends TreeNode = TreeNode> {
  rects: FlameRect<N>[];
  /** Rows in use: the deepest drawn depth + 1 (0 when nothing is drawn). */
  rows: number;
  /** True when the row cap left frames out. */
  truncated: boolean;
  /** Pixels per unit of value. */
  scale: number;
}

export interface LayoutOptions {
  width: number;
  minWidth?: number;
  maxRows?: number;
}

export function layoutFlame<N extends TreeNode>(root: N, options: LayoutOptions): FlameLayout<N> {
  const minWidth = options.minWidth ?? MIN_FRAME_PX;
  const maxRows = options.maxRows ?? MAX_ROWS;
  const total = Math.max(0, root.total);
  const out: FlameLayout<N> = { rects: [], rows: 0, truncated: false, scale: total > 0 ? options.width / total : 0 };
  if (total === 0 || maxRows < 1) return out;
  const scale = out.scale;

  const place = (node: N, x: number, value: number, depth: number): void => {
    const rect: FlameRect<N> = { x, width: value * scale, depth, node, merged: 0, value };
    out.rects.push(rect);
    if (depth + 1 > out.rows) out.rows = depth + 1;
    const kids = node.children as N[];
    if (depth + 1 >= maxRows) {
      if (kids.some((k) => k.total > 0)) {
        rect.cut = true;
        out.truncated = true;
      }
      return;
    }
    // Children's values are capped by what is left of the parent, so that a
    // delta profile with negative siblings cannot overflow its parent.
    let used = 0;
    let run: FlameRect<N> | undefined;
    for (const kid of kids) {
      const v = Math.min(Math.max(0, kid.total), value - used);
      if (v <= 0) continue;
      const cx = x + used * scale;
      used += v;
      if (v * scale >= minWidth) {
        run = undefined;
        place(kid, cx, v, depth + 1);
      } else if (run) {
        run.merged++;
        run.value += v;
        run.width = run.value * scale;
      } else {
        run = { x: cx, width: v * scale, depth: depth + 1, node: kid, merged: 1, value: v };
        out.rects.push(run);
        if (depth + 2 > out.rows) out.rows = depth + 2;
      }
    }
  };
  place(root, 0, total, 0);
  return out;
}
