// Requests of one kind (same root service and operation) got slow, and one
// service's time on their critical path explains most of the extra. The slow
// requests are compared with the baseline's requests of the same kind, or,
// without a baseline, the requests over 3× the median with the faster half.
// The service charged is the callee for a call out (inputs.ts chargedTo), else
// the span's own service; when that is the root service itself, the finding is a
// latency regression of the service, not a slow dependency.
import type { Finding } from '../../model.js';
import { confidence, pct, round, strength } from '../stacks.js';
import { quantile } from './clusters.js';
import { byGroup, callLabel, chargedTo, micros, pathOf, type TraceDetector, type TraceSet } from './inputs.js';

const MIN_SLOW = 3;
/** Share of a group's requests that must be slow. */
const MIN_SLOW_SHARE = { baseline: 0.1, internal: 0.05 };
/** The slow requests' median over the reference median. */
const MIN_RATIO = { baseline: 1.5, internal: 3 };
const MIN_SHARE_OF_EXCESS = 0.5;
const MIN_EXCESS_MICROS = 100;

interface Candidate {
  finding: Finding;
  groups: number;
}

export const slowDependency: TraceDetector = {
  kind: 'slow-dependency',
  detect({ incident, baseline }) {
    const groups = byGroup(incident);
    const baseGroups = baseline && byGroup(baseline);
    const found = new Map<string, Candidate>();
    for (const [group, traces] of groups) {
      const f = judgeGroup(incident, group, traces, baseline, baseGroups?.get(group));
      if (!f) continue;
      const key = `${f.kind}\u0000${f.service}`;
      const had = found.get(key);
      if (!had) found.set(key, { finding: f, groups: 1 });
      else {
        had.groups++;
        if (f.confidence > had.finding.confidence) had.finding = f;
      }
    }
    return [...found.values()].map(({ finding, groups: n }) =>
      n > 1 ? { ...finding, evidence: [...finding.evidence, { source: 'traces', summary: `The same holds for ${n - 1} other kind${n > 2 ? 's' : ''} of request.` }] } : finding,
    );
  },
};

function judgeGroup(set: TraceSet, group: string, traces: number[], baseline: TraceSet | undefined, baseTraces: number[] | undefined): Finding | undefined {
  let slow: number[];
  let ref: { set: TraceSet; traces: number[] };
  let threshold: number;
  const against = baseline && baseTraces && baseTraces.length >= MIN_SLOW ? 'baseline' : 'internal';
  if (against === 'baseline') {
    const before = sortedDurations(baseline!, baseTraces!);
    threshold = Math.max(quantile(before, 0.95), 1.5 * quantile(before, 0.5));
    slow = traces.filter((t) => set.facts[t].duration > threshold);
    ref = { set: baseline!, traces: baseTraces! };
  } else {
    if (traces.length < 10) return undefined;
    const median = quantile(sortedDurations(set, traces), 0.5);
    threshold = 3 * median;
    slow = traces.filter((t) => set.facts[t].duration >= threshold);
    ref = { set, traces: traces.filter((t) => set.facts[t].duration <= median) };
  }
  if (slow.length < MIN_SLOW || slow.length < MIN_SLOW_SHARE[against] * traces.length || ref.traces.length === 0) return undefined;
  const slowMedian = quantile(sortedDurations(set, slow), 0.5);
  const refMedian = quantile(sortedDurations(ref.set, ref.traces), 0.5);
  const ratio = refMedian > 0 ? slowMedian / refMedian : Infinity;
  if (ratio < MIN_RATIO[against]) return undefined;

  const now = pathTime(set, slow);
  const before = pathTime(ref.set, ref.traces);
  const excessTotal = mean(set, slow) - mean(ref.set, ref.traces);
  if (!(excessTotal > 0)) return undefined;
  let service = '';
  let excess = -Infinity;
  for (const [s, t] of now.byService) {
    const e = t - (before.byService.get(s) ?? 0);
    if (e > excess) (service = s), (excess = e);
  }
  const share = Math.min(1, excess / excessTotal);
  if (share < MIN_SHARE_OF_EXCESS || excess < MIN_EXCESS_MICROS) return undefined;

  // The call of that service that grew most, for the title.
  let call = '';
  let callExcess = -Infinity;
  for (const [k, t] of now.byCall) {
    if (now.serviceOfCall.get(k) !== service) continue;
    const e = t - (before.byCall.get(k) ?? 0);
    if (e > callExcess) (call = k), (callExcess = e);
  }
  const sig = now.signatureOfCall.get(call)!;
  const rootService = set.signatures[set.clusterOf[set.tree.traces[traces[0]].root]].service;
  const own = service === rootService;
  const signal = strength(ratio - 1, 1);
  const volume = 0.7 + 0.3 * Math.min(1, slow.length / 10);
  const c = round(Math.min(0.95, confidence(signal, share) * volume * (against === 'baseline' ? 1 : 0.75)));
  const refName = against === 'baseline' ? 'the baseline' : 'the faster half';
  const evidence = [
    {
      source: 'traces',
      summary: `${slow.length} of ${traces.length} "${group}" requests took over ${micros(threshold)} (median ${micros(slowMedian)}, against ${micros(refMedian)} in ${refName}); ${service} accounts for ${excess >= excessTotal ? `all of their ${micros(excessTotal)} extra time on the critical path` : `${micros(excess)} of their ${micros(excessTotal)} extra time on the critical path (${pct(share)})`}.`,
    },
    {
      source: 'traces',
      summary: `Mostly ${callLabel(sig)}: ${micros(now.byCall.get(call)!)} per slow request on the critical path, against ${micros(before.byCall.get(call) ?? 0)} in ${refName}.`,
    },
    { source: 'traces', summary: slowestPath(set, slow) },
  ];
  return own
    ? { kind: 'latency-regression', title: `${service} itself is slow: the slow "${group}" requests take ${micros(slowMedian)} at the median, against ${micros(refMedian)} in ${refName}, most of it in ${callLabel(sig)}.`, confidence: c, service, evidence }
    : { kind: 'slow-dependency', title: `${service} is slow: it adds ${micros(Math.min(excess, excessTotal))} to ${pct(slow.length / traces.length)} of "${group}" requests, most of it in ${callLabel(sig)}.`, confidence: c, service, evidence };
}

