import { describe, expect, it } from 'vitest';
import type { FindingKind } from '../model.js';
import { digest, formatDuration, isoWeek, periodText, quantile } from './digest.js';
import type { Incident, IncidentEvent } from './model.js';

/** An incident detected at `detected`, resolved `mttr` seconds later unless it is undefined. */
function inc(id: string, detected: string, mttr: number | undefined, opts: { service?: string; cause?: FindingKind | null } = {}): Incident {
  const t0 = Date.parse(detected);
  const at = (s: number) => new Date(t0 + s * 1000).toISOString();
  const timeline: IncidentEvent[] = [{ type: 'detected', at: at(0), by: 'alertmanager' }];
  // cause undefined: never diagnosed; null: diagnosed without a cause.
  if (opts.cause !== undefined) timeline.push({ type: 'diagnosed', at: at(30), verdict: opts.cause ? 'likely' : 'inconclusive', ...(opts.cause ? { cause: opts.cause } : {}), job: `j-${id}` });
  if (mttr !== undefined) timeline.push({ type: 'resolved', at: at(mttr), by: 'alice' });
  return { id, service: opts.service ?? 'order-api', title: `${id} is slow`, channel: { platform: 'slack', channel: 'C1' }, timeline };
}

const period = { start: new Date('2025-01-01T00:00:00Z'), end: new Date('2025-01-20T00:00:00Z') };

describe('quantile', () => {
  it('interpolates between closest ranks; the median of an even count is the mean of the middle two', () => {
    expect(quantile([3, 1, 2], 0.5)).toBe(2);
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([60, 120, 180, 240, 300, 600, 900, 1200, 1800, 3600], 0.9)).toBeCloseTo(1980);
    expect(quantile([42], 0.9)).toBe(42);
    expect(quantile([], 0.5)).toBeUndefined();
  });
});

describe('isoWeek', () => {
  it('puts days in the year of their Thursday', () => {
    expect(isoWeek(Date.parse('2025-01-01T12:00:00Z')).week).toBe('2025-W01');
    expect(new Date(isoWeek(Date.parse('2025-01-01T12:00:00Z')).monday).toISOString()).toBe('2024-12-30T00:00:00.000Z');
    expect(isoWeek(Date.parse('2021-01-03T23:59:59Z')).week).toBe('2020-W53');
    expect(isoWeek(Date.parse('2025-01-13T00:00:00Z')).week).toBe('2025-W03');
    expect(isoWeek(Date.parse('2025-01-19T23:59:59Z')).week).toBe('2025-W03');
  });
});

