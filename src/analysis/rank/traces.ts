// What the spans say about each service. Against fault-free spans of the same
// system: an operation whose own time per call grew (the service itself got
// slower, not its callees) and an operation whose calls end much sooner than
// usual (failing early: an exception, an early return). With no fault-free
// spans, only where the time went: each service's share of all own time,
// which is weak evidence, scored low, and operations whose calls split into
// a usual and a far quicker group (earlyEnds).

import type { Span } from '../../sources/traces/span.js';
import { kthLargest, median, mad } from '../metrics/baseline.js';
import { callsOf, type Call } from './owntime.js';
import { clamp01, round2, showMicros, times, type Signal } from './signal.js';

export interface TraceOptions {
  /** Fewest calls of an operation, in each window, to compare it. */
  minCalls: number;
  /** Own time must grow by this factor to count as slower. */
  minRatio: number;
  /** Calls must end within this share of their usual duration to count as failing early. */
  fasterRatio: number;
  /** Seconds from the first span of the data that are read as its start, before the incident may have begun. */
  earlySeconds: number;
  /** Fewest calls of an operation in that start to say it was already slower there. */
  earlyCalls: number;
  /** A slowdown of less than this factor that was already there at the start is drift: it keeps `driftKeep` of its score (0 drops it). */
  driftRatio: number;
  driftKeep: number;
  /**
   * The drift test is made only when the data after its start is at least this many times
   * `earlySeconds` long: in a short window, or one that begins with the fault already running
   * (an alert's minutes), the start is the incident, not the day before it.
   */
  driftAfter: number;
}

export const defaultTraceOptions: TraceOptions = { minCalls: 5, minRatio: 1.5, fasterRatio: 1 / 3, earlySeconds: 75, earlyCalls: 3, driftRatio: 3, driftKeep: 0.3, driftAfter: 3 };

/** Below this many microseconds, a difference in own time is noise. */
const FLOOR_US = 200;

type Groups = Map<string, Call[]>;

function group(calls: readonly Call[]): Groups {
  const out: Groups = new Map();
  for (const c of calls) {
    const key = `${c.service}\u0000${c.operation}`;
    const list = out.get(key);
    if (list) list.push(c);
    else out.set(key, [c]);
  }
  return out;
}

/**
 * Signals from the spans of the incident window, against each set of
 * fault-free spans given (a change must hold against every set that has the
 * operation, so that what differs between two normal days does not count).
 */
export function traceSignals(spans: readonly Span[], baselines: readonly (readonly Span[])[], options: Partial<TraceOptions> = {}): Signal[] {
  const opts = { ...defaultTraceOptions, ...options };
  const calls = callsOf(spans);
  if (calls.length === 0) return [];
  const refs = baselines.filter((b) => b.length > 0).map((b) => group(callsOf(b)));
  if (refs.length === 0) return [...shares(calls), ...earlyEnds(group(calls), opts)];
  const first = calls.reduce((m, c) => Math.min(m, c.start), Infinity);
  const last = calls.reduce((m, c) => Math.max(m, c.start + c.duration), -Infinity);
  const early = first + opts.earlySeconds * 1e6;
  return compared(group(calls), refs, opts, last - early >= opts.driftAfter * opts.earlySeconds * 1e6 ? early : undefined);
}

/**
 * With no fault-free spans: an operation whose calls split in two, most
 * taking their usual time and a good share ending far sooner, is failing
 * part of the time (an exception, an early return). Scored below the same
 * finding against a baseline: the quick calls may be a normal fast path.
 */
function earlyEnds(now: Groups, opts: TraceOptions): Signal[] {
  const out: Signal[] = [];
  for (const calls of now.values()) {
    if (calls.length < 2 * opts.minCalls) continue;
    const { service, operation } = calls[0];
    const durations = calls.map((c) => c.duration).sort((a, b) => a - b);
    const usual = durations[Math.floor(durations.length * 0.75)];
    const early = durations.filter((d) => d <= opts.fasterRatio * usual && usual - d >= 5 * FLOOR_US);
    const share = early.length / calls.length;
    if (early.length < opts.minCalls || share < 0.2) continue;
    const r = median(early) / usual;
    const score = round2(0.2 + 0.25 * clamp01(-Math.log10(r)) + 0.1 * clamp01(share / 0.5) + 0.1 * clamp01(Math.log10(early.length) / 2));
    const summary = `${early.length} of ${calls.length} ${operation} calls end after ${showMicros(median(early))}, the others' usual ${showMicros(usual)} (${times(r)}; no fault-free traces to compare with): they fail or return early, or the others are slowed`;
    out.push({ service, score, says: 'faster', operation, evidence: { source: 'traces', summary } });
  }
  return out;
}

