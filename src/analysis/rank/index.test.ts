import { describe, expect, it } from 'vitest';
import type { Span } from '../../sources/traces/span.js';
import type { MetricSeries } from '../metrics/detect.js';
import { rank, rankSignals, type Baseline } from './index.js';
import type { Signal } from './signal.js';

const window = { start: 100_000, end: 100_300 };

/** One point a minute for the hour before the window and through it; `during` inside it. */
function series(service: string, name: string, signal: MetricSeries['signal'], usual: number, during: number, limit?: number): MetricSeries {
  const points = [];
  for (let t = window.start - 3600; t <= window.end + 120; t += 60) {
    const inside = t >= window.start - 60 && t <= window.end + 60;
    points.push({ t, v: (inside ? during : usual) * (1 + 0.02 * Math.sin(t)) });
  }
  return { name, signal, service, ...(limit ? { limit } : {}), points };
}

let ids = 0;
/** `n` traces of caller → callee, each call taking `callerUs` at the caller, `calleeUs` inside the callee. */
function traces(n: number, callerUs: number, calleeUs: number, start = window.start * 1e6): Span[] {
  const out: Span[] = [];
  for (let i = 0; i < n; i++) {
    const trace = `t${ids++}`;
    const t0 = start + i * 1e6;
    const base = { traceId: trace, error: false, attributes: {} };
    out.push({ ...base, spanId: 'a', service: 'web', operation: 'GET /', start: t0, duration: callerUs + calleeUs + 200 });
    out.push({ ...base, spanId: 'b', parentId: 'a', service: 'web', operation: 'call cart', start: t0 + callerUs, duration: calleeUs + 200 });
    out.push({ ...base, spanId: 'c', parentId: 'b', service: 'cart', operation: 'GetCart', start: t0 + callerUs + 100, duration: calleeUs });
  }
  return out;
}

const lines = (service: string, line: string, n: number) => Array.from({ length: n }, (_, i) => ({ service, line: line.replace('#', String(i)) }));

