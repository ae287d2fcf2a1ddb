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
  const jitter = (i: number) => (i % 3) * 0.3;
  it('a modest slowdown that steps up inside the data is a finding', () => {
    expect(slower(calls(36, 10_000, (i) => (i < 16 ? 10 : 20) + jitter(i)))).toHaveLength(1);
  });
  it('a modest slowdown already there at the start of a long stretch of data is drift: scored down, not dropped', () => {
    // 80 calls, 5 s apart: 395 s of data, 320 s of it after the first 75 s.
    const [stepped] = slower(calls(80, 10_000, (i) => (i < 20 ? 10 : 20) + jitter(i)));
    const [drift] = slower(calls(80, 10_000, (i) => 20 + jitter(i)));
    expect(stepped.evidence.summary).not.toMatch(/first calls/);
    expect(drift.evidence.summary).toMatch(/as slow already in its first calls/);
    expect(drift.score).toBeGreaterThan(0);
    expect(drift.score).toBeLessThanOrEqual(0.4 * stepped.score);
  });
  it('a window shorter than the start period, slower throughout: kept in full (the fault was already running)', () => {
    // 13 calls, 5 s apart: 60 s, 1.8 times slower throughout.
    const [s] = slower(calls(13, 10_000, (i) => 18 + jitter(i)));
    expect(s.evidence.summary).not.toMatch(/first calls/);
    expect(s.score).toBeGreaterThan(0.3);
  });
  it('a step 30 s after the first span, in data not long past its start: kept in full', () => {
    const [s] = slower(calls(36, 10_000, (i) => (i < 6 ? 10 : 18) + jitter(i)));
    expect(s.evidence.summary).not.toMatch(/first calls/);
    expect(s.score).toBeGreaterThan(0.3);
  });
  it('a large slowdown already there at the start is kept: the fault began a little earlier', () => {
    const [s] = slower(calls(80, 10_000, (i) => 200 + jitter(i)));
    expect(s.evidence.summary).not.toMatch(/first calls/);
  });
  it('too few calls at the start to judge: the slowdown is kept', () => {
    const spans = [...calls(2, 10_000, () => 20), ...calls(70, 10_100, (i) => 20 + jitter(i))];
    expect(slower(spans)[0].evidence.summary).not.toMatch(/first calls/);
  });
});

describe('traceSignals: past the slowest normal calls', () => {
  // An operation with two code paths: normal calls take 10-11 ms or 16-18 ms (ts-order-service's
  // orders in Nezha's fault-free TrainTicket traces). Its MAD is small around the 10 ms path.
  const twoPaths = calls(5, 0, (i) => [18.4, 16.5, 11, 9.9, 10.5][i]);
  it('calls at the slower path\'s usual time are not slower', () => {
    expect(traceSignals(calls(13, 10_000, (i) => 17 + (i % 3)), [twoPaths]).filter((s) => s.says === 'slower')).toHaveLength(0);
  });
  it('calls well past both paths are', () => {
    expect(traceSignals(calls(13, 10_000, (i) => 40 + (i % 3)), [twoPaths]).filter((s) => s.says === 'slower')).toHaveLength(1);
  });
  it('a large slowdown still counts when two in five normal calls are slow', () => {
    const slowPath = calls(5, 0, (i) => [1, 1, 1, 30, 30][i]);
    expect(traceSignals(calls(13, 10_000, () => 50), [slowPath]).filter((s) => s.says === 'slower')).toHaveLength(1);
  });
});

describe('traceSignals: the caller the waits share', () => {
  /** `n` requests to `caller`, each making one client call to every callee; the callee answers in `serve` ms, the client waits `wait(callee)` ms. */
  function fanOut(n: number, from: number, callees: string[], wait: (callee: string) => number, caller = 'basic', serve = 2): Span[] {
    const out: Span[] = [];
    for (let i = 0; i < n; i++) {
      const t = `f${ids++}`;
      const start = (from + 5 * i) * 1e6;
      out.push({ traceId: t, spanId: 'root', service: caller, operation: 'POST /travel', start, duration: 500_000, error: false, attributes: {} });
      callees.forEach((callee, k) => {
        const at = start + 1000 + k * 120_000;
        const w = (wait(callee) + (i % 3) * 0.2) * 1000;
        out.push({ traceId: t, spanId: `c${k}`, parentId: 'root', service: caller, operation: 'HTTP POST', start: at, duration: w, error: false, attributes: {} });
        out.push({ traceId: t, spanId: `s${k}`, parentId: `c${k}`, service: callee, operation: `POST /${callee}`, start: at + (w - serve * 1000) / 2, duration: serve * 1000, error: false, attributes: {} });
      });
    }
    return out;
  }
  const callees = ['price', 'station', 'train'];
  const normal = fanOut(20, 0, callees, () => 5);

  it('every callee of one caller waited longer, none slower inside: the caller is blamed', () => {
    const s = traceSignals(fanOut(20, 10_000, callees, () => 90), [normal]).filter((x) => x.says === 'slower');
    expect(s.length).toBe(3);
    expect(new Set(s.map((x) => x.service))).toEqual(new Set(['basic']));
    expect(s[0].evidence.summary).toMatch(/^basic's calls to POST \/\w+ on \w+ waited 8\d\.\d ms per call that no span of \w+ covers, 3(\.\d+)? ms in the baseline \(20 calls\); basic's calls to 2 other services \(.*\) waited longer too, and none of them is slower inside: basic is the one they share$/);
    expect(s[0].operation).toBeUndefined();
  });

  it('callees slower inside keep the blame, though their caller waited longer on each', () => {
    const s = traceSignals(fanOut(20, 10_000, callees, () => 90, 'basic', 40), [normal]).filter((x) => x.says === 'slower');
    expect(s.map((x) => x.service).sort()).toEqual(callees);
  });

  it('one callee waited on alone (its own network): the callee keeps the blame', () => {
    const s = traceSignals(fanOut(20, 10_000, callees, (c) => (c === 'train' ? 90 : 5)), [normal]).filter((x) => x.says === 'slower');
    expect(s.map((x) => [x.service, x.operation])).toEqual([['train', 'POST /train']]);
  });
});
