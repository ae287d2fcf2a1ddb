// Spans as trees: each span's parent and children (by index), the traces with
// their root, each span's self time (its duration minus the union of its
// children's time inside it), and the critical path of a trace. Arrays are
// typed and flat so that 100,000 spans take milliseconds.
import type { Span } from '../../sources/traces/span.js';

export interface Trace {
  id: string;
  /** Index of the root span: the longest span without a parent in the data. */
  root: number;
  /** Indices of the trace's spans. */
  spans: number[];
}

export interface SpanTree {
  spans: readonly Span[];
  traces: Trace[];
  /** Trace index of each span. */
  traceOf: Int32Array;
  /** Parent index of each span, -1 for none (or a parent outside the data). */
  parent: Int32Array;
  /** Children of span i are childList[childStart[i] .. childStart[i + 1]], by start time. */
  childStart: Int32Array;
  childList: Int32Array;
  /** Microseconds. */
  self: Float64Array;
}

export function buildTree(spans: readonly Span[]): SpanTree {
  const n = spans.length;
  const traceIndex = new Map<string, number>();
  const traces: Trace[] = [];
  const traceOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const id = spans[i].traceId;
    let t = traceIndex.get(id);
    if (t === undefined) {
      t = traces.length;
      traceIndex.set(id, t);
      traces.push({ id, root: -1, spans: [] });
    }
    traceOf[i] = t;
    traces[t].spans.push(i);
  }

  const parent = new Int32Array(n).fill(-1);
  const counts = new Int32Array(n + 1);
  // Span ids are unique within a trace only: one small map a trace, reused.
  const byId = new Map<string, number>();
  for (const t of traces) {
    byId.clear();
    for (const i of t.spans) if (!byId.has(spans[i].spanId)) byId.set(spans[i].spanId, i); // a repeated id: the first is the parent
    for (const i of t.spans) {
      const p = spans[i].parentId;
      if (p === undefined) continue;
      const j = byId.get(p);
      if (j === undefined || j === i) continue;
      parent[i] = j;
      counts[j]++;
    }
  }
  // Cycles (a span its own ancestor) in broken data: cut the link that closes one.
  breakCycles(parent, counts);

  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) childStart[i + 1] = childStart[i] + counts[i];
  const fill = childStart.slice(0, n);
  const childList = new Int32Array(childStart[n]);
  for (let i = 0; i < n; i++) if (parent[i] >= 0) childList[fill[parent[i]]++] = i;
  for (let i = 0; i < n; i++) if (childStart[i + 1] - childStart[i] > 1) sortByStart(spans, childList, childStart[i], childStart[i + 1]);

  const self = new Float64Array(n);
  for (let i = 0; i < n; i++) self[i] = selfTime(spans, i, childList, childStart[i], childStart[i + 1]);

  for (const t of traces) {
    let best = -1;
    for (const i of t.spans) if (parent[i] < 0 && (best < 0 || spans[i].duration > spans[best].duration)) best = i;
    t.root = best >= 0 ? best : t.spans[0];
  }
  return { spans, traces, traceOf, parent, childStart, childList, self };
}

/** list[a..b) by start time; insertion sort for the usual short, nearly sorted sibling lists. */
function sortByStart(spans: readonly Span[], list: Int32Array, a: number, b: number): void {
  if (b - a > 32) {
    list.set([...list.subarray(a, b)].sort((x, y) => spans[x].start - spans[y].start), a);
    return;
  }
  for (let k = a + 1; k < b; k++) {
    const v = list[k];
    const start = spans[v].start;
    let j = k - 1;
    while (j >= a && spans[list[j]].start > start) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = v;
  }
}

function breakCycles(parent: Int32Array, counts: Int32Array): void {
  const state = new Uint8Array(parent.length); // 0 unseen, 1 on the current walk, 2 done
  const walk: number[] = [];
  for (let i = 0; i < parent.length; i++) {
    let j = i;
    while (j >= 0 && state[j] === 0) {
      state[j] = 1;
      walk.push(j);
      j = parent[j];
    }
    if (j >= 0 && state[j] === 1) {
      counts[parent[j]]--;
      parent[j] = -1;
    }
    for (const k of walk) state[k] = 2;
    walk.length = 0;
  }
}

/** Duration minus the union of the children's intervals, each clipped to the span. */
function selfTime(spans: readonly Span[], i: number, children: Int32Array, a: number, b: number): number {
  const s = spans[i];
  if (a === b) return s.duration;
  const end = s.start + s.duration;
  let covered = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (let k = a; k < b; k++) {
    const c = spans[children[k]];
    const cs = Math.max(c.start, s.start);
    const ce = Math.min(c.start + c.duration, end);
    if (ce <= cs) continue;
    if (cs > to) {
      if (to > from) covered += to - from;
      from = cs;
      to = ce;
    } else if (ce > to) to = ce;
  }
  if (to > from) covered += to - from;
  return Math.max(0, s.duration - covered);
}

export interface PathSection {
  span: number;
  /** Microseconds of the trace's end-to-end time spent in this span itself. */
  micros: number;
}

interface Frame {
  span: number;
  start: number;
  /** Where the walk back has reached in this span. */
  limit: number;
  /** Children clipped to the span, last-finishing first. */
  kids: { i: number; start: number; end: number }[];
  next: number;
}

/**
 * The critical path below `root`, as Jaeger UI computes it: from the span's
 * end, walk back to the last-finishing child, descend into it, then go on in
 * the parent from where that child started. Children are clipped to their
 * parent. Sections come out in time order, one per stretch of a span.
 */
export function criticalPath(tree: SpanTree, root: number): PathSection[] {
  const { spans, childList, childStart } = tree;
  const frame = (span: number, clipStart: number, clipEnd: number): Frame => {
    const s = spans[span];
    const start = Math.max(s.start, clipStart);
    const end = Math.max(start, Math.min(s.start + s.duration, clipEnd));
    const kids: Frame['kids'] = [];
    for (let k = childStart[span]; k < childStart[span + 1]; k++) {
      const c = spans[childList[k]];
      const cs = Math.max(c.start, start);
      const ce = Math.min(c.start + c.duration, end);
      if (ce >= cs) kids.push({ i: childList[k], start: cs, end: ce });
    }
    kids.sort((x, y) => y.end - x.end);
    return { span, start, limit: end, kids, next: 0 };
  };
  const sections: { span: number; from: number; to: number }[] = [];
  // An explicit stack: deep traces must not overflow the call stack.
  const stack: Frame[] = [frame(root, -Infinity, Infinity)];
  while (stack.length > 0) {
    const f = stack[stack.length - 1];
    while (f.next < f.kids.length && f.kids[f.next].end > f.limit) f.next++;
    if (f.next < f.kids.length) {
      const c = f.kids[f.next++];
      if (f.limit > c.end) sections.push({ span: f.span, from: c.end, to: f.limit });
      f.limit = c.start;
      stack.push(frame(c.i, c.start, c.end));
      continue;
    }
    if (f.limit > f.start) sections.push({ span: f.span, from: f.start, to: f.limit });
    stack.pop();
  }
  sections.sort((x, y) => x.from - y.from);
  const out: PathSection[] = [];
  for (const s of sections) {
    const last = out[out.length - 1];
    if (last && last.span === s.span) last.micros += s.to - s.from;
    else out.push({ span: s.span, micros: s.to - s.from });
  }
  return out;
}
