// A call tree as a static flame graph PNG, for chat messages.

import type { CallTree } from '../profile/tree.js';
import { formatValue } from '../profile/units.js';
import { drawFlame } from './canvasFlame.js';
import { kindColor, kindSwatch, legendOf, TEXT } from './colors.js';
import { omittedNote, share, titleText, type FlameTitle } from './title.js';

export interface FlamePngOptions {
  /** Heading fields; sample type, unit and total default to the tree's. */
  title?: FlameTitle;
  /** Image width in pixels (default 1600). */
  width?: number;
}

/** The width of a flame graph PNG unless asked otherwise. */
export const PNG_WIDTH = 1600;

export function renderFlamePng(tree: CallTree, options: FlamePngOptions = {}): Promise<Buffer> {
  const unit = options.title?.unit ?? tree.unit;
  const total = Math.max(0, tree.root.total);
  const title = [titleText({ sampleType: tree.sampleType, total: tree.root.total, ...options.title, unit }), omittedNote(tree.omitted, total)].filter(Boolean).join(' · ');
  return drawFlame(tree.root, options.width ?? PNG_WIDTH, {
    title,
    legend: legendOf(tree).map((k) => ({ fill: kindSwatch(k.kind), label: k.label })),
    notes: [],
    color: (node) => ({ fill: kindColor(node.kind, node.name), text: TEXT }),
    suffixes: (r) => {
      const pct = share(r.value, total);
      return [` ${formatValue(r.value, unit)}, ${pct}`, ` ${pct}`];
    },
  });
}
