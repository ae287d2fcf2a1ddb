// What the detectors read of a trace: its facts, its summary, and the four
// latency profiles decoded like any other profile, so the detectors' stack
// reading applies to them unchanged.
import type { Profile } from '../profile/model.js';
import { parseProfile } from '../profile/pprof.js';
import type { TraceAnalysis } from './analyze.js';
import type { TraceFacts } from './facts.js';
import { latencyKinds, type LatencyKind } from './latency.js';
import type { Summary } from './summary.js';
import type { Timeline } from './timeline.js';

export interface TraceView {
  facts: TraceFacts;
  summary: Summary;
  latency: Record<LatencyKind, Profile>;
  timeline: Timeline;
}

export function traceView(a: TraceAnalysis): TraceView {
  const latency = {} as Record<LatencyKind, Profile>;
  for (const k of latencyKinds) {
    const p = parseProfile(a.latency.pprof(k, a.summary));
    if (!p.ok) throw new Error(`our own ${k} latency profile does not decode: ${p.error}`);
    latency[k] = p.value;
  }
  return { facts: a.facts, summary: a.summary, latency, timeline: a.timeline };
}