/** The baseline calls of an operation that minimise `by`, among the baselines with enough of them. */
function closest(refs: Groups[], key: string, opts: TraceOptions, by: (base: Call[]) => number): Call[] | undefined {
  let best: Call[] | undefined;
  let bestDiff = Infinity;
  for (const r of refs) {
    const base = r.get(key);
    if (!base || base.length < opts.minCalls) continue;
    const diff = by(base);
    if (diff < bestDiff) (best = base), (bestDiff = diff);
  }
  return best;
}

/**
 * Own time that grew against the fault-free spans, by the test `compared` uses: how many
 * times, how many robust deviations, and whether past the slowest normal calls.
 */
function grew(calls: readonly Call[], base: readonly Call[]): { now: number; was: number; ratio: number; z: number; past: boolean } {
  const ownBase = base.map((c) => c.own);
  const now = median(calls.map((c) => c.own));
  const was = median(ownBase);
  return {
    now,
    was,
    ratio: (now + FLOOR_US) / (was + FLOOR_US),
    z: (now - was) / Math.max(1.4826 * mad(ownBase, was), 0.05 * was, FLOOR_US),
    past: now > kthLargest(ownBase, Math.ceil(0.05 * ownBase.length)),
  };
}

/**
 * Whether what `grew` measured counts as slower: the median call as many times slower and as
 * many deviations out, and slower than all but the slowest 5% of normal calls (the slowest of
 * all, for up to 20). An operation with two code paths has a small MAD around its larger path's
 * median (ts-order-service's orders took 10-11 ms or 16-18 ms, MAD 1.1 ms): calls at the other
 * path's usual time are not slower.
 */
const slower = (g: { ratio: number; z: number; past: boolean }, opts: TraceOptions) => g.ratio >= opts.minRatio && g.z >= 3 && g.past;

/**
 * Calls at the start of the data, before `early` (unix microseconds), that were already
 * as much slower than the fault-free spans: the slowdown predates the incident's minutes.
 * Fault-free spans taken hours earlier miss how a service drifts over a day (a table
 * that grows), and an incident begins inside the minutes the data covers; a large
 * slowdown already there at the start is kept (the fault began a little earlier), a
 * modest one is likely drift and is scored down (not dropped: a fault may have begun
 * just before the data). Made only when the data runs on well past its start.
 */
function drifted(calls: readonly Call[], base: readonly Call[], early: number, ratio: number, opts: TraceOptions): boolean {
  if (ratio >= opts.driftRatio) return false;
  const first = calls.filter((c) => c.start < early);
  if (first.length < opts.earlyCalls) return false;
  return slower(grew(first, base), opts);
}

