// Which service is the cause: the trace, log and metric analyses each say
// what they see per service, and the services are ranked by how strongly and
// by how many independent sources. A symptom passed up the call graph is
// scored down: a caller that is slower while a callee (directly or further
// down) is strongly slower or saturated, that fails sooner while a callee
// fails sooner, that logs errors while a callee logs errors or fails
// sooner, or whose calls stop writing a log statement while a callee is
// strongly slower or failing, or diverted more surely, is more likely
// suffering from that callee than the cause; so is a caller that fails sooner,
// logs errors or is diverted while a callee stopped being reached (reach.ts).

import type { Evidence } from '../../model.js';
import type { Span } from '../../sources/traces/span.js';
import type { Window } from '../metrics/baseline.js';
import type { MetricSeries } from '../metrics/detect.js';
import { logSignals, type ServiceLine } from './logs.js';
import { metricSignals } from './metrics.js';
import { callsOf, type Call } from './owntime.js';
import { round2, type Signal } from './signal.js';
import { defaultTraceOptions, traceSignals, type TraceOptions } from './traces.js';
import { defaultPathOptions, pathSignals, type PathOptions } from './paths.js';
import { defaultReachOptions, reachSignals, type ReachOptions } from './reach.js';

export interface RankInput {
  /** The incident window, unix seconds. */
  window: Window;
  spans: readonly Span[];
  logs: readonly ServiceLine[];
  /** Series with their service; the history before the window is their baseline. */
  metrics: readonly MetricSeries[];
  /** Fault-free spans and logs of the same system, when there are some: each a separate reference (a day, a run). */
  baselines?: readonly Baseline[];
  /** Caller → callee services known besides what the spans show. */
  calls?: readonly (readonly [string, string])[];
  /** The service users' requests enter by, whose latency is the front end's: the incident's symptom whatever its cause. */
  entry?: string;
  /** Seconds either side of the window the metrics are read over: a metric point stands for the minute before it. */
  metricPad?: number;
}

export interface Baseline {
  spans: readonly Span[];
  logs: readonly ServiceLine[];
  /** Seconds the logs cover. */
  seconds: number;
}

export interface RankedService {
  service: string;
  /** 0..1: the sources' scores combined, each source counted once. */
  score: number;
  /** Where in the service (Nezha's inner-service root cause): the operation of its strongest span signal… */
  operation?: string;
  /** …and the log template of its strongest log signal. */
  template?: string;
  /** Strongest first. */
  evidence: Evidence[];
}

export interface Ranking {
  window: Window;
  ranking: RankedService[];
}

/** The window the metrics are judged over: a point stands for the minute before it, and minute files may be missing. */
export function metricWindow(window: Window, pad = 120): Window {
  return { start: window.start - pad, end: window.end + pad };
}

/** A signal of a caller scored at this share when a callee below it explains it. */
const PASSED_UP = 0.5;
const STRONG = 0.5;

export interface RankOptions {
  /**
   * The share of its score a latency metric keeps when the service's own spans, compared with
   * fault-free ones, do not say it got slower (capByOwnSpans). Chosen by leave-one-out over the
   * labelled cases (npm run bench -- rank).
   */
  unconfirmedLatency: number;
  /** The span analysis's thresholds (traces.ts), among them when a slowdown counts as drift. */
  traces: TraceOptions;
  /** When a log statement that stops being written counts (paths.ts). */
  paths: PathOptions;
  /** When calls that stop reaching their one callee count against it (reach.ts). */
  reach: ReachOptions;
}

export const defaultRankOptions: RankOptions = { unconfirmedLatency: 0.5, traces: defaultTraceOptions, paths: defaultPathOptions, reach: defaultReachOptions };

/** The options with some of them, the span and path thresholds among them, changed. */
export type RankOptionChanges = Partial<Omit<RankOptions, 'traces' | 'paths' | 'reach'>> & { traces?: Partial<TraceOptions>; paths?: Partial<PathOptions>; reach?: Partial<ReachOptions> };

export function rank(input: RankInput, options: RankOptionChanges = {}): Ranking {
  const opts = withDefaults(options);
  return rankSignals(input, signalsOf(input, opts), opts);
}

const withDefaults = (options: RankOptionChanges): RankOptions => ({
  ...defaultRankOptions,
  ...options,
  traces: { ...defaultTraceOptions, ...options.traces },
  paths: { ...defaultPathOptions, ...options.paths },
  reach: { ...defaultReachOptions, ...options.reach },
});