describe('rank', () => {
  it('ranks the callee first when caller and callee are both slower, and scores the caller down', () => {
    const { ranking } = rank({
      window,
      spans: traces(20, 1000, 5000),
      logs: [],
      metrics: [series('web', 'p90 server latency', 'latency', 0.05, 2), series('cart', 'p90 server latency', 'latency', 0.01, 1.9)],
    });
    expect(ranking.map((r) => r.service)).toEqual(['cart', 'web']);
    expect(ranking[0].score).toBeGreaterThan(0.8);
    expect(ranking[1].score).toBeLessThan(0.5);
    expect(ranking[0].evidence[0]).toEqual({ source: 'metrics', summary: expect.stringMatching(/^p90 server latency 1\.\d+ s in the incident window/) });
  });

  it("scores the front end's latency as the symptom when a service behind it shows something strongly", () => {
    // The front end (no spans: an nginx UI) is 10x slower; a service behind it logs a new error.
    const baseline: Baseline = { spans: [], logs: lines('auth', 'INFO login #', 50), seconds: 300 };
    const input = (errors: number) => ({
      window,
      spans: [],
      logs: [...lines('auth', 'INFO login #', 40), ...lines('auth', 'ERROR verify code failed for # attempts', errors)],
      metrics: [series('ui', 'p90 server latency', 'latency', 0.5, 5)],
      baselines: [baseline],
    });
    const without = rank(input(12)).ranking;
    const withEntry = rank({ ...input(12), entry: 'ui' }).ranking;
    const auth = withEntry.find((r) => r.service === 'auth');
    expect(auth?.score).toBeGreaterThanOrEqual(0.5);
    expect(without[0].service).toBe('ui');
    expect(withEntry[0].service).toBe('auth');
    const ui = withEntry.find((r) => r.service === 'ui');
    expect(ui?.score).toBeCloseTo(without[0].score * 0.5, 1);
    expect(ui?.evidence[0].summary).toMatch(/the front end's latency, the incident's symptom$/);
    // A fault at the front end itself leaves the services behind it quiet: its latency counts in full.
    const quiet = rank({ ...input(0), entry: 'ui' }).ranking;
    expect(quiet[0].service).toBe('ui');
    expect(quiet[0].score).toBe(without[0].score);
    expect(quiet[0].evidence[0].summary).not.toMatch(/symptom/);
  });

  it('adds up independent sources: logs and metrics together beat one stronger metric', () => {
    const baseline: Baseline = { spans: [], logs: [...lines('cart', 'INFO cart #', 50), ...lines('pay', 'INFO pay #', 50)], seconds: 300 };
    const { ranking } = rank({
      window,
      spans: [],
      logs: [...lines('cart', 'INFO cart #', 50), ...lines('cart', 'ERROR redis connection refused after # ms', 30), ...lines('pay', 'INFO pay #', 50)],
      metrics: [series('cart', 'CPU usage', 'usage', 30, 60, 100), series('pay', 'CPU usage', 'usage', 20, 97, 100)],
      baselines: [baseline],
    });
    expect(ranking.map((r) => r.service)).toEqual(['cart', 'pay']);
    const [cart, pay] = ranking;
    expect(cart.evidence.map((e) => e.source).sort()).toEqual(['logs', 'metrics']);
    expect(cart.evidence.find((e) => e.source === 'logs')?.summary).toMatch(/^A new error appeared 30 times in the incident window: ERROR redis connection refused after <\*> ms \(30 lines/);
    expect(pay.evidence).toHaveLength(1);
    expect(cart.score).toBeGreaterThan(pay.score);
  });

  it('against fault-free spans, blames the service whose own time grew, only when it grew against every baseline', () => {
    const quick = traces(20, 1000, 5000, (window.start - 10_000) * 1e6);
    const slowerDay = traces(20, 1000, 60_000, (window.start - 20_000) * 1e6);
    const incident = traces(20, 1000, 60_000);
    const against = (baselines: Span[][]) => rank({ window, spans: incident, logs: [], metrics: [], baselines: baselines.map((spans) => ({ spans, logs: [], seconds: 20 })) }).ranking;
    const [top] = against([quick]);
    expect(top.service).toBe('cart');
    expect(top.evidence).toEqual([{ source: 'traces', summary: 'own time of GetCart 60.2 ms per call in the incident window, 5.2 ms in the baseline (11×, 20 calls)' }]);
    expect(against([quick, slowerDay]).every((r) => r.score === 0)).toBe(true);
  });

  it('with no fault-free spans, says where the time went, scored low', () => {
    const { ranking } = rank({ window, spans: traces(20, 1000, 60_000), logs: [], metrics: [] });
    expect(ranking[0].service).toBe('cart');
    expect(ranking[0].score).toBeLessThanOrEqual(0.3);
    expect(ranking[0].evidence[0].summary).toMatch(/^98% of the time spent in services is spent in cart .*no fault-free traces to compare with\)$/);
  });

  it('with no fault-free spans, an operation whose calls split into usual and far quicker ones is evidence, scored below a baseline', () => {
    const { ranking } = rank({ window, spans: [...traces(10, 1000, 50_000), ...traces(10, 1000, 2000, (window.start + 100) * 1e6)], logs: [], metrics: [] });
    expect(ranking[0].service).toBe('cart');
    expect(ranking[0].evidence[0].summary).toMatch(/^10 of 20 GetCart calls end after 2 ms, the others' usual 50 ms .*fail or return early/);
    expect(ranking[0].score).toBeLessThan(0.8);
    expect(ranking[1].score).toBeLessThan(ranking[0].score);
  });

  it('a caller that fails sooner because its callee does is scored down', () => {
    const before = traces(20, 1000, 50_000, (window.start - 10_000) * 1e6);
    const now = traces(20, 1000, 2000);
    const { ranking } = rank({ window, spans: now, logs: [], metrics: [], baselines: [{ spans: before, logs: [], seconds: 20 }] });
    expect(ranking.map((r) => r.service)).toEqual(['cart', 'web']);
    expect(ranking[0].evidence[0].summary).toBe('GetCart calls end after 2 ms in the incident window, 50 ms in the baseline (0.0×, 20 calls): they fail or return early');
    expect(ranking[1].score).toBeLessThan(ranking[0].score / 2 + 0.01);
  });

  it("a caller's statement that stops is scored down when its callee is strongly slower or failing, or more surely diverted itself", () => {
    const input = { window, spans: traces(5, 1000, 2000), logs: [], metrics: [] };
    const diverted = (service: string, score: number): Signal => ({ service, score, says: 'diverted', evidence: { source: 'logs', summary: `${service} stops writing` } });
    const webWith = (...cart: Signal[]) => rankSignals(input, [diverted('web', 0.6), ...cart]).ranking.find((r) => r.service === 'web')?.score;
    expect(webWith()).toBe(0.6);
    expect(webWith({ service: 'cart', score: 0.7, says: 'slower', evidence: { source: 'traces', summary: 'own time grew' } })).toBe(0.3);
    expect(webWith({ service: 'cart', score: 0.7, says: 'errors', evidence: { source: 'logs', summary: 'a new error' } })).toBe(0.3);
    expect(webWith({ service: 'cart', score: 0.2, says: 'slower', evidence: { source: 'traces', summary: 'a little slower' } })).toBe(0.6);
    expect(webWith(diverted('cart', 0.7))).toBe(0.3);
    expect(webWith(diverted('cart', 0.5))).toBe(0.6);
    // Not the other way: the callee's own statement stays.
    expect(rankSignals(input, [diverted('cart', 0.5), { service: 'web', score: 0.9, says: 'slower', evidence: { source: 'traces', summary: 'own time grew' } }]).ranking.find((r) => r.service === 'cart')?.score).toBe(0.5);
  });

  it('nothing unusual: every service scores 0, with no evidence', () => {
    const { ranking } = rank({
      window,
      spans: traces(5, 1000, 2000),
      logs: lines('cart', 'INFO ok #', 10),
      baselines: [{ spans: traces(5, 1000, 2100, (window.start - 10_000) * 1e6), logs: lines('cart', 'INFO ok #', 10), seconds: 300 }],
      metrics: [series('web', 'p90 server latency', 'latency', 0.05, 0.05), series('cart', 'CPU usage', 'usage', 30, 31, 100)],
    });
    expect(ranking).toEqual([
      { service: 'cart', score: 0, evidence: [] },
      { service: 'web', score: 0, evidence: [] },
    ]);
  });

  it("a latency metric its own spans do not bear out counts for half: the service whose spans show the time wins", () => {
    /** `n` calls of `service` alone, each `us` long. */
    const alone = (service: string, n: number, us: number, start: number): Span[] =>
      Array.from({ length: n }, (_, i) => ({ traceId: `${service}${ids++}`, spanId: 'a', service, operation: 'GET /', start: start + i * 1e6, duration: us, error: false, attributes: {} }));
    const before = (window.start - 7200) * 1e6;
    const baseline: Baseline = { spans: [...alone('web', 20, 2000, before), ...alone('cart', 20, 2000, before)], logs: [], seconds: 300 };
    // web's pods report p90 twenty times usual, yet its own time per call is as in the fault-free traces; cart's own time grew.
    const input = {
      window,
      spans: [...alone('web', 20, 2000, window.start * 1e6), ...alone('cart', 20, 9000, window.start * 1e6)],
      logs: [],
      metrics: [series('web', 'p90 server latency', 'latency', 0.02, 0.4)],
      baselines: [baseline],
    };
    const { ranking } = rank(input);
    expect(ranking.map((r) => r.service)).toEqual(['cart', 'web']);
    const web = ranking[1];
    const full = rank(input, { unconfirmedLatency: 1 }).ranking.find((r) => r.service === 'web');
    expect(full?.score).toBeGreaterThan(ranking[0].score);
    expect(web.score).toBeCloseTo((full?.score ?? 0) / 2, 2);
  });
});
