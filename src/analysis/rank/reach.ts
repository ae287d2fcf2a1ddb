// What the spans say about a callee that stopped being reached: the calls of
// one operation, from one caller, reached callee X every time (or nearly) up
// to some moment, and from then on often end early without reaching X: with
// an error span, or in a fraction of the time the calls before took. The
// callee is blamed, not the caller: the caller's code that leads to X fails
// on the way (a verification it can no longer get, a connection refused, a
// timeout before the callee answered). Only the calls' own data counts, in
// time order: the change point is where the calls themselves change (as in
// paths.ts), not a time given from outside. A call that no longer reaches X
// but takes its usual time and fails nowhere is not counted: a caller that
// took another branch, or a traffic mix that changed, is not a callee lost.

import type { Span } from '../../sources/traces/span.js';
import { childrenByParent } from './owntime.js';
import { callerKeys, ll } from './paths.js';
import { median } from '../metrics/baseline.js';
import { gScore, showMicros, type Signal } from './signal.js';

export interface ReachOptions {
  /** Fewest calls either side of the change. */
  minCalls: number;
  /** Share of the calls before the change that reached the callee, at least. */
  before: number;
  /** Share of the calls after it that ended early without reaching it, at least. */
  after: number;
  /** A call ends early when it takes at most this share of the median call before the change. */
  shorter: number;
  /** The change's G statistic at which it scores `low`… */
  g0: number;
  low: number;
  /** …and the score at ten times that G, the most it gets. */
  high: number;
}

export const defaultReachOptions: ReachOptions = { minCalls: 4, before: 0.9, after: 0.5, shorter: 1 / 3, g0: 2, low: 0.2, high: 0.8 };

/** One operation's calls from one caller, in time order: per call what it reached, whether it failed, how long it took. */
export interface ReachCandidate {
  service: string;
  operation: string;
  caller: string;
  calls: { reached: ReadonlySet<string>; failed: boolean; duration: number }[];
}

/** A span that says it failed, or the handler a framework routes a failure to (Spring's BasicErrorController.error, /error). */
const failing = (s: Span) => s.error || /(^|[^a-z])error([^a-z]|$)/i.test(s.operation);

/** The part that needs no threshold: the calls grouped, with what each reached. */
export function reachCandidates(spans: readonly Span[]): ReachCandidate[] {
  if (spans.length === 0) return [];
  const { parentOf, callerOf } = callerKeys(spans);
  const children = childrenByParent(spans, parentOf);
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    const p = parentOf(s);
    if (p && p.service === s.service) continue;
    const key = `${s.service}\u0000${s.operation}\u0000${callerOf(s)}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const out: ReachCandidate[] = [];
  for (const [key, entries] of groups) {
    entries.sort((a, b) => a.start - b.start);
    const calls = entries.map((e) => {
      const reached = new Set<string>();
      let failed = false;
      const todo = [e];
      while (todo.length) {
        const s = todo.pop() as Span;
        failed ||= failing(s);
        for (const c of children.get(s) ?? []) {
          if (c.service === e.service) todo.push(c);
          else reached.add(c.service);
        }
      }
      return { reached, failed, duration: e.duration };
    });
    const callees = new Set(calls.flatMap((c) => [...c.reached]));
    if (callees.size === 0) continue;
    const [service, operation, caller] = key.split('\u0000');
    out.push({ service, operation, caller, calls });
  }
  return out;
}

export function reachSignals(spans: readonly Span[], options: Partial<ReachOptions> = {}): Signal[] {
  return reachSignalsOf(reachCandidates(spans), options);
}

const c01 = (b: boolean) => (b ? 1 : 0);

/** The signals of the candidates: per callee, its strongest loss. */
export function reachSignalsOf(candidates: readonly ReachCandidate[], options: Partial<ReachOptions> = {}): Signal[] {
  const opts = { ...defaultReachOptions, ...options };
  const best = new Map<string, { g: number; signal: Signal }>();
  for (const { service, operation, caller, calls } of candidates) {
    const n = calls.length;
    if (n < 2 * opts.minCalls) continue;
    // Only an operation with one usual callee: calls that stop before reaching any of several
    // callees say that the caller failed first as much as that any one of them did.
    const reaching = calls.filter((c) => c.reached.size > 0).length;
    const usual = [...new Set(calls.flatMap((c) => [...c.reached]))].filter((y) => calls.filter((c) => c.reached.has(y)).length >= opts.before * reaching);
    if (usual.length !== 1 || usual[0] === service) continue;
    const x = usual[0];
    const reached = calls.filter((c) => c.reached.has(x));
    if (reached.length === n) continue;
    // Early: not reaching x, and failing or far quicker than the calls that reached it.
    const typical = median(reached.map((c) => c.duration));
    const early = calls.map((c) => (!c.reached.has(x) && (c.failed || c.duration <= opts.shorter * typical) ? 1 : 0));
    const allEarly = early.reduce((a: number, b) => a + b, 0);
    if (allEarly < opts.after * opts.minCalls) continue;
    let k1 = 0;
    let e1 = 0;
    let top: { g: number; i: number; lost: number } | undefined;
    for (let i = 1; i < n; i++) {
      k1 += c01(calls[i - 1].reached.has(x));
      e1 += early[i - 1];
      if (i < opts.minCalls || n - i < opts.minCalls || k1 < opts.before * i) continue;
      const e2 = allEarly - e1;
      if (e2 < opts.after * (n - i)) continue;
      const g = 2 * (ll(e1, i) + ll(e2, n - i) - ll(allEarly, n));
      if (!top || g > top.g) top = { g, i, lost: e2 };
    }
    if (!top || top.g <= 0) continue;
    const score = gScore(top.g, opts);
    const from = caller ? ` (called by ${caller})` : '';
    const summary = `${operation} calls in ${service}${from}: the first ${top.i} reached ${x} (median ${showMicros(typical)}), then ${top.lost} of the ${n - top.i} after ended early without reaching it`;
    const prev = best.get(x);
    if (!prev || top.g > prev.g) best.set(x, { g: top.g, signal: { service: x, score, says: 'unreached', evidence: { source: 'traces', summary } } });
  }
  return [...best.values()].map((b) => b.signal);
}
