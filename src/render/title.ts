// The one-line headings of flame graphs.

import { formatValue } from '../profile/units.js';

export interface FlameTitle {
  /** What was profiled: "CPU", "heap", "block"… */
  kind?: string;
  sampleType?: string;
  unit?: string;
  total?: number;
  durationNanos?: number;
}

/**
 * A diff's heading. `total` is the current total scaled to the base (what a
 * DiffNode root holds); pass `currentTotal` to show the unscaled one instead.
 */
export interface DiffTitle extends FlameTitle {
  baseTotal?: number;
  currentTotal?: number;
}

/** "CPU · cpu · total 1.76s · 2s capture" */
export function titleText(t: FlameTitle): string {
  const unit = t.unit ?? '';
  const parts = [t.kind, t.sampleType, t.total !== undefined ? `total ${formatValue(t.total, unit)}` : undefined, capture(t.durationNanos)];
  return parts.filter((p) => p !== undefined && p !== '').join(' · ');
}

/** "CPU · diff vs base · cpu · base 1.76s · current 1.90s" */
export function diffTitleText(t: DiffTitle): string {
  const unit = t.unit ?? '';
  let current: string | undefined;
  if (t.currentTotal !== undefined) current = `current ${formatValue(t.currentTotal, unit)}`;
  else if (t.total !== undefined) current = `current ${formatValue(t.total, unit)} (scaled to base)`;
  const base = t.baseTotal !== undefined ? `base ${formatValue(t.baseTotal, unit)}` : undefined;
  const parts = [t.kind, 'diff vs base', t.sampleType, base, current, capture(t.durationNanos)];
  return parts.filter((p) => p !== undefined && p !== '').join(' · ');
}

function capture(durationNanos: number | undefined): string | undefined {
  return durationNanos !== undefined && durationNanos > 0 ? `${formatValue(durationNanos, 'nanoseconds')} capture` : undefined;
}

/** The heading's remark on what was left out, when anything was. */
export function omittedNote(omitted: number | undefined, total: number): string | undefined {
  if (!omitted || omitted <= 0) return undefined;
  return `without the profiler's own frames (${share(omitted, omitted + Math.max(0, total))} of samples)`;
}

/** "12.3%" of total; one decimal is enough for frames at least a few pixels wide. */
export function share(value: number, total: number): string {
  if (total <= 0) return '0%';
  const p = (100 * value) / total;
  return p > 0 && p < 0.1 ? '<0.1%' : `${p.toFixed(1)}%`;
}