function sortedDurations(set: TraceSet, traces: number[]): Float64Array {
  const d = new Float64Array(traces.length);
  traces.forEach((t, k) => (d[k] = set.facts[t].duration));
  return d.sort();
}

function mean(set: TraceSet, traces: number[]): number {
  let sum = 0;
  for (const t of traces) sum += set.facts[t].duration;
  return sum / traces.length;
}

/** Mean critical-path time per trace, by service charged and by call. */
function pathTime(set: TraceSet, traces: number[]) {
  // Summed by cluster and service charged first: no string is built per step.
  const sums = new Map<number, Map<string, number>>();
  for (const t of traces) {
    for (const p of pathOf(set, t)) {
      const c = set.clusterOf[p.span];
      const who = chargedTo(set, p.span);
      let m = sums.get(c);
      if (!m) sums.set(c, (m = new Map()));
      m.set(who, (m.get(who) ?? 0) + p.micros);
    }
  }
  const byService = new Map<string, number>();
  const byCall = new Map<string, number>();
  const serviceOfCall = new Map<string, string>();
  const signatureOfCall = new Map<string, TraceSet['signatures'][number]>();
  for (const [c, m] of sums) {
    for (const [who, sum] of m) {
      const micros = sum / traces.length;
      const call = `${who}\u0000${set.callKeys[c]}`;
      byService.set(who, (byService.get(who) ?? 0) + micros);
      byCall.set(call, (byCall.get(call) ?? 0) + micros);
      if (!serviceOfCall.has(call)) serviceOfCall.set(call, who), signatureOfCall.set(call, set.signatures[c]);
    }
  }
  return { byService, byCall, serviceOfCall, signatureOfCall };
}

/** The critical path of the slowest of `traces`, its biggest steps in time order. */
export function slowestPath(set: TraceSet, traces: number[]): string {
  let t = traces[0];
  for (const x of traces) if (set.facts[x].duration > set.facts[t].duration) t = x;
  const path = pathOf(set, t);
  const big = new Set([...path].sort((a, b) => b.micros - a.micros).slice(0, 6));
  const steps = path.filter((p) => big.has(p)).map((p) => {
    const s = set.tree.spans[p.span];
    return `${s.service} ${set.signatures[set.clusterOf[p.span]].operation} ${micros(p.micros)}`;
  });
  return `Critical path of the slowest (trace ${set.tree.traces[t].id}, ${micros(set.facts[t].duration)}): ${steps.join(' → ')}${path.length > steps.length ? ` (${path.length - steps.length} shorter steps left out)` : ''}.`;
}
