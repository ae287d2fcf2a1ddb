import { describe, expect, it } from 'vitest';
import type { Span } from '../../sources/traces/span.js';
import { reachSignals } from './reach.js';

const span = (trace: string, id: string, parent: string | undefined, service: string, operation: string, start: number, duration: number): Span => ({
  traceId: trace, spanId: id, ...(parent ? { parentId: parent } : {}), service, operation, start, duration, error: false, attributes: {},
});

/**
 * n login calls gateway → auth; the first `until` reach code (150 ms), the rest as `after` says:
 * 'error' ends in 10 ms with an error handler span, 'quick' in 10 ms, 'other' reaches user instead in its usual time.
 */
function logins(n: number, until: number, after: 'error' | 'quick' | 'other', callees = ['code']) {
  const spans: Span[] = [];
  for (let i = 0; i < n; i++) {
    const t = `t${i}`;
    const at = i * 1_000_000;
    const ok = i < until;
    spans.push(span(t, 'g', undefined, 'gateway', 'POST /login', at, ok || after === 'other' ? 150_000 : 10_000));
    spans.push(span(t, 'a', 'g', 'auth', '/api/v1/users/login', at + 1, ok || after === 'other' ? 149_000 : 9_000));
    if (ok) callees.forEach((c, k) => spans.push(span(t, `c${k}`, 'a', c, 'verify', at + 10 + k, 100_000)));
    else if (after === 'error') spans.push(span(t, 'e', 'a', 'auth', 'BasicErrorController.error', at + 5, 3_000));
    else if (after === 'other') spans.push(span(t, 'u', 'a', 'user', 'verify', at + 10, 100_000));
  }
  return spans;
}

describe('reachSignals', () => {
  it('blames the callee that calls always reached and then end early without reaching', () => {
    const signals = reachSignals(logins(20, 10, 'error'));
    expect(signals.map((s) => [s.service, s.says, s.evidence.source])).toEqual([['code', 'unreached', 'traces']]);
    expect(signals[0].score).toBeGreaterThan(0.5);
    expect(signals[0].evidence.summary).toContain('the first 10 reached code');
    expect(reachSignals(logins(20, 10, 'quick')).map((s) => s.service)).toEqual(['code']);
  });

  it('says nothing when the calls take another callee in their usual time, or keep reaching it', () => {
    expect(reachSignals(logins(20, 10, 'other'))).toEqual([]);
    expect(reachSignals(logins(20, 20, 'error'))).toEqual([]);
  });

  it('needs enough calls either side of the change', () => {
    expect(reachSignals(logins(20, 19, 'error'))).toEqual([]);
    expect(reachSignals(logins(20, 2, 'error'))).toEqual([]);
  });

  it('blames no one when the calls stop before several usual callees (the caller may have failed first)', () => {
    expect(reachSignals(logins(20, 10, 'error', ['code', 'user']))).toEqual([]);
  });
});
