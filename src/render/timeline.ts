// An execution trace as a timeline PNG for the chat thread: one lane per P
// over the captured seconds, coloured by what ran (application, runtime, GC
// workers), GC mark phases and stop-the-world pauses as bands across every
// lane, and the slowest region instances as bars underneath. Sized to stay
// legible in a Slack or Feishu preview (1600 px wide, few lanes).
import { createCanvas } from 'canvas';
import type { Timeline } from '../trace/timeline.js';
import { encodePng, FONT_FAMILY } from './canvasFlame.js';
import { TEXT } from './colors.js';

const W = 1600;
const PAD = 12;
const LEFT = 70;
const LANE = 22;
const MAX_LANES = 32;
const KIND_FILL = ['#4e79a7', '#bab0ac', '#59a14f'];
const KIND_LABEL = ['application', 'runtime', 'GC workers'];

const fmtMs = (ns: number) => (ns <= 0 ? '0' : ns >= 1e9 ? `${(ns / 1e9).toFixed(2)} s` : ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(0)} µs`);

export async function renderTimelinePng(t: Timeline, title: string): Promise<Buffer> {
  const lanes = t.procs.slice(0, MAX_LANES);
  const regionRows = Math.min(t.regions.length, 8);
  const top = PAD + 26 + 22 + 6;
  const lanesH = lanes.length * LANE;
  const regionsTop = top + lanesH + 28;
  const height = regionsTop + (regionRows > 0 ? 20 + regionRows * LANE : 0) + PAD + 18;
  const canvas = createCanvas(W, height);
  const ctx = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, W, height);
  const span = Math.max(1, t.endNs - t.startNs);
  const x = (ns: number) => LEFT + ((ns - t.startNs) / span) * (W - LEFT - PAD);

  ctx.fillStyle = TEXT;
  ctx.font = `bold 17px ${FONT_FAMILY}`;
  ctx.fillText(title, PAD, PAD + 17);
  // Legend.
  ctx.font = `13px ${FONT_FAMILY}`;
  let lx = PAD;
  const legend: [string, string][] = [...KIND_LABEL.map((l, i) => [KIND_FILL[i], l] as [string, string]), ['rgba(237,201,72,0.45)', 'GC mark phase'], ['rgba(225,87,89,0.55)', 'stop-the-world'], ['#f28e2b', 'slowest regions']];
  for (const [fill, label] of legend) {
    ctx.fillStyle = fill;
    ctx.fillRect(lx, PAD + 30, 14, 14);
    ctx.fillStyle = TEXT;
    ctx.fillText(label, lx + 19, PAD + 42);
    lx += 19 + ctx.measureText(label).width + 18;
  }

  // P lanes.
  const laneOf = new Map(lanes.map((p, i) => [p, i]));
  ctx.font = `12px ${FONT_FAMILY}`;
  lanes.forEach((p, i) => {
    const y = top + i * LANE;
    ctx.fillStyle = i % 2 ? '#f7f7f7' : '#efefef';
    ctx.fillRect(LEFT, y, W - LEFT - PAD, LANE - 2);
    ctx.fillStyle = TEXT;
    ctx.fillText(`P${p}`, PAD, y + 15);
  });
  const s = t.slices;
  for (let i = 0; i < s.count; i++) {
    const lane = laneOf.get(s.p[i]);
    if (lane === undefined) continue;
    const x0 = x(s.start[i]);
    // At least a hairline: a busy lane of short slices still shows as busy.
    const w = Math.max(0.6, x(s.end[i]) - x0);
    ctx.fillStyle = KIND_FILL[s.kind[i]];
    ctx.fillRect(x0, top + lane * LANE + 1, w, LANE - 4);
  }
  // Bands across the lanes.
  for (const [a, b] of t.gc) {
    ctx.fillStyle = 'rgba(237,201,72,0.45)';
    ctx.fillRect(x(a), top - 4, Math.max(1, x(b) - x(a)), lanesH + 4);
  }
  for (const p of t.stw) {
    ctx.fillStyle = 'rgba(225,87,89,0.55)';
    ctx.fillRect(x(p.start), top - 4, Math.max(1.5, x(p.end) - x(p.start)), lanesH + 4);
  }
  if (t.procs.length > MAX_LANES) {
    ctx.fillStyle = TEXT;
    ctx.fillText(`${t.procs.length - MAX_LANES} more Ps not drawn`, LEFT, top + lanesH + 12);
  }
  // Time axis.
  ctx.fillStyle = TEXT;
  ctx.font = `12px ${FONT_FAMILY}`;
  for (let k = 0; k <= 10; k++) {
    const ns = t.startNs + (span * k) / 10;
    const label = fmtMs(ns - t.startNs);
    const tx = Math.min(W - PAD - ctx.measureText(label).width, x(ns));
    ctx.fillRect(x(ns), top + lanesH, 1, 5);
    ctx.fillText(label, tx, top + lanesH + 18);
  }
  // The slowest regions.
  if (regionRows > 0) {
    ctx.font = `bold 13px ${FONT_FAMILY}`;
    ctx.fillText('Slowest regions', PAD, regionsTop + 12);
    ctx.font = `12px ${FONT_FAMILY}`;
    t.regions.slice(0, regionRows).forEach((r, i) => {
      const y = regionsTop + 20 + i * LANE;
      ctx.fillStyle = '#f7f7f7';
      ctx.fillRect(LEFT, y, W - LEFT - PAD, LANE - 2);
      ctx.fillStyle = '#f28e2b';
      const x0 = x(r.start);
      const w = Math.max(2, x(r.end) - x0);
      ctx.fillRect(x0, y + 1, w, LANE - 4);
      ctx.fillStyle = TEXT;
      ctx.fillText(`G${r.g}`, PAD, y + 15);
      const label = `${r.name} ${fmtMs(r.end - r.start)}`;
      const lw = ctx.measureText(label).width;
      ctx.fillText(label, x0 + w + 4 + lw > W - PAD ? Math.max(LEFT, x0 - lw - 4) : x0 + w + 4, y + 15);
    });
  }
  return encodePng(canvas);
}
