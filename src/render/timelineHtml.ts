// The execution trace's timeline as a self-contained interactive page for the
// report: the PNG's lanes and bands, with the wheel to zoom around the pointer,
// a drag to pan, a double click to see it all again, and a goroutine slice's
// start function, duration and the stack where it stopped on hover. Data is
// embedded; nothing loads from anywhere.
import type { Timeline } from '../trace/timeline.js';

/** More slices than this are thinned to the longest, and the page says so. */
export const MAX_SLICES = 80_000;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderTimelineHtml(t: Timeline, title: string): { html: string; height: number } {
  const s = t.slices;
  let order = Array.from({ length: s.count }, (_, i) => i);
  const thinned = order.length > MAX_SLICES;
  if (thinned) order = order.sort((a, b) => s.end[b] - s.start[b] - (s.end[a] - s.start[a])).slice(0, MAX_SLICES);
  const lanes = t.procs;
  const laneOf = new Map(lanes.map((p, i) => [p, i]));
  const names: string[] = [];
  const nameIndex = new Map<string, number>();
  const idx = (n: string) => {
    let i = nameIndex.get(n);
    if (i === undefined) nameIndex.set(n, (i = names.push(n) - 1));
    return i;
  };
  const us = (ns: number) => Math.round((ns - t.startNs) / 1000);
  // Columns: lane, start µs, end µs, kind, goroutine, name, stack.
  const cols: number[][] = [[], [], [], [], [], [], []];
  for (const i of order) {
    const lane = laneOf.get(s.p[i]);
    if (lane === undefined) continue;
    cols[0].push(lane);
    cols[1].push(us(s.start[i]));
    cols[2].push(us(s.end[i]));
    cols[3].push(s.kind[i]);
    cols[4].push(s.g[i]);
    cols[5].push(idx(s.name[i] || '(unknown)'));
    cols[6].push(s.stack[i]);
  }
  const data = {
    span: us(t.endNs),
    lanes: lanes.map((p) => `P${p}`),
    cols,
    names,
    stacks: t.stacks,
    gc: t.gc.map(([a, b]) => [us(a), us(b)]),
    stw: t.stw.map((p) => [us(p.start), us(p.end), p.reason]),
    regions: t.regions.slice(0, 8).map((r) => [us(r.start), us(r.end), r.name, r.g]),
    thinned: thinned ? s.count : 0,
  };
  // `<` in the JSON could close the script element; \u003c cannot.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const height = 70 + lanes.length * 22 + 30 + (data.regions.length ? 24 + data.regions.length * 22 : 0) + 40;
  const html = `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body { margin: 0; font: 13px system-ui, sans-serif; color: #1b1b1b; background: #fff; }
header { padding: 6px 10px; display: flex; gap: 16px; align-items: baseline; flex-wrap: wrap; }
header b { font-size: 15px; }
.key span { display: inline-block; width: 12px; height: 12px; margin: 0 4px -1px 10px; }
canvas { display: block; cursor: grab; }
#tip { position: fixed; display: none; pointer-events: none; background: #fffff4; border: 1px solid #aaa; padding: 4px 6px; white-space: pre; font: 12px ui-monospace, monospace; max-width: 70vw; overflow: hidden; }
</style></head>
<body>
<header><b>${esc(title)}</b><span class="key"><span style="background:#4e79a7"></span>application<span style="background:#bab0ac"></span>runtime<span style="background:#59a14f"></span>GC workers<span style="background:rgba(237,201,72,.45)"></span>GC mark<span style="background:rgba(225,87,89,.55)"></span>stop-the-world<span style="background:#f28e2b"></span>slowest regions</span><span id="view"></span></header>
<canvas id="c"></canvas><div id="tip"></div>
<script>
const D = ${json};
const C = document.getElementById('c'), X = C.getContext('2d'), tip = document.getElementById('tip'), view = document.getElementById('view');
const LEFT = 60, LANE = 22, TOP = 6, FILL = ['#4e79a7', '#bab0ac', '#59a14f'];
let t0 = 0, t1 = D.span || 1, W = 0, H = 0;
const n = D.cols[0].length;
function size() {
  W = document.body.clientWidth; H = TOP + D.lanes.length * LANE + 30 + (D.regions.length ? 24 + D.regions.length * LANE : 0);
  const r = window.devicePixelRatio || 1;
  C.width = W * r; C.height = H * r; C.style.width = W + 'px'; C.style.height = H + 'px';
  X.setTransform(r, 0, 0, r, 0, 0);
  draw();
}
const x = (us) => LEFT + ((us - t0) / (t1 - t0)) * (W - LEFT - 10);
const fmt = (us) => us >= 1e6 ? (us / 1e6).toFixed(3) + ' s' : us >= 1e3 ? (us / 1e3).toFixed(2) + ' ms' : us + ' µs';
function draw() {
  X.clearRect(0, 0, W, H);
  X.font = '12px system-ui, sans-serif';
  D.lanes.forEach((l, i) => { X.fillStyle = i % 2 ? '#f7f7f7' : '#efefef'; X.fillRect(LEFT, TOP + i * LANE, W - LEFT - 10, LANE - 2); X.fillStyle = '#1b1b1b'; X.fillText(l, 8, TOP + i * LANE + 15); });
  const [L, S, E, K] = D.cols;
  for (let i = 0; i < n; i++) {
    if (E[i] < t0 || S[i] > t1) continue;
    const a = x(S[i]); X.fillStyle = FILL[K[i]];
    X.fillRect(a, TOP + L[i] * LANE + 1, Math.max(0.6, x(E[i]) - a), LANE - 4);
  }
  const lanesH = D.lanes.length * LANE;
  for (const [a, b] of D.gc) { X.fillStyle = 'rgba(237,201,72,.45)'; X.fillRect(x(a), TOP, Math.max(1, x(b) - x(a)), lanesH); }
  for (const [a, b] of D.stw) { X.fillStyle = 'rgba(225,87,89,.55)'; X.fillRect(x(a), TOP, Math.max(1.5, x(b) - x(a)), lanesH); }
  X.fillStyle = '#1b1b1b';
  for (let k = 0; k <= 8; k++) { const us = t0 + ((t1 - t0) * k) / 8, px = x(us); X.fillRect(px, TOP + lanesH, 1, 5); X.fillText(fmt(Math.round(us)), Math.min(W - 70, px), TOP + lanesH + 18); }
  let y = TOP + lanesH + 30;
  if (D.regions.length) { X.font = 'bold 12px system-ui, sans-serif'; X.fillText('Slowest regions', 8, y + 12); X.font = '12px system-ui, sans-serif'; y += 18; }
  for (const [a, b, name, g] of D.regions) {
    X.fillStyle = '#f7f7f7'; X.fillRect(LEFT, y, W - LEFT - 10, LANE - 2);
    X.fillStyle = '#f28e2b'; const px = x(a), w = Math.max(2, x(b) - px); X.fillRect(px, y + 1, w, LANE - 4);
    X.fillStyle = '#1b1b1b'; X.fillText('G' + g, 8, y + 15); X.fillText(name + ' ' + fmt(b - a), Math.min(px + w + 4, W - 160), y + 15);
    y += LANE;
  }
  view.textContent = fmt(Math.round(t0)) + ' – ' + fmt(Math.round(t1)) + (D.thinned ? ' · ' + D.thinned + ' slices, the longest ' + n + ' drawn' : '') + ' · wheel zooms, drag pans, double-click resets';
}
function at(ev) {
  const r = C.getBoundingClientRect(), px = ev.clientX - r.left, py = ev.clientY - r.top;
  const lane = Math.floor((py - TOP) / LANE);
  if (lane < 0 || lane >= D.lanes.length || px < LEFT) return -1;
  const us = t0 + ((px - LEFT) / (W - LEFT - 10)) * (t1 - t0), slop = ((t1 - t0) / (W - LEFT)) * 2;
  const [L, S, E] = D.cols;
  for (let i = 0; i < n; i++) if (L[i] === lane && S[i] - slop <= us && us <= E[i] + slop) return i;
  return -1;
}
let drag = null;
C.addEventListener('wheel', (ev) => {
  ev.preventDefault();
  const r = C.getBoundingClientRect(), f = (ev.clientX - r.left - LEFT) / (W - LEFT - 10), us = t0 + f * (t1 - t0);
  const k = ev.deltaY > 0 ? 1.25 : 0.8, w = Math.max(10, Math.min(D.span, (t1 - t0) * k));
  t0 = Math.max(0, us - f * w); t1 = Math.min(D.span, t0 + w); draw();
}, { passive: false });
C.addEventListener('mousedown', (ev) => { drag = { x: ev.clientX, t0, t1 }; C.style.cursor = 'grabbing'; });
window.addEventListener('mouseup', () => { drag = null; C.style.cursor = 'grab'; });
C.addEventListener('dblclick', () => { t0 = 0; t1 = D.span || 1; draw(); });
C.addEventListener('mousemove', (ev) => {
  if (drag) {
    const d = ((ev.clientX - drag.x) / (W - LEFT - 10)) * (drag.t1 - drag.t0), w = drag.t1 - drag.t0;
    t0 = Math.max(0, Math.min(D.span - w, drag.t0 - d)); t1 = t0 + w; draw(); return;
  }
  const i = at(ev);
  if (i < 0) { tip.style.display = 'none'; return; }
  const [, S, E, , G, N, K] = D.cols;
  tip.textContent = 'G' + G[i] + ' ' + D.names[N[i]] + '\\nran ' + fmt(E[i] - S[i]) + ' from ' + fmt(S[i]) + (K[i] >= 0 ? '\\nstopped at:\\n' + D.stacks[K[i]] : '');
  tip.style.display = 'block'; tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - tip.offsetWidth - 4) + 'px'; tip.style.top = ev.clientY + 14 + 'px';
});
C.addEventListener('mouseleave', () => { tip.style.display = 'none'; });
window.addEventListener('resize', size);
window.timeline = { zoom(a, b) { t0 = a; t1 = b; draw(); }, sliceAt: at, get count() { return n; } };
size();
</script>
</body></html>
`;
  return { html, height };
}
