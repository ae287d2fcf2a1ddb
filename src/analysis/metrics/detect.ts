// Metric series in, findings out: each series is judged against its own
// adaptive baseline (baseline.ts), and a rule per signal says when the
// difference is a finding: an error ratio well above usual is an
// `error-burst`, a latency quantile well above usual a `latency-regression`, a
// usage gauge near its limit or far above usual a `saturation`.

import type { Point } from '../../sources/metrics/prometheus.js';
import type { Finding, FindingKind } from '../../model.js';
import { compareWindow, type BaselineOptions, type Comparison, type Window } from './baseline.js';

export type Signal = 'error-ratio' | 'latency' | 'usage';

export interface MetricSeries {
  /** What it measures, plainly: "error ratio", "p99 latency", "CPU usage", "connection pool usage". */
  name: string;
  /** error-ratio: a fraction 0..1; latency: seconds; usage: any unit, with `limit` when it has one. */
  signal: Signal;
  service?: string;
  /** Where a usage gauge saturates: 100 for a percentage, the pool size, the CPU limit. */
  limit?: number;
  /** Unit of a usage gauge without a limit, for the evidence ("MiB"). */
  unit?: string;
  points: Point[];
}

export interface DetectOptions {
  /** Smallest robust z worth a finding. */
  minZ: number;
  /** Share of its limit from which a usage gauge counts as near it. */
  nearLimit: number;
}

export const defaultDetectOptions: DetectOptions = { minZ: 4, nearLimit: 0.9 };

interface Rule {
  signal: Signal;
  kind: FindingKind;
  weight: number;
  /** Smallest value/median ratio worth a finding. */
  minRatio: number;
  /** Spread never below this, in the signal's unit. */
  absoluteFloor: number;
  /** Spread never below this share of the median. */
  relativeFloor: number;
  /** Smallest rise over the median worth a finding, in the signal's unit (a share of the limit for a usage gauge with one). */
  minRise: number;
}

// A 3× error ratio is a finding and half a percentage point more errors is noise. A latency
// quantile is an estimate (from histogram buckets, often): a quarter either way is within its
// noise. A gauge with a limit must rise by a tenth of it: 1% to 4% of a CPU limit is not saturation.
const rules: Rule[] = [
  { signal: 'error-ratio', kind: 'error-burst', weight: 1, minRatio: 2, absoluteFloor: 0.001, relativeFloor: 0.05, minRise: 0.005 },
  { signal: 'latency', kind: 'latency-regression', weight: 0.9, minRatio: 1.5, absoluteFloor: 0.0005, relativeFloor: 0.25, minRise: 0.002 },
  { signal: 'usage', kind: 'saturation', weight: 0.85, minRatio: 1.5, absoluteFloor: 1e-9, relativeFloor: 0.05, minRise: 0.1 },
];

export interface Judged {
  series: MetricSeries;
  comparison: Comparison;
  finding?: Finding;
}

/** Compares every series with its baseline and says which are findings. */
export function judgeSeries(series: readonly MetricSeries[], window: Window, options: Partial<DetectOptions & BaselineOptions> = {}): Judged[] {
  const opts = { ...defaultDetectOptions, ...options };
  const out: Judged[] = [];
  for (const s of series) {
    const rule = rules.find((r) => r.signal === s.signal) as Rule;
    const comparison = compareWindow(s.points, window, { absoluteFloor: rule.absoluteFloor, relativeFloor: rule.relativeFloor, ...options });
    if (!comparison) continue;
    out.push({ series: s, comparison, finding: judge(rule, s, comparison, opts) });
  }
  return out;
}

/** The findings among the series, strongest first; nothing anomalous gives none. */
export function detectMetricAnomalies(series: readonly MetricSeries[], window: Window, options: Partial<DetectOptions & BaselineOptions> = {}): Finding[] {
  return judgeSeries(series, window, options)
    .flatMap((j) => (j.finding ? [j.finding] : []))
    .sort((a, b) => b.confidence - a.confidence);
}

function judge(rule: Rule, s: MetricSeries, c: Comparison, opts: DetectOptions): Finding | undefined {
  const minRise = s.signal === 'usage' ? (s.limit ? rule.minRise * s.limit : 0) : rule.minRise;
  const above = c.z >= opts.minZ && c.ratio >= rule.minRatio && c.value - c.median >= minRise;
  const share = s.signal === 'usage' && s.limit ? c.value / s.limit : undefined;
  const nearLimit = share !== undefined && share >= opts.nearLimit && c.z >= opts.minZ / 2;
  if (!above && !nearLimit) return undefined;
  const strength = clamp01(Math.log10(Math.max(c.z, 1) / opts.minZ));
  const size = nearLimit ? Math.max(clamp01(Math.log10(c.ratio)), (share as number) - 0.5) : clamp01(Math.log10(c.ratio));
  // How far above usual counts for more than how sure: a 2× latency quantile is worth a look, 40× is the cause.
  const confidence = Math.round(Math.min(0.95, rule.weight * (0.25 + 0.35 * strength + 0.4 * size)) * 100) / 100;
  const of = s.service ? ` of ${s.service}` : '';
  const title = nearLimit
    ? `The ${s.name}${of} is at ${pct(share as number)} of its limit, usually ${pct(c.median / (s.limit as number))}`
    : `The ${s.name}${of} rose to ${show(s, c.value)} from a usual ${show(s, c.median)} (${times(c.ratio)})`;
  const summary =
    `${s.name} ${show(s, c.value)} in the incident window (${c.points} points), baseline median ${show(s, c.median)} ` +
    `(${c.baseline}, ${c.baselinePoints} points), ${times(c.ratio)}, robust z ${c.z >= 100 ? Math.round(c.z) : c.z.toFixed(1)}`;
  return { kind: rule.kind, title, confidence, ...(s.service ? { service: s.service } : {}), evidence: [{ source: 'metrics', summary }] };
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const pct = (r: number) => `${r >= 0.1 ? Math.round(r * 100) : (r * 100).toPrecision(2)}%`;
const times = (r: number) => (r === Infinity ? 'new' : `${r >= 10 ? Math.round(r) : r.toFixed(1)}×`);

function show(s: MetricSeries, v: number): string {
  if (s.signal === 'error-ratio') return pct(v);
  if (s.signal === 'latency') return v >= 1 ? `${Number(v.toPrecision(3))} s` : `${Number((v * 1000).toPrecision(3))} ms`;
  if (s.limit) return `${pct(v / s.limit)} of its limit`;
  return `${Number(v.toPrecision(3))}${s.unit ? ` ${s.unit}` : ''}`;
}