/** What each source says about each service, before the ranking weighs it. */
export function signalsOf(input: RankInput, options: RankOptionChanges = {}): Signal[] {
  const opts = withDefaults(options);
  return [...traceSignalsOf(input, opts.traces), ...logSignalsOf(input), ...pathSignals(input.logs, input.spans, opts.paths), ...reachSignals(input.spans, opts.reach), ...metricSignalsOf(input)];
}

/** The sources one at a time, for a caller that varies one source's options (the bench's leave-one-out). */
export const traceSignalsOf = (input: RankInput, options: Partial<TraceOptions> = {}): Signal[] => traceSignals(input.spans, (input.baselines ?? []).map((b) => b.spans), options);
export const metricSignalsOf = (input: RankInput): Signal[] => metricSignals(input.metrics, metricWindow(input.window, input.metricPad));
export function logSignalsOf(input: RankInput): Signal[] {
  const withLogs = (input.baselines ?? []).filter((b) => b.logs.length > 0);
  const logBaseline = withLogs.length > 0 ? { lines: withLogs.flatMap((b) => b.logs), seconds: withLogs.reduce((n, b) => n + b.seconds, 0) } : undefined;
  return logSignals({ lines: input.logs, seconds: input.window.end - input.window.start }, logBaseline, input.spans);
}

/** The ranking from the sources' signals (left as they are: the ones it scores down are copies). */
export function rankSignals(input: RankInput, given: readonly Signal[], options: RankOptionChanges = {}): Ranking {
  const opts = withDefaults(options);
  const signals = given.map((s) => ({ ...s }));
  const { traced, below, services } = shapeOf(input);
  capByOwnSpans(signals, traced, opts.unconfirmedLatency);
  const strong = (service: string, says: Signal['says'][]) =>
    signals.some((s) => s.service === service && s.score >= STRONG && says.includes(s.says));
  const explained = (s: Signal) => {
    const under = below.get(s.service);
    if (!under) return false;
    if (s.says === 'slower' && s.evidence.source === 'metrics') return [...under].some((d) => strong(d, ['slower', 'saturated']));
    // A callee its calls no longer reach (reach.ts) explains a caller that fails sooner, or logs errors, as a callee failing sooner does.
    if (s.says === 'faster') return [...under].some((d) => signals.some((x) => x.service === d && (x.says === 'faster' || x.says === 'unreached')));
    if (s.says === 'errors') return [...under].some((d) => signals.some((x) => x.service === d && (x.says === 'errors' || x.says === 'faster' || x.says === 'unreached')));
    // A statement a caller stops writing may only be its callee's answer that changed: strongly slower or
    // failing, or on another path itself, more surely (two services that call each other do not both fall).
    if (s.says === 'diverted') return [...under].some((d) => strong(d, ['slower', 'saturated', 'errors', 'unreached']) || signals.some((x) => x.service === d && x.says === 'diverted' && x.score > s.score));
    return false;
  };
  const byService = new Map<string, { bySource: Map<string, number>; evidence: { e: Evidence; score: number; s: Signal }[] }>();
  const entry = (service: string) => {
    let e = byService.get(service);
    if (!e) byService.set(service, (e = { bySource: new Map(), evidence: [] }));
    return e;
  };
  // Every cause slows the front end: its latency is the symptom the incident is seen by, passed up
  // from wherever the cause is, once another service shows something strongly (a fault at the
  // front end itself leaves the others quiet). Its own CPU, errors and spans still count in full.
  const othersStrong = signals.some((s) => s.service !== input.entry && s.score >= STRONG);
  const symptom = (s: Signal) => othersStrong && s.service === input.entry && s.evidence.source === 'metrics' && s.says === 'slower';
  for (const s of signals) {
    const atEntry = symptom(s);
    const score = explained(s) || atEntry ? round2(s.score * PASSED_UP) : s.score;
    const e = entry(s.service);
    e.bySource.set(s.evidence.source, Math.max(e.bySource.get(s.evidence.source) ?? 0, score));
    const evidence = atEntry ? { ...s.evidence, summary: `${s.evidence.summary}; the front end's latency, the incident's symptom` } : s.evidence;
    if (score > 0) e.evidence.push({ e: evidence, score, s });
  }
  for (const s of services) entry(s);
  const ranking = [...byService].map(([service, e]): RankedService => {
    const sorted = e.evidence.sort((a, b) => b.score - a.score);
    const operation = sorted.find((x) => x.s.operation)?.s.operation;
    const template = sorted.find((x) => x.s.template)?.s.template;
    return {
      service,
      score: round2(1 - [...e.bySource.values()].reduce((p, s) => p * (1 - s), 1)),
      ...(operation ? { operation } : {}),
      ...(template ? { template } : {}),
      evidence: sorted.map((x) => x.e),
    };
  });
  ranking.sort((a, b) => b.score - a.score || a.service.localeCompare(b.service));
  return { window: input.window, ranking };
}

