// An adaptive baseline for one series: what the incident window's level is,
// and how far it sits from what is usual, in robust units. Usual is the same
// time of day yesterday when the history reaches back that far (so a busy
// hour that is busy every day is not an anomaly), else the previous day, else
// whatever precedes the window. Centre is the median, spread the MAD.

import type { Point } from '../../sources/metrics/prometheus.js';

export interface Window {
  /** Unix seconds. */
  start: number;
  end: number;
}

export type BaselineKind = 'same time yesterday' | 'previous day' | 'preceding hours';

export interface Comparison {
  /** The level the incident window held: the value at least a quarter of its points (and two) reached. */
  value: number;
  /** Incident points. */
  points: number;
  baseline: BaselineKind;
  /** Baseline points. */
  baselinePoints: number;
  /** Median of the baseline. */
  median: number;
  /** Robust spread of the baseline (1.4826 MAD, floored). */
  spread: number;
  /** (value - median) / spread. */
  z: number;
  /** value / median (Infinity when the median is 0 and the value is not). */
  ratio: number;
}

export interface BaselineOptions {
  /** Fewest baseline points to judge against. */
  minPoints: number;
  /** Spread never below this share of the median, so that a flat baseline does not make every wobble huge. */
  relativeFloor: number;
  /** Spread never below this, in the series' unit. */
  absoluteFloor: number;
  /** Judge against the same time yesterday when the history has it. */
  seasonal: boolean;
  /** Seconds either side of the window, a day earlier, that count as "the same time yesterday". */
  seasonalPad: number;
}

export const defaultBaselineOptions: BaselineOptions = { minPoints: 5, relativeFloor: 0.05, absoluteFloor: 1e-9, seasonal: true, seasonalPad: 30 * 60 };

export const DAY = 86_400;

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median absolute deviation from `center`. */
export function mad(xs: readonly number[], center = median(xs)): number {
  return median(xs.map((x) => Math.abs(x - center)));
}

/** The k-th largest value (1 = the largest). */
export function kthLargest(xs: readonly number[], k: number): number {
  const s = [...xs].sort((a, b) => b - a);
  return s[Math.min(s.length, Math.max(1, k)) - 1];
}

/** The level held by at least a quarter of the points and at least two: one spike does not make an incident. */
export function sustainedLevel(xs: readonly number[]): number {
  return kthLargest(xs, Math.max(2, Math.ceil(xs.length / 4)));
}

/** Finite values with from <= t < to (t <= to when `through`). */
const finite = (points: readonly Point[], from: number, to: number, through = false) =>
  points.filter((p) => p.t >= from && (p.t < to || (through && p.t === to)) && Number.isFinite(p.v)).map((p) => p.v);

/** The baseline values for `window`, and which baseline they are; undefined when there are too few. */
export function baselineValues(points: readonly Point[], window: Window, opts: BaselineOptions = defaultBaselineOptions): { kind: BaselineKind; values: number[] } | undefined {
  const earliest = points.reduce((m, p) => Math.min(m, p.t), Infinity);
  const pad = Math.max(opts.seasonalPad, (window.end - window.start) / 2);
  if (opts.seasonal && earliest <= window.start - DAY) {
    const seasonal = finite(points, window.start - DAY - pad, window.end - DAY + pad);
    if (seasonal.length >= opts.minPoints) return { kind: 'same time yesterday', values: seasonal };
  }
  const before = finite(points, window.start - DAY, window.start);
  if (before.length < opts.minPoints) return undefined;
  return { kind: earliest <= window.start - DAY + pad ? 'previous day' : 'preceding hours', values: before };
}

/** The incident window against its baseline; undefined when either has too few points. */
export function compareWindow(points: readonly Point[], window: Window, options: Partial<BaselineOptions> = {}): Comparison | undefined {
  const opts = { ...defaultBaselineOptions, ...options };
  const incident = finite(points, window.start, window.end, true);
  const base = baselineValues(points, window, opts);
  if (incident.length === 0 || !base) return undefined;
  const center = median(base.values);
  const spread = Math.max(1.4826 * mad(base.values, center), opts.relativeFloor * Math.abs(center), opts.absoluteFloor);
  const value = sustainedLevel(incident);
  return {
    value,
    points: incident.length,
    baseline: base.kind,
    baselinePoints: base.values.length,
    median: center,
    spread,
    z: (value - center) / spread,
    ratio: center !== 0 ? value / center : value === 0 ? 1 : Infinity,
  };
}
