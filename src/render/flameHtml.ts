// A call tree as one self-contained, interactive HTML flame graph: no
// external resources, the tree embedded as JSON, the script inline.
//
// Controls, for people and for headless-browser tests:
//   #search         text input; highlights frames whose name contains the text
//                   (case-insensitive), or matches /regex/; #matched shows the
//                   matched share of the total (a match under a match counts once)
//   #reset          button; zooms back out to the root
//   #flame          container of the frames, laid out top-down (root on top)
//   .frame          one function frame, a div with data-name (the function) and
//                   data-i (its node index); click zooms into it, clicking the
//                   root or a greyed ancestor (.frame.ancestor) zooms out to it
//   .frame.match    frames matching the search
//   .merged         a block standing for adjacent frames too narrow to draw at
//                   the current zoom; click zooms into their caller
//   #tip            the hover tooltip (function, file, flat, cum, share)
//   window.flame    { zoom(name | index): boolean, reset(), search(text): state,
//                     state(): { zoom, zoomIndex, search, matched, matchedShare,
//                     frames, merged }, format(value): string }
//
// A DiffNode tree (with baseTotal) renders as a diff: red grew, blue shrank.

import type { FrameKind } from '../profile/frames.js';
import type { TreeNode } from '../profile/tree.js';
import { KIND_HSL, KIND_ORDER, kindSwatch, legendOf, MERGED_FILL, NEUTRAL_FILL, NEUTRAL_SHARE, diffColor } from './colors.js';
import { CLIENT_CSS, CLIENT_JS, unitTable } from './htmlClient.js';
import { MIN_FRAME_PX } from './layout.js';
import { diffTitleText, omittedNote, titleText, type DiffTitle, type FlameTitle } from './title.js';
import type { CallTree } from '../profile/tree.js';

export interface FlameHtmlOptions {
  /** Heading fields; sample type, unit and total default to the tree's. */
  title?: FlameTitle | DiffTitle;
}

type Tree = Pick<CallTree, 'sampleType' | 'unit' | 'runtime' | 'omitted'> & { root: TreeNode };

export function renderFlameHtml(tree: Tree, options: FlameHtmlOptions = {}): string {
  const diff = isDiff(tree.root);
  const unit = options.title?.unit ?? tree.unit;
  const title = diff
    ? diffTitleText({ sampleType: tree.sampleType, baseTotal: baseOf(tree.root).total, total: tree.root.total, ...options.title, unit })
    : [titleText({ sampleType: tree.sampleType, total: tree.root.total, ...options.title, unit }), omittedNote(tree.omitted, tree.root.total)].filter(Boolean).join(' · ');
  const data = {
    unit: unitTable(unit),
    diff,
    minWidth: MIN_FRAME_PX,
    kinds: KIND_ORDER,
    hsl: KIND_HSL,
    neutral: NEUTRAL_FILL,
    neutralShare: NEUTRAL_SHARE,
    ...flatten(tree.root, diff),
  };
  const legend = diff
    ? swatch(diffColor(1, 1).fill, 'grew') + swatch(diffColor(-1, 1).fill, 'shrank') + swatch(NEUTRAL_FILL, 'about the same')
    : legendOf(tree).map((k) => swatch(kindSwatch(k.kind), k.label)).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${CLIENT_CSS}</style>
</head>
<body>
<header>
<h1 id="title">${escapeHtml(title)}</h1>
<div class="controls">
<input id="search" type="search" placeholder="Search functions (text, or /regex/)" autocomplete="off" spellcheck="false">
<button id="reset" type="button" disabled>Reset zoom</button>
<span id="matched"></span>
</div>
<div id="legend">${legend}${swatch(MERGED_FILL, `frames under ${MIN_FRAME_PX}px`)}<span class="hint">click a frame to zoom in, the root or Reset to zoom out</span></div>
</header>
<div id="flame"></div>
<div id="tip" hidden></div>
<script type="application/json" id="flame-data">${scriptJson(data)}</script>
<script>${CLIENT_JS}</script>
</body>
</html>
`;
}

/** JSON safe inside a script element: "<" is escaped so no "</script>" or "<!--" can appear. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function swatch(fill: string, label: string): string {
  return `<span class="sw" style="background:${fill}"></span>${escapeHtml(label)}`;
}

interface DiffFields {
  baseTotal: number;
  baseSelf: number;
}

function isDiff(n: TreeNode): boolean {
  return typeof (n as Partial<DiffFields>).baseTotal === 'number';
}

function baseOf(n: TreeNode): { total: number; self: number } {
  const d = n as TreeNode & Partial<DiffFields>;
  return { total: d.baseTotal ?? 0, self: d.baseSelf ?? 0 };
}

// Diff values are scaled, so fractional; two decimals of a nanosecond or byte are plenty.
const round = (v: number) => (Number.isInteger(v) ? v : Math.round(v * 100) / 100);

/**
 * The tree as pre-order columns: node i's name is names[n[i]], its subtree
 * spans indexes i .. e[i]-1, so its children are i+1, e[i+1], … up to e[i].
 */
function flatten(root: TreeNode, diff: boolean) {
  const names: string[] = [];
  const files: string[] = [];
  const nameIds = new Map<string, number>();
  const fileIds = new Map<string, number>();
  const id = (map: Map<string, number>, list: string[], s: string) => {
    let i = map.get(s);
    if (i === undefined) {
      map.set(s, (i = list.length));
      list.push(s);
    }
    return i;
  };
  const kindIds = new Map<FrameKind, number>(KIND_ORDER.map((k, i) => [k, i]));
  const n: number[] = [], f: number[] = [], k: number[] = [], s: number[] = [], t: number[] = [], e: number[] = [];
  const b: number[] = [], bs: number[] = [];
  // Iterative: a deep recursive profile must not overflow the stack.
  const stack: { node: TreeNode; index: number }[] = [{ node: root, index: -1 }];
  while (stack.length > 0) {
    const top = stack.pop() as { node: TreeNode; index: number };
    if (top.index >= 0) {
      e[top.index] = n.length;
      continue;
    }
    const node = top.node;
    const i = n.length;
    n.push(id(nameIds, names, node.name));
    f.push(id(fileIds, files, node.file));
    k.push(kindIds.get(node.kind) ?? 0);
    s.push(round(node.self));
    t.push(round(node.total));
    if (diff) {
      const base = baseOf(node);
      b.push(round(base.total));
      bs.push(round(base.self));
    }
    e.push(0);
    stack.push({ node, index: i });
    for (let c = node.children.length - 1; c >= 0; c--) stack.push({ node: node.children[c], index: -1 });
  }
  return diff ? { names, files, n, f, k, s, t, e, b, bs } : { names, files, n, f, k, s, t, e };
}
