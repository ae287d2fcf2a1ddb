import { describe, expect, it } from 'vitest';
import type { Point } from '../../sources/metrics/prometheus.js';
import { compareWindow, DAY } from './baseline.js';
import { detectMetricAnomalies, type MetricSeries } from './detect.js';

/** A deterministic noise source in [-1, 1). */
function noise(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  };
}

// 2024-05-07 00:00 UTC; two days of history before the incident on the third.
const T0 = 1715040000;
const hour = 3600;

/** One point a minute over [from, to), valued by `f(t)`. */
function points(from: number, to: number, f: (t: number) => number): Point[] {
  const out: Point[] = [];
  for (let t = from; t < to; t += 60) out.push({ t, v: f(t) });
  return out;
}

const hourOfDay = (t: number) => Math.floor(((t - T0) % DAY) / hour);
const incident = { start: T0 + 2 * DAY + 14 * hour + 10 * 60, end: T0 + 2 * DAY + 14 * hour + 30 * 60 };
const inIncident = (t: number) => t >= incident.start && t <= incident.end;

describe('detectMetricAnomalies', () => {
  it('an error ratio at 3× its usual level is an error-burst with the numbers', () => {
    const r = noise(1);
    const s: MetricSeries = {
      name: 'error ratio',
      signal: 'error-ratio',
      service: 'checkout',
      points: points(T0, incident.end + 60, (t) => (inIncident(t) ? 0.06 : 0.02) * (1 + 0.1 * r())),
    };
    const found = detectMetricAnomalies([s], incident);
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f).toMatchObject({ kind: 'error-burst', service: 'checkout' });
    expect(f.title).toMatch(/^The error ratio of checkout rose to 6\.\d% from a usual 2\.0% \(3\.\d×\)$/);
    expect(f.evidence).toEqual([{ source: 'metrics', summary: expect.stringMatching(/^error ratio 6\.\d% in the incident window \(21 points\), baseline median 2\.0% \(same time yesterday, \d+ points\), 3\.\d×, robust z \d+/) }]);
    expect(f.confidence).toBeGreaterThanOrEqual(0.5);
    expect(f.confidence).toBeLessThanOrEqual(1);
  });

  it('an hour that is busy every day is not an anomaly; 3× the usual level at that hour is', () => {
    const r = noise(2);
    const busy = (t: number) => (hourOfDay(t) === 14 ? 0.9 : 0.3) * (1 + 0.1 * r());
    const always: MetricSeries = { name: 'p99 latency', signal: 'latency', service: 'search', points: points(T0, incident.end + 60, busy) };
    expect(detectMetricAnomalies([always], incident)).toEqual([]);

    // The same busy hour looks like an anomaly to a baseline of the preceding hours only…
    const shortHistory = { ...always, points: always.points.filter((p) => p.t >= incident.start - 3 * hour) };
    expect(compareWindow(shortHistory.points, incident)?.baseline).toBe('preceding hours');
    expect(detectMetricAnomalies([shortHistory], incident).map((f) => f.kind)).toEqual(['latency-regression']);

    // …and three times the usual busy level is one against yesterday too.
    const worse: MetricSeries = { ...always, points: points(T0, incident.end + 60, (t) => busy(t) * (inIncident(t) ? 3 : 1)) };
    const [f] = detectMetricAnomalies([worse], incident);
    expect(f.kind).toBe('latency-regression');
    expect(f.title).toMatch(/^The p99 latency of search rose to 2\.\d+ s from a usual \d{3} ms \(\d\.\d×\)$/);
    expect(f.evidence[0].summary).toContain('(same time yesterday,');
  });

  it('a noisy but normal series gives no finding', () => {
    for (let seed = 10; seed < 30; seed++) {
      const r = noise(seed);
      const series: MetricSeries[] = [
        { name: 'error ratio', signal: 'error-ratio', points: points(T0, incident.end + 60, () => Math.max(0, 0.02 + 0.015 * r())) },
        { name: 'p99 latency', signal: 'latency', points: points(T0, incident.end + 60, () => 0.25 * (1 + 0.6 * r())) },
        { name: 'CPU usage', signal: 'usage', limit: 100, points: points(T0, incident.end + 60, () => 50 + 30 * r()) },
      ];
      expect(detectMetricAnomalies(series, incident)).toEqual([]);
    }
  });

  it('one spike in the incident window is not an incident', () => {
    const r = noise(3);
    const s: MetricSeries = { name: 'p99 latency', signal: 'latency', points: points(T0, incident.end + 60, (t) => (t === incident.start + 300 ? 30 : 0.2 * (1 + 0.1 * r()))) };
    expect(detectMetricAnomalies([s], incident)).toEqual([]);
  });

  it('a gauge near its limit, or far above its usual level, is saturation', () => {
    const r = noise(4);
    const cpu: MetricSeries = { name: 'CPU usage', signal: 'usage', service: 'pricing', limit: 2, points: points(T0, incident.end + 60, (t) => (inIncident(t) ? 1.94 : 0.8) + 0.05 * r()) };
    const pool: MetricSeries = { name: 'connection pool usage', signal: 'usage', unit: 'connections', points: points(T0, incident.end + 60, (t) => (inIncident(t) ? 40 : 10) + 2 * r()) };
    const alwaysFull: MetricSeries = { name: 'memory usage', signal: 'usage', limit: 100, points: points(T0, incident.end + 60, () => 95 + 2 * r()) };
    const found = detectMetricAnomalies([cpu, pool, alwaysFull], incident);
    expect(found.map((f) => f.kind)).toEqual(['saturation', 'saturation']);
    const byName = Object.fromEntries(found.map((f) => [f.title.split(' ')[1], f]));
    expect(byName.CPU.title).toMatch(/^The CPU usage of pricing is at 9\d% of its limit, usually 4\d%$/);
    expect(byName.CPU.confidence).toBeGreaterThanOrEqual(0.5);
    expect(byName.connection.title).toMatch(/^The connection pool usage rose to \d+(\.\d+)? connections from a usual 10(\.\d+)? connections \(4\.\d×\)$/);
  });

  it('a series with too little history, or no incident points, is left alone', () => {
    const s: MetricSeries = { name: 'error ratio', signal: 'error-ratio', points: points(incident.start - 180, incident.end, () => 0.5) };
    expect(detectMetricAnomalies([s], incident)).toEqual([]);
    const gap: MetricSeries = { name: 'error ratio', signal: 'error-ratio', points: points(T0, incident.start, () => 0.01) };
    expect(detectMetricAnomalies([gap], incident)).toEqual([]);
  });

  it('NaN points are skipped, not counted', () => {
    const s: MetricSeries = {
      name: 'error ratio',
      signal: 'error-ratio',
      points: points(incident.start - 2 * hour, incident.end + 60, (t) => (t % 300 === 0 ? NaN : inIncident(t) ? 0.3 : 0.01)),
    };
    const [f] = detectMetricAnomalies([s], incident);
    expect(f.kind).toBe('error-burst');
    expect(f.evidence[0].summary).toMatch(/\(preceding hours, 9\d points\)/);
  });
});
