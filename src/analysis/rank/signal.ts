// What each source says about one service, for the ranking: a score 0..1
// (scaled like findings' confidence: 0.5 and up is a strong cause) and the
// line that says why.

import type { Evidence } from '../../model.js';

export interface Signal {
  service: string;
  score: number;
  evidence: Evidence;
  /** What the signal says, so that the ranking can tell a symptom passed up from callee to caller. */
  says: 'slower' | 'faster' | 'errors' | 'saturated' | 'diverted' | 'unreached';
  /** Where in the service: the operation (span name) it is about. */
  operation?: string;
  /** Where in the service: the log template it is about. */
  template?: string;
}

export const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
export const round2 = (x: number) => Math.round(x * 100) / 100;

/**
 * The score of a change found by a G-test (paths.ts, reach.ts): `low` at G = g0, rising with log10 G to
 * `high` at ten times g0. A g0 of 0 (with a G of 0) would make it NaN.
 */
export const gScore = (g: number, c: { g0: number; low: number; high: number }) => round2(c.low + (c.high - c.low) * clamp01(Math.log10(g / Math.max(c.g0, 1e-9))));

/** Microseconds as a person reads them. */
export function showMicros(us: number): string {
  if (us >= 1e6) return `${Number((us / 1e6).toPrecision(3))} s`;
  if (us >= 1e3) return `${Number((us / 1e3).toPrecision(3))} ms`;
  return `${Math.round(us)} µs`;
}

export const times = (r: number) => (r === Infinity ? 'new' : `${r >= 10 ? Math.round(r) : r.toFixed(1)}×`);
