// What the metrics say about each service: every series judged against its
// own baseline (analysis/metrics); each finding is a signal.

import type { Window } from '../metrics/baseline.js';
import { judgeSeries, type MetricSeries } from '../metrics/detect.js';
import type { Signal } from './signal.js';

const says = { 'error-burst': 'errors', 'latency-regression': 'slower', saturation: 'saturated' } as const;

export function metricSignals(series: readonly MetricSeries[], window: Window): Signal[] {
  const out: Signal[] = [];
  for (const j of judgeSeries(series.filter((s) => s.service !== undefined), window)) {
    const f = j.finding;
    if (!f || !(f.kind in says)) continue;
    out.push({ service: j.series.service as string, score: f.confidence, says: says[f.kind as keyof typeof says], evidence: f.evidence[0] });
  }
  return out;
}
