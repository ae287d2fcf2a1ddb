// Traces as evidence: spans clustered by signature with their cost, the
// critical path of the slowest trace, and what the detectors found, against a
// baseline when there is one. Adding a detector is a file here and a line in
// the list below.
import type { Finding } from '../../model.js';
import type { Span } from '../../sources/traces/span.js';
import { compareClusters, type Cluster } from './clusters.js';
import { errorBurst } from './error-burst.js';
import { pathOf, prepare, type TraceDetector } from './inputs.js';
import { retryStorm } from './retry-storm.js';
import { slowDependency } from './slow-dependency.js';

export const traceDetectors: TraceDetector[] = [slowDependency, errorBurst, retryStorm];

export interface PathStep {
  service: string;
  operation: string;
  /** Microseconds of the trace's end-to-end time spent in this span itself. */
  selfMicros: number;
}

export interface TraceAnalysis {
  spans: number;
  traces: number;
  /** Most self time first. */
  clusters: Cluster[];
  /** Of the slowest trace, in time order. */
  criticalPath: PathStep[];
  findings: Finding[];
  slowest?: { traceId: string; micros: number };
}

export type { Cluster } from './clusters.js';

export function analyzeTraces(spans: readonly Span[], options: { baseline?: readonly Span[] } = {}): TraceAnalysis {
  const incident = prepare(spans);
  const baseline = options.baseline && options.baseline.length > 0 ? prepare(options.baseline) : undefined;
  if (baseline) compareClusters(incident, baseline);
  const findings = traceDetectors.flatMap((d) => d.detect({ incident, baseline })).sort((a, b) => b.confidence - a.confidence);

  let slowest = -1;
  incident.facts.forEach((f, t) => {
    if (slowest < 0 || f.duration > incident.facts[slowest].duration) slowest = t;
  });
  const criticalPath =
    slowest < 0
      ? []
      : pathOf(incident, slowest).map((p) => ({ service: spans[p.span].service, operation: incident.signatures[incident.clusterOf[p.span]].operation, selfMicros: p.micros }));
  const result: TraceAnalysis = {
    spans: spans.length,
    traces: incident.tree.traces.length,
    clusters: [...incident.clusters].sort((a, b) => b.selfTotal - a.selfTotal),
    criticalPath,
    findings,
  };
  if (slowest >= 0) result.slowest = { traceId: incident.tree.traces[slowest].id, micros: incident.facts[slowest].duration };
  return result;
}
