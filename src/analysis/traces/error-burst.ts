// Errors where they start: an error span none of whose children failed. Such
// origins are grouped by signature (service, operation, status, error type);
// a group that is new against the baseline, or whose rate per trace grew, is
// a finding. Without a baseline only a group that fails a clear share of the
// requests is, with less confidence. The service at fault is the origin's, or
// the peer it called when the failing span is a call out with nothing below.
import type { Finding } from '../../model.js';
import { pct, round } from '../stacks.js';
import { callLabel, type TraceDetector, type TraceSet } from './inputs.js';
import type { Signature } from './signature.js';

const MIN_ORIGINS = 3;
const MIN_RATIO = 4;
/** Without a baseline: fewest origins, and share of the traces they must touch. */
const ALONE = { origins: 5, share: 0.05 };
const MAX = 5;

interface Origins {
  sig: Signature;
  count: number;
  traces: Set<number>;
  /** Traces whose root failed too. */
  reached: Set<number>;
  calleeMissing: boolean;
}

export const errorBurst: TraceDetector = {
  kind: 'error-burst',
  detect({ incident, baseline }) {
    const now = origins(incident);
    const before = baseline && origins(baseline);
    const nTraces = incident.tree.traces.length;
    const bTraces = baseline?.tree.traces.length ?? 0;
    const found: Finding[] = [];
    for (const [key, o] of now) {
      const was = before?.get(key)?.count ?? 0;
      const share = o.traces.size / nTraces;
      let c: number;
      let why: string;
      if (before) {
        if (o.count < MIN_ORIGINS) continue;
        const ratio = (o.count + 1) / (nTraces + 1) / ((was + 1) / (bTraces + 1));
        if (ratio < MIN_RATIO) continue;
        const strength = Math.min(1, Math.log10(ratio) / 2);
        const volume = Math.min(1, Math.log10(o.count + 1) / 2);
        c = 0.5 + 0.25 * strength + 0.25 * volume;
        why = was === 0 ? 'none in the baseline' : `${was} in the ${bTraces} traces of the baseline (${ratio >= 10 ? Math.round(ratio) : ratio.toFixed(1)}× the rate)`;
      } else {
        if (o.count < ALONE.origins || share < ALONE.share) continue;
        c = 0.35 + 0.15 * Math.min(1, share / 0.5) + 0.15 * Math.min(1, Math.log10(o.count + 1) / 2);
        why = 'no baseline to compare with';
      }
      const service = o.calleeMissing && o.sig.peer ? o.sig.peer : o.sig.service;
      const what = [o.sig.status && `status ${o.sig.status}`, o.sig.errorType].filter(Boolean).join(', ') || 'an error';
      const title =
        was === 0 && before
          ? `${service} fails ${o.sig.operation} with ${what}: a new error in ${o.traces.size} of ${nTraces} traces.`
          : `${service} fails ${o.sig.operation} with ${what} in ${o.traces.size} of ${nTraces} traces.`;
      const evidence = [
        { source: 'traces', summary: `${o.count} failed ${callLabel(o.sig)} spans where the error starts (no failed span below them) in ${o.traces.size} of ${nTraces} traces (${pct(share)}); ${why}.` },
      ];
      if (o.reached.size > 0) evidence.push({ source: 'traces', summary: `The request itself failed in ${o.reached.size} of those ${o.traces.size} traces.` });
      found.push({ kind: 'error-burst', title, confidence: round(Math.min(0.95, c)), service, evidence });
    }
    return found.sort((a, b) => b.confidence - a.confidence).slice(0, MAX);
  },
};

function origins(set: TraceSet): Map<string, Origins> {
  const { spans, childList, childStart, traces, traceOf } = set.tree;
  const out = new Map<string, Origins>();
  for (let i = 0; i < spans.length; i++) {
    if (!spans[i].error) continue;
    let failedBelow = false;
    for (let k = childStart[i]; k < childStart[i + 1] && !failedBelow; k++) failedBelow = spans[childList[k]].error;
    if (failedBelow) continue;
    const sig = set.signatures[set.clusterOf[i]];
    const key = set.keys[set.clusterOf[i]];
    let o = out.get(key);
    if (!o) out.set(key, (o = { sig, count: 0, traces: new Set(), reached: new Set(), calleeMissing: true }));
    o.count++;
    const t = traceOf[i];
    o.traces.add(t);
    if (spans[traces[t].root].error) o.reached.add(t);
    if (childStart[i + 1] > childStart[i]) o.calleeMissing = false;
  }
  return out;
}