describe('digest', () => {
  const mttrs = [60, 120, 180, 240, 300, 600, 900, 1200, 1800, 3600];
  const current = [
    ...mttrs.map((m, i) => inc(`c${i}`, `2025-01-${String(6 + i).padStart(2, '0')}T10:00:00Z`, m, { service: i < 6 ? 'order-api' : 'checkout', cause: i % 2 ? 'cpu-hotspot' : undefined })),
    inc('open', '2025-01-02T08:00:00Z', undefined, { service: 'search', cause: null }),
    inc('before', '2024-12-31T23:59:59Z', 99_999), // outside the period
    inc('after', '2025-01-20T00:00:00Z', 99_999), // the end is exclusive
  ];
  const previous = [inc('p1', '2024-12-10T00:00:00Z', 300), inc('p2', '2024-12-11T00:00:00Z', 600), inc('p3', '2024-12-12T00:00:00Z', 900)];
  const d = digest(current, period, previous);

  it('counts the incidents detected in the period, unresolved ones with no MTTR', () => {
    expect(d.count).toBe(11);
    expect(d.resolved).toBe(10);
    expect(d.unresolved).toBe(1);
    expect(d.previousCount).toBe(3);
    expect(d.period).toEqual({ start: '2025-01-01T00:00:00.000Z', end: '2025-01-20T00:00:00.000Z' });
  });

  it('gives the MTTR median and p90 and their change against the previous period', () => {
    // previous: median 600, p90 = 600 + 0.8 × 300 = 840.
    expect(d.mttr.median).toEqual({ current: 450, previous: 600, change: -0.25 });
    expect(d.mttr.p90.current).toBeCloseTo(1980);
    expect(d.mttr.p90.previous).toBeCloseTo(840);
    expect(d.mttr.p90.change).toBeCloseTo(1980 / 840 - 1);
  });

  it('has no change without a previous period', () => {
    const alone = digest(current, period, []);
    expect(alone.mttr.median).toEqual({ current: 450 });
    expect(alone.mttr.p90.change).toBeUndefined();
  });

  it('has every ISO week the period touches, with its days in the period', () => {
    expect(d.weeks.map((w) => [w.week, w.monday, w.days, w.count, w.resolved])).toEqual([
      ['2025-W01', '2024-12-30', 5, 1, 0],
      ['2025-W02', '2025-01-06', 7, 7, 7],
      ['2025-W03', '2025-01-13', 7, 3, 3],
    ]);
    // Week 1 holds only the unresolved incident: no MTTR.
    expect(d.weeks[0].mttrMedian).toBeUndefined();
    // Week 2 (Monday 6 to Sunday 12 Jan): 60, 120, 180, 240, 300, 600, 900.
    expect(d.weeks[1].mttrMedian).toBe(240);
    expect(d.weeks[1].mttrP90).toBeCloseTo(720);
    // Week 3 (13–15 Jan): 1200, 1800, 3600.
    expect(d.weeks[2].mttrMedian).toBe(1800);
    expect(d.weeks[2].mttrP90).toBeCloseTo(3240);
  });

  it('counts per service, most first', () => {
    expect(d.services).toEqual([
      { service: 'order-api', count: 6 },
      { service: 'checkout', count: 4 },
      { service: 'search', count: 1 },
    ]);
  });

  it("counts root causes per week, 'undiagnosed' when no diagnosis named one", () => {
    expect(d.causes).toEqual([
      { week: '2025-W01', cause: 'undiagnosed', count: 1 },
      { week: '2025-W02', cause: 'cpu-hotspot', count: 3 },
      { week: '2025-W02', cause: 'undiagnosed', count: 4 },
      { week: '2025-W03', cause: 'cpu-hotspot', count: 2 },
      { week: '2025-W03', cause: 'undiagnosed', count: 1 },
    ]);
    expect(d.causeTotals).toEqual([
      { cause: 'undiagnosed', count: 6 },
      { cause: 'cpu-hotspot', count: 5 },
    ]);
  });

  it('lists the five slowest resolved incidents, slowest first', () => {
    expect(d.slowest.map((s) => [s.id, s.mttr])).toEqual([
      ['c9', 3600],
      ['c8', 1800],
      ['c7', 1200],
      ['c6', 900],
      ['c5', 600],
    ]);
    expect(d.slowest[0]).toMatchObject({ service: 'checkout', title: 'c9 is slow', detectedAt: '2025-01-15T10:00:00.000Z' });
  });

  it('is empty but whole for a period without incidents', () => {
    const none = digest([], period, previous);
    expect(none).toMatchObject({ count: 0, resolved: 0, unresolved: 0, services: [], causes: [], slowest: [] });
    expect(none.mttr.median).toEqual({ previous: 600 });
    expect(none.weeks.map((w) => w.count)).toEqual([0, 0, 0]);
  });
});

describe('formatting', () => {
  it('writes durations and periods for people', () => {
    expect([45, 600, 5400, 3 * 3600, 50 * 3600].map(formatDuration)).toEqual(['45 s', '10 min', '1.5 h', '3 h', '2.1 d']);
    expect(periodText({ period: { start: '2025-01-01T00:00:00.000Z', end: '2025-01-20T00:00:00.000Z' } })).toBe('1 Jan – 19 Jan 2025');
    expect(periodText({ period: { start: '2024-12-01T00:00:00.000Z', end: '2025-03-01T00:00:00.000Z' } })).toBe('1 Dec 2024 – 28 Feb 2025');
  });
});
