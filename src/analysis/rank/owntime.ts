// How long each call spent in the service that served it, not waiting on the
// services it called. A call is an entry span (its parent is in another
// service, or it has none) with the spans below it in the same service. Its
// own time is its wall time less the time it waited on other services, plus
// the time its caller waited that none of its spans covers: a client span
// whose children are all one other service's is waiting on that service
// (queueing for a starved CPU, a slow network), so the callee is blamed here;
// traces.ts moves that blame to the caller when its calls to several services
// all waited longer (the `gap` of each call says how much was that wait).

import type { Span } from '../../sources/traces/span.js';

export interface Call {
  service: string;
  operation: string;
  /** Microseconds since the epoch. */
  start: number;
  /** Microseconds, end to end. */
  duration: number;
  /** Microseconds spent in this service. */
  own: number;
  /** Of `own`, the microseconds its caller waited that none of its spans covers (the network, or a starved caller). */
  gap: number;
  /** The calling service, when there is one. */
  caller?: string;
}

type Interval = readonly [number, number];

/** Microseconds of [start, end) that the intervals cover. */
function covered(start: number, end: number, intervals: readonly Interval[]): number {
  const iv = intervals.map(([a, b]) => [Math.max(start, a), Math.min(end, b)] as const).filter(([a, b]) => b > a);
  iv.sort((x, y) => x[0] - y[0]);
  let total = 0;
  let from = 0;
  let to = 0;
  for (const [a, b] of iv) {
    if (a > to) {
      total += to - from;
      from = a;
      to = b;
    } else to = Math.max(to, b);
  }
  return total + to - from;
}

const interval = (s: Span): Interval => [s.start, s.start + s.duration];

/**
 * The calls of span sets already seen (the ranking reads the fault-free ones for every case),
 * keyed by the array itself: a caller that appends spans to an array already read gets the
 * calls as they were (stale). Pass a new array for new spans.
 */
const made = new WeakMap<readonly Span[], readonly Call[]>();

export function callsOf(spans: readonly Span[]): readonly Call[] {
  let calls = made.get(spans);
  if (!calls) made.set(spans, (calls = callsOfSpans(spans)));
  return calls;
}

/** Each span's children, by `parentOf`, into `into` (a new map when none is given). */
export function childrenByParent(spans: readonly Span[], parentOf: (s: Span) => Span | undefined, into = new Map<Span, Span[]>()): Map<Span, Span[]> {
  for (const s of spans) {
    const p = parentOf(s);
    if (!p) continue;
    const list = into.get(p);
    if (list) list.push(s);
    else into.set(p, [s]);
  }
  return into;
}

function callsOfSpans(spans: readonly Span[]): Call[] {
  const byId = new Map<string, Span>();
  const children = new Map<Span, Span[]>();
  for (const s of spans) byId.set(`${s.traceId}/${s.spanId}`, s);
  const parentOf = (s: Span) => (s.parentId === undefined ? undefined : byId.get(`${s.traceId}/${s.parentId}`));
  childrenByParent(spans, parentOf, children);
  const kidsOf = (s: Span) => children.get(s) ?? [];
  // A client span waits on one other service when all its children are that service's.
  const waitsOn = (s: Span) => {
    const kids = kidsOf(s);
    return kids.length > 0 && kids.every((k) => k.service !== s.service && k.service === kids[0].service);
  };
  const out: Call[] = [];
  for (const e of spans) {
    const caller = parentOf(e);
    if (caller && caller.service === e.service) continue;
    // The time this call waited on other services, from its own spans.
    const waits: Interval[] = [];
    const todo = [e];
    while (todo.length) {
      const s = todo.pop() as Span;
      if (waitsOn(s)) {
        waits.push(interval(s));
        continue;
      }
      for (const k of kidsOf(s)) {
        if (k.service !== e.service) waits.push(interval(k));
        else todo.push(k);
      }
    }
    const inside = e.duration - covered(e.start, e.start + e.duration, waits);
    // The caller's wait that this call's spans do not cover (its longest child takes the blame).
    const gap =
      caller && waitsOn(caller) && kidsOf(caller).reduce((a, b) => (b.duration > a.duration ? b : a)) === e
        ? caller.duration - covered(caller.start, caller.start + caller.duration, kidsOf(caller).map(interval))
        : 0;
    out.push({ service: e.service, operation: e.operation, start: e.start, duration: e.duration, own: inside + gap, gap, ...(caller ? { caller: caller.service } : {}) });
  }
  return out;
}
