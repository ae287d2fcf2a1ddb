// What the joined logs and spans say about a service's own code path: a log
// statement that its calls of one operation, from one caller, wrote every
// time, and that from some moment in the window they no longer write while the
// calls go on. The calls still arrive and still return, so neither latency
// nor error lines need change (an exception caught inside the service, an
// early return): only the path through the code is different. Calls are kept
// apart by their caller, so that a caller that stops calling (its requests
// took another branch) does not look like a statement dropped. Error and
// warning lines are left out: errors that stop are a recovery, not a fault.
// Only traces in which some line was logged count, so that a minute with no
// log file does not look like silence. Only lines that name their span are
// read: a line with a trace id alone (Loki's usual) is pinned by the join to
// the service's longest span in the trace, so a statement could seem to move
// from one operation to another.

import { severity } from '../logs/compare.js';
import { Drain, templateText } from '../logs/drain.js';
import { SpanIndex } from '../join.js';
import type { Span } from '../../sources/traces/span.js';
import type { ServiceLine } from './logs.js';
import { gScore, type Signal } from './signal.js';

export interface PathOptions {
  /** Fewest calls either side of the change. */
  minCalls: number;
  /** Share of the calls before the change that wrote the statement, at least. */
  before: number;
  /** Share of the calls after it that still do, at most. */
  after: number;
  /** The change's G statistic (log-likelihood ratio) at which it scores `low`… */
  g0: number;
  low: number;
  /** …and the score at ten times that G, the most it gets. */
  high: number;
}

export const defaultPathOptions: PathOptions = { minCalls: 4, before: 0.7, after: 0.05, g0: 5, low: 0.2, high: 0.8 };

/** One operation's calls from one caller, in time order, and for each statement whether each call wrote it. */
export interface PathCandidate {
  service: string;
  operation: string;
  caller: string;
  /** Per statement: its template and 1/0 per call. */
  statements: { template: string; has: number[] }[];
}

/** Log-likelihood of k successes in n at the rate k/n. */
export const ll = (k: number, n: number) => (k > 0 ? k * Math.log(k / n) : 0) + (n - k > 0 ? (n - k) * Math.log((n - k) / n) : 0);

export function pathSignals(lines: readonly ServiceLine[], spans: readonly Span[], options: Partial<PathOptions> = {}): Signal[] {
  return pathSignalsOf(pathCandidates(lines, spans), options);
}

/** The part of pathSignals that needs no threshold: the logs joined to the calls, grouped. */
export function pathCandidates(lines: readonly ServiceLine[], spans: readonly Span[]): PathCandidate[] {
  if (lines.length === 0 || spans.length === 0) return [];
  const index = new SpanIndex(spans);
  const drain = new Drain();
  const written = new Map<Span, Set<number>>();
  const logged = new Set<string>();
  for (const l of lines) {
    if (!l.ref?.spanId) continue;
    const s = index.spanOf(l.ref, l.service);
    if (!s || s.service !== l.service) continue;
    logged.add(s.traceId);
    if (severity(l.line) !== 0) continue;
    const id = drain.add(l.line).id;
    const set = written.get(s) ?? new Set<number>();
    set.add(id);
    written.set(s, set);
  }
  if (written.size === 0) return [];
  const { callerOf } = callerKeys(spans);
  const writing = new Set([...written.keys()].map((s) => `${s.service}\u0000${s.operation}`));
  const groups = new Map<string, Span[]>();
  for (const s of spans) {
    const op = `${s.service}\u0000${s.operation}`;
    if (!writing.has(op) || !logged.has(s.traceId)) continue;
    const key = `${op}\u0000${callerOf(s)}`;
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const out: PathCandidate[] = [];
  for (const [key, calls] of groups) {
    if (calls.length < 2) continue;
    calls.sort((a, b) => a.start - b.start);
    const ids = new Set<number>();
    for (const c of calls) for (const id of written.get(c) ?? []) ids.add(id);
    const [service, operation, caller] = key.split('\u0000');
    out.push({ service, operation, caller, statements: [...ids].map((id) => ({ template: templateText(drain.templates[id]), has: calls.map((c) => (written.get(c)?.has(id) ? 1 : 0)) })) });
  }
  return out;
}

/** Each span's parent, and the caller of a service's span: its caller's entry operation, as `service\u0000operation` ('' for none). */
export function callerKeys(spans: readonly Span[]): { parentOf: (s: Span) => Span | undefined; callerOf: (s: Span) => string } {
  const byId = new Map<string, Span>();
  for (const s of spans) byId.set(`${s.traceId}/${s.spanId}`, s);
  const parentOf = (s: Span) => (s.parentId === undefined ? undefined : byId.get(`${s.traceId}/${s.parentId}`));
  // The caller's entry operation: the first span above in another service, then up to that service's entry.
  const callerOf = (s: Span): string => {
    let p = parentOf(s);
    while (p && p.service === s.service) p = parentOf(p);
    if (!p) return '';
    let q = p;
    for (let r = parentOf(q); r && r.service === p.service; r = parentOf(q)) q = r;
    return `${q.service}\u0000${q.operation}`;
  };
  return { parentOf, callerOf };
}

/** The signals of the candidates: per service, its strongest change. */
export function pathSignalsOf(candidates: readonly PathCandidate[], options: Partial<PathOptions> = {}): Signal[] {
  const opts = { ...defaultPathOptions, ...options };
  const best = new Map<string, { g: number; signal: Signal }>();
  for (const { service, operation, caller, statements } of candidates) {
    if (statements.length === 0 || statements[0].has.length < 2 * opts.minCalls) continue;
    for (const { template, has } of statements) {
      const n = has.length;
      const all = has.reduce((a: number, b) => a + b, 0);
      let k1 = 0;
      let top: { g: number; i: number; k1: number } | undefined;
      for (let i = 1; i < n; i++) {
        k1 += has[i - 1];
        if (i < opts.minCalls || n - i < opts.minCalls) continue;
        const p1 = k1 / i;
        const p2 = (all - k1) / (n - i);
        if (p1 < opts.before || p2 > opts.after) continue;
        const g = 2 * (ll(k1, i) + ll(all - k1, n - i) - ll(all, n));
        if (!top || g > top.g) top = { g, i, k1 };
      }
      if (!top) continue;
      const after = n - top.i;
      const still = all - top.k1;
      // G of 10 is a change worth a look (p ≈ 0.002), 100 a certain one.
      const score = gScore(top.g, opts);
      const from = caller ? ` (called by ${caller})` : '';
      const summary = `${operation} calls${from}: ${top.k1} of the first ${top.i} wrote "${shorten(template, 120)}", ${still} of the ${after} after; the code path changed inside ${service}`;
      const prev = best.get(service);
      if (!prev || top.g > prev.g) best.set(service, { g: top.g, signal: { service, score, says: 'diverted', operation, template, evidence: { source: 'logs', summary } } });
    }
  }
  return [...best.values()].map((b) => b.signal);
}

const shorten = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
