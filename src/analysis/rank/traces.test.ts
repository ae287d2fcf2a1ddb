import { describe, expect, it } from 'vitest';
import type { Span } from '../../sources/traces/span.js';
import { traceSignals } from './traces.js';

let ids = 0;
/** One call of `svc` every 5 s from `from` (seconds), taking `ms(i)` milliseconds. */
function calls(n: number, from: number, ms: (i: number) => number, svc = 'orders'): Span[] {
  return Array.from({ length: n }, (_, i) => ({ traceId: `t${ids++}`, spanId: 'a', service: svc, operation: 'GET /order', start: (from + 5 * i) * 1e6, duration: ms(i) * 1000, error: false, attributes: {} }));
}
const baseline = calls(20, 0, (i) => 10 + (i % 3) * 0.3);
const slower = (spans: Span[]) => traceSignals(spans, [baseline]).filter((s) => s.says === 'slower');

describe('traceSignals: drift', () => {
  it('a modest slowdown that steps up inside the data is a finding', () => {
    expect(slower(calls(36, 10_000, (i) => (i < 16 ? 10 : 20) + (i % 3) * 0.3))).toHaveLength(1);
  });
  it('a modest slowdown already there in the first calls of the data is drift, not a finding', () => {
    expect(slower(calls(36, 10_000, (i) => 20 + (i % 3) * 0.3))).toHaveLength(0);
  });
  it('a large slowdown already there at the start is kept: the fault began a little earlier', () => {
    expect(slower(calls(36, 10_000, (i) => 200 + (i % 3) * 0.3))).toHaveLength(1);
  });
  it('too few calls at the start to judge: the slowdown is kept', () => {
    const spans = [...calls(2, 10_000, () => 20), ...calls(30, 10_100, (i) => 20 + (i % 3) * 0.3)];
    expect(slower(spans)).toHaveLength(1);
  });
});
