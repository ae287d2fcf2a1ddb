// What the metrics say about each service: every series judged against its
// own baseline (analysis/metrics); each finding is a signal. A finding is
// scored down by how often the series reached the same level before the
// window, in windows as long: a latency quantile that jumps tenfold every few
// minutes (a heavy query now and then) is doing what it always does.

import { sustainedLevel, type Window } from '../metrics/baseline.js';
import { judgeSeries, type MetricSeries } from '../metrics/detect.js';
import { round2, type Signal } from './signal.js';

const says = { 'error-burst': 'errors', 'latency-regression': 'slower', saturation: 'saturated' } as const;

/** Fewest earlier windows to say how routine a level is. */
const EARLIER = 5;

export function metricSignals(series: readonly MetricSeries[], window: Window): Signal[] {
  const out: Signal[] = [];
  for (const j of judgeSeries(series.filter((s) => s.service !== undefined), window)) {
    const f = j.finding;
    if (!f || !(f.kind in says)) continue;
    const r = routine(j.series, window, j.comparison.value);
    out.push({ service: j.series.service as string, score: round2(f.confidence * (1 - r)), says: says[f.kind as keyof typeof says], evidence: r > 0 ? { ...f.evidence[0], summary: `${f.evidence[0].summary}; ${Math.round(r * 100)}% of the earlier windows as long reached it` } : f.evidence[0] });
  }
  return out;
}

/** The share of earlier windows as long as `window`, one point apart, whose level reached `value`; 0 with too few. */
export function routine(s: MetricSeries, window: Window, value: number): number {
  const points = s.points.filter((p) => Number.isFinite(p.v)).sort((a, b) => a.t - b.t);
  const inWindow = points.filter((p) => p.t >= window.start && p.t <= window.end).length;
  const before = points.filter((p) => p.t < window.start);
  if (inWindow === 0 || before.length < inWindow + EARLIER - 1) return 0;
  let reached = 0;
  let windows = 0;
  for (let i = 0; i + inWindow <= before.length; i++) {
    windows++;
    if (sustainedLevel(before.slice(i, i + inWindow).map((p) => p.v)) >= value) reached++;
  }
  return reached / windows;
}