/** Fewest calls of a service, in the window and in a fault-free baseline, for its spans to speak for its latency. */
const TRACED_CALLS = 5;

/**
 * A latency metric measures a service's requests whole, its wait on others and on the network
 * included; its spans, compared with fault-free ones, measure its own time directly. Where they
 * were compared, the metric says no more than they do: a service whose pods' p95 rose tenfold
 * while its own time per call barely moved is slowed by something else.
 */
function capByOwnSpans(signals: Signal[], traced: ReadonlySet<string>, keep: number): void {
  const own = new Map<string, number>();
  for (const s of signals) if (s.evidence.source === 'traces' && s.says === 'slower') own.set(s.service, Math.max(own.get(s.service) ?? 0, s.score));
  for (const s of signals) {
    if (s.evidence.source !== 'metrics' || s.says !== 'slower' || !traced.has(s.service)) continue;
    s.score = round2(Math.min(s.score, Math.max(own.get(s.service) ?? 0, s.score * keep)));
  }
}

interface Shape {
  /** The services with enough calls, in the window and in a fault-free baseline, for their spans to speak for their latency. */
  traced: Set<string>;
  /** Every service below each service in the call graph. */
  below: Map<string, Set<string>>;
  services: Set<string>;
}

/**
 * What the ranking needs of an input besides the signals, made once per input (the bench ranks
 * one input many times), keyed by the input object: a caller that changes the input, or appends
 * to its span array, after ranking it gets the shape as it was (stale). Pass a new input.
 */
const shapes = new WeakMap<RankInput, Shape>();

function shapeOf(input: RankInput): Shape {
  const known = shapes.get(input);
  if (known) return known;
  const count = (cs: readonly Call[]) => {
    const n = new Map<string, number>();
    for (const c of cs) n.set(c.service, (n.get(c.service) ?? 0) + 1);
    return n;
  };
  const calls = callsOf(input.spans);
  const now = count(calls);
  const before = (input.baselines ?? []).map((b) => count(callsOf(b.spans)));
  const traced = new Set([...now].filter(([service, n]) => n >= TRACED_CALLS && before.some((b) => (b.get(service) ?? 0) >= TRACED_CALLS)).map(([service]) => service));
  const shape = { traced, below: descendants([...edgesOf(calls), ...(input.calls ?? [])]), services: servicesOf(input) };
  shapes.set(input, shape);
  return shape;
}

function edgesOf(calls: readonly Call[]): [string, string][] {
  const seen = new Set<string>();
  const out: [string, string][] = [];
  for (const c of calls) {
    if (c.caller === undefined || c.caller === c.service) continue;
    const key = `${c.caller}\u0000${c.service}`;
    if (!seen.has(key)) seen.add(key), out.push([c.caller, c.service]);
  }
  return out;
}

/** Every service below each service in the call graph (cycles allowed). */
function descendants(edges: readonly (readonly [string, string])[]): Map<string, Set<string>> {
  const callees = new Map<string, Set<string>>();
  for (const [from, to] of edges) {
    if (from === to) continue;
    const set = callees.get(from) ?? new Set<string>();
    set.add(to);
    callees.set(from, set);
  }
  const out = new Map<string, Set<string>>();
  for (const start of callees.keys()) {
    const seen = new Set<string>();
    const todo = [...(callees.get(start) ?? [])];
    while (todo.length) {
      const s = todo.pop() as string;
      if (s === start || seen.has(s)) continue;
      seen.add(s);
      todo.push(...(callees.get(s) ?? []));
    }
    out.set(start, seen);
  }
  return out;
}

function servicesOf(input: RankInput): Set<string> {
  const out = new Set<string>();
  for (const s of input.spans) out.add(s.service);
  for (const l of input.logs) out.add(l.service);
  for (const m of input.metrics) if (m.service) out.add(m.service);
  return out;
}
