// Drawing of a laid-out flame graph onto a PNG: title, legend, frames and
// their labels. flamePng.ts and flameDiffPng.ts decide the colours and texts.

import { createCanvas, GlobalFonts, type Canvas, type SKRSContext2D } from 'canvas';
import type { TreeNode } from '../profile/tree.js';
import { MERGED_FILL, TEXT } from './colors.js';
import { layoutFlame, MAX_ROWS, MIN_FRAME_PX, type FlameRect } from './layout.js';
import { elide, fitLabel } from './names.js';

/**
 * The canvas as PNG bytes. The asynchronous encoder, not toBuffer('image/png'): in @napi-rs/canvas
 * 1.1 and 1.2 every synchronous read of the pixels (toBuffer, encodeSync, toDataURL, getImageData)
 * keeps a copy of them that is never freed, about 3 MB a flame graph, so a worker's RSS grew by
 * 50 MB a minute in the soak; encode() frees it (and compresses off the calling thread).
 */
export function encodePng(canvas: Canvas): Promise<Buffer> {
  return canvas.encode('png');
}

/** A family that exists here (napi-rs canvas reads system fonts), else the generic one. */
export const FONT_FAMILY = (() => {
  for (const f of ['Liberation Sans', 'DejaVu Sans', 'Arial', 'Helvetica', 'Noto Sans'])
    if (GlobalFonts.has(f)) return `"${f}", sans-serif`;
  return 'sans-serif';
})();

const PAD = 10;
const TITLE_FONT = `bold 17px ${FONT_FAMILY}`;
const TITLE_LINE = 26;
const LEGEND_FONT = `13px ${FONT_FAMILY}`;
const LEGEND_LINE = 22;
const LABEL_FONT = `13px ${FONT_FAMILY}`;
const ROW = 20;
const FRAME_H = 19;
const LABEL_PAD = 4;

export interface LegendItem {
  fill: string;
  label: string;
}

export interface FlameStyle<N extends TreeNode> {
  title: string;
  legend: LegendItem[];
  /** Short remarks printed after the legend. */
  notes: string[];
  color(node: N): { fill: string; text: string };
  /** Texts to append to a frame's name when they fit, richest first. */
  suffixes(rect: FlameRect<N>): string[];
}

export async function drawFlame<N extends TreeNode>(root: N, width: number, style: FlameStyle<N>): Promise<Buffer> {
  const layout = layoutFlame(root, { width, minWidth: MIN_FRAME_PX, maxRows: MAX_ROWS });
  const notes = [...style.notes];
  notes.push(`grey … = frames under ${MIN_FRAME_PX}px`);
  if (layout.truncated) notes.push(`dark lower edge = deeper frames cut at ${MAX_ROWS} rows`);

  const top = PAD + TITLE_LINE + LEGEND_LINE + 8;
  const height = top + Math.max(1, layout.rows) * ROW + PAD;
  const canvas = createCanvas(width, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, width, height);
  ctx.textBaseline = 'middle';

  ctx.font = TITLE_FONT;
  ctx.fillStyle = TEXT;
  ctx.fillText(elide(style.title, width - 2 * PAD, (s) => ctx.measureText(s).width), PAD, PAD + TITLE_LINE / 2);
  drawLegend(ctx, style.legend, notes, PAD + TITLE_LINE + LEGEND_LINE / 2, width);

  if (layout.rows === 0) {
    ctx.font = LEGEND_FONT;
    ctx.fillStyle = '#666666';
    ctx.fillText('no samples', PAD, top + ROW / 2);
  }
  ctx.font = LABEL_FONT;
  const measure = charMeasure(ctx);
  for (const r of layout.rects) {
    const x0 = Math.round(r.x);
    const x1 = Math.round(r.x + r.width);
    if (x1 <= x0) continue;
    // A one-pixel gap separates frames wide enough to spare it.
    const w = x1 - x0 >= MIN_FRAME_PX ? x1 - x0 - 1 : x1 - x0;
    const y = top + r.depth * ROW;
    const { fill, text } = r.merged > 0 ? { fill: MERGED_FILL, text: '#333333' } : style.color(r.node);
    ctx.fillStyle = fill;
    ctx.fillRect(x0, y, w, FRAME_H);
    if (r.cut) {
      ctx.fillStyle = 'rgba(0, 0, 0, 0.55)';
      ctx.fillRect(x0, y + FRAME_H - 3, w, 3);
    }
    const room = w - 2 * LABEL_PAD;
    if (room < measure('…')) continue;
    const label =
      r.merged > 0
        ? [`… ${r.merged} narrow frames`, `… ${r.merged}`, '…'].find((s) => measure(s) <= room) ?? ''
        : fitLabel(r.node.name, style.suffixes(r), room, measure);
    if (label === '') continue;
    ctx.fillStyle = text;
    ctx.fillText(label, x0 + LABEL_PAD, y + FRAME_H / 2 + 1);
  }
  return encodePng(canvas);
}

function drawLegend(ctx: SKRSContext2D, items: LegendItem[], notes: string[], y: number, width: number): void {
  ctx.font = LEGEND_FONT;
  let x = PAD;
  for (const item of items) {
    ctx.fillStyle = item.fill;
    ctx.fillRect(x, y - 7, 14, 14);
    ctx.fillStyle = TEXT;
    ctx.fillText(item.label, x + 19, y + 1);
    x += 19 + ctx.measureText(item.label).width + 16;
  }
  ctx.fillStyle = '#555555';
  const room = width - PAD - x;
  const shown = elide(notes.join('  ·  '), room, (s) => ctx.measureText(s).width);
  ctx.textAlign = 'right';
  ctx.fillText(shown, width - PAD, y + 1);
  ctx.textAlign = 'left';
}

/**
 * Width of a string as the sum of its characters' widths, each measured
 * once: measureText costs ~20 µs through napi. Kerning only narrows pairs
 * in these fonts, so the sum does not underestimate (checked on 9,000 Go names).
 */
function charMeasure(ctx: SKRSContext2D): (s: string) => number {
  const widths = new Map<string, number>();
  return (s) => {
    let sum = 0;
    for (const ch of s) {
      let w = widths.get(ch);
      if (w === undefined) widths.set(ch, (w = ctx.measureText(ch).width));
      sum += w;
    }
    return sum;
  };
}
