// Retries: one parent calls the same thing again and again, one call after the
// other, and an attempt before the last failed (or the spans count attempts).
// The successful last attempt counts as one of the calls. A fan-out of calls
// that all succeed (a loop over items) is not a retry. The service at fault
// is the one called.
import type { Finding } from '../../model.js';
import { round, strength } from '../stacks.js';
import { callLabel, micros, type TraceDetector, type TraceSet } from './inputs.js';
import type { Signature } from './signature.js';

const MIN_GROUPS = 3;
const MIN_RATIO = 4;
/** Without a baseline: fewest extra attempts over all the calls retried. */
const ALONE_MIN_EXTRA = 6;
const MAX = 3;
const retryMark = /(?:^|\.)(?:resend_count|retry_count|retry\.count|retry\.attempt|retry_attempt|attempt)$/;

interface Retries {
  sig: Signature;
  caller: string;
  callee: string;
  /** Parents that retried. */
  groups: number;
  attempts: number;
  failed: number;
  traces: Set<number>;
  /** Microseconds spent in attempts before the last. */
  wasted: number;
}

export const retryStorm: TraceDetector = {
  kind: 'retry-storm',
  detect({ incident, baseline }) {
    const now = retries(incident);
    const before = baseline && retries(baseline);
    const nTraces = incident.tree.traces.length;
    const bTraces = baseline?.tree.traces.length ?? 0;
    const found: Finding[] = [];
    for (const [key, r] of now) {
      const extra = r.attempts - r.groups;
      if (r.groups < MIN_GROUPS) continue;
      const b = before?.get(key);
      const wasExtra = b ? b.attempts - b.groups : 0;
      let why: string;
      if (before) {
        const ratio = (extra + 1) / (nTraces + 1) / ((wasExtra + 1) / (bTraces + 1));
        if (ratio < MIN_RATIO) continue;
        why = wasExtra === 0 ? 'none in the baseline' : `${wasExtra} extra in the ${bTraces} traces of the baseline`;
      } else {
        if (extra < ALONE_MIN_EXTRA) continue;
        why = 'no baseline to compare with';
      }
      const perCall = r.attempts / r.groups;
      const volume = Math.min(1, Math.log10(r.groups + 1) / Math.log10(21));
      const c = strength(extra / r.groups, 1) * (0.6 + 0.4 * volume) * (before ? 1 : 0.8);
      found.push({
        kind: 'retry-storm',
        title: `${r.caller} retries ${r.callee === r.sig.service ? '' : `${r.callee} `}${r.sig.operation}: ${extra} extra attempts in ${r.traces.size} of ${nTraces} traces (${perCall.toFixed(1)} attempts a call).`,
        confidence: round(Math.min(0.95, c)),
        service: r.callee,
        evidence: [
          {
            source: 'traces',
            summary: `${r.groups} parents called ${callLabel(r.sig)} ${r.attempts} times one after the other, ${r.failed} of the attempts failed; ${why}. The attempts before the last took ${micros(r.wasted / r.groups)} per retried call.`,
          },
        ],
      });
    }
    return found.sort((a, b) => b.confidence - a.confidence).slice(0, MAX);
  },
};

function retries(set: TraceSet): Map<string, Retries> {
  const { spans, childList, childStart, traceOf } = set.tree;
  const out = new Map<string, Retries>();
  const callOf = (span: number) => set.callOf[set.clusterOf[span]];
  const byCall = new Map<number, number[]>();
  for (let p = 0; p < spans.length; p++) {
    const a = childStart[p];
    const b = childStart[p + 1];
    if (b - a < 2) continue;
    byCall.clear();
    for (let k = a; k < b; k++) {
      const c = childList[k];
      const list = byCall.get(callOf(c));
      if (list) list.push(c);
      else byCall.set(callOf(c), [c]);
    }
    for (const calls of byCall.values()) {
      if (calls.length < 2 || !isRetry(set, calls)) continue;
      const key = set.callKeys[set.clusterOf[calls[0]]];
      let r = out.get(key);
      if (!r) {
        const sig = set.signatures[set.clusterOf[calls[0]]];
        r = { sig, caller: spans[p].service, callee: calleeOf(set, calls[0], sig), groups: 0, attempts: 0, failed: 0, traces: new Set(), wasted: 0 };
        out.set(key, r);
      }
      r.groups++;
      r.attempts += calls.length;
      r.traces.add(traceOf[p]);
      for (let j = 0; j < calls.length; j++) {
        if (spans[calls[j]].error) r.failed++;
        if (j < calls.length - 1) r.wasted += spans[calls[j]].duration;
      }
    }
  }
  return out;
}

/** Calls (in start order) that follow one another, with a failure before the last or a retry count. */
function isRetry(set: TraceSet, calls: number[]): boolean {
  const spans = set.tree.spans;
  let failedBefore = false;
  let marked = false;
  for (let k = 0; k < calls.length; k++) {
    const s = spans[calls[k]];
    if (k > 0) {
      const prev = spans[calls[k - 1]];
      // Overlapping calls are a fan-out (or hedging), not a retry; a little overlap is clock noise.
      if (s.start < prev.start + prev.duration - Math.max(1000, prev.duration * 0.1)) return false;
    }
    if (k < calls.length - 1 && s.error) failedBefore = true;
    if (!marked) for (const key in s.attributes) if (retryMark.test(key) && Number(s.attributes[key]) > 0) marked = true;
  }
  return failedBefore || marked;
}

function calleeOf(set: TraceSet, span: number, sig: Signature): string {
  if ((sig.kind === 'client' || sig.kind === 'producer') && sig.peer) return sig.peer;
  const { spans, childList, childStart } = set.tree;
  for (let k = childStart[span]; k < childStart[span + 1]; k++) if (spans[childList[k]].service !== sig.service) return spans[childList[k]].service;
  return sig.service;
}