/** `early`: the end of the data's start, when the data is long enough for the drift test. */
function compared(now: Groups, refs: Groups[], opts: TraceOptions, early: number | undefined): Signal[] {
  const grown: { signal: Signal; added: number; strength: number; caller?: string; wait?: string }[] = [];
  const out: Signal[] = [];
  for (const [key, calls] of now) {
    if (calls.length < opts.minCalls) continue;
    const { service, operation } = calls[0];
    const durNow = median(calls.map((c) => c.duration));
    // Slower than the slowest normal; sooner than the quickest.
    const base = closest(refs, key, opts, (b) => -median(b.map((c) => c.own)));
    if (!base) continue;
    const g = grew(calls, base);
    const { now: ownNow, was: ownWas, ratio } = g;
    const isSlower = slower(g, opts);
    const drift = isSlower && early !== undefined && drifted(calls, base, early, ratio, opts);
    if (isSlower && !(drift && opts.driftKeep === 0)) {
      // How many times slower counts most, then how much time that adds to a call (1 ms little, 100 ms a lot), then how many calls.
      const added = (ownNow - ownWas) / 1000;
      const strength = (drift ? opts.driftKeep : 1) * (0.2 + 0.45 * clamp01(Math.log10(ratio)) + 0.15 * clamp01(Math.log10(added) / 2) + 0.15 * clamp01(Math.log10(calls.length) / 2));
      const summary = `own time of ${operation} ${showMicros(ownNow)} per call in the incident window, ${showMicros(ownWas)} in the baseline (${times(ratio)}, ${calls.length} calls)${drift ? `; as slow already in its first calls (the data's first ${opts.earlySeconds} s): drift over the day as much as the incident, scored down` : ''}`;
      // Grown in the wait its caller saw that no span of its own covers (the network, or the caller
      // itself), and not inside: without that wait, its own time would not count as slower.
      const [gapNow, gapWas] = [median(calls.map((c) => c.gap)), median(base.map((c) => c.gap))];
      const waited = gapNow - gapWas >= 0.5 * (ownNow - ownWas) && !slower(grew(calls.map(withoutGap), base.map(withoutGap)), opts);
      const caller = waited ? mostCommon(calls.map((c) => c.caller)) : undefined;
      const wait = caller && `${caller}'s calls to ${operation} on ${service} waited ${showMicros(gapNow)} per call that no span of ${service} covers, ${showMicros(gapWas)} in the baseline (${calls.length} calls)`;
      grown.push({ signal: { service, score: 0, says: 'slower', operation, evidence: { source: 'traces', summary } }, added: (ownNow - ownWas) * calls.length, strength, ...(caller ? { caller, wait } : {}) });
    }
    const durWas = median((closest(refs, key, opts, (b) => median(b.map((c) => c.duration))) as Call[]).map((c) => c.duration));
    if (durNow <= opts.fasterRatio * durWas && durWas - durNow >= 5 * FLOOR_US) {
      const r = durNow / durWas;
      const score = round2(0.3 + 0.35 * clamp01(-Math.log10(r)) + 0.15 * clamp01(Math.log10(calls.length) / 2));
      const summary = `${operation} calls end after ${showMicros(durNow)} in the incident window, ${showMicros(durWas)} in the baseline (${times(r)}, ${calls.length} calls): they fail or return early`;
      out.push({ service, score, says: 'faster', operation, evidence: { source: 'traces', summary } });
    }
  }
  commonCaller(grown);
  // An operation that adds little time is scored down against the one that adds the most.
  const most = Math.max(0, ...grown.map((s) => s.added));
  for (const s of grown) out.push({ ...s.signal, score: round2(Math.min(0.95, s.strength * (0.5 + 0.5 * Math.sqrt(s.added / most)))) });
  return out;
}

/**
 * Calls from one service to two or more others that all waited longer, where none of the
 * callees' own spans grew: the one thing they share is the caller (a starved CPU sends and
 * reads late), so the slowdown is the caller's. One callee alone may be its own network.
 */
function commonCaller(grown: { signal: Signal; caller?: string; wait?: string }[]): void {
  // A service slower inside, in any of its operations, is a suspect of its own.
  const inside = new Set(grown.filter((s) => !s.caller).map((s) => s.signal.service));
  const callees = new Map<string, Set<string>>();
  for (const s of grown) if (s.caller && !inside.has(s.signal.service)) callees.set(s.caller, (callees.get(s.caller) ?? new Set()).add(s.signal.service));
  for (const s of grown) {
    const them = s.caller ? callees.get(s.caller) : undefined;
    if (!s.caller || !them || them.size < 2 || !them.has(s.signal.service)) continue;
    const others = [...them].filter((t) => t !== s.signal.service).sort();
    const summary = `${s.wait}; ${s.caller}'s calls to ${others.length === 1 ? others[0] : `${others.length} other services (${others.join(', ')})`} waited longer too, and none of them is slower inside: ${s.caller} is the one they share`;
    // The operation was the callee's; the caller's own signals say where in it.
    const { operation: _, ...rest } = s.signal;
    s.signal = { ...rest, service: s.caller, evidence: { source: 'traces', summary } };
  }
}

const withoutGap = (c: Call): Call => ({ ...c, own: c.own - c.gap });

function mostCommon(xs: readonly (string | undefined)[]): string | undefined {
  const n = new Map<string, number>();
  for (const x of xs) if (x !== undefined) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1])[0]?.[0];
}

function shares(calls: readonly Call[]): Signal[] {
  const own = new Map<string, { us: number; calls: number }>();
  let total = 0;
  for (const c of calls) {
    const o = own.get(c.service) ?? { us: 0, calls: 0 };
    o.us += c.own;
    o.calls++;
    own.set(c.service, o);
    total += c.own;
  }
  if (total <= 0) return [];
  return [...own].map(([service, o]) => {
    const share = o.us / total;
    const summary = `${Math.round(share * 100)}% of the time spent in services is spent in ${service} (${showMicros(o.us / o.calls)} per call, ${o.calls} calls; no fault-free traces to compare with)`;
    return { service, score: round2(0.3 * share), says: 'slower' as const, evidence: { source: 'traces', summary } };
  });
}
