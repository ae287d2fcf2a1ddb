import { describe, expect, it } from 'vitest';
import type { Digest } from '../src/incidents/digest.js';
import { changeText, digestText } from './digest.js';

const base: Digest = {
  period: { start: '2025-03-01T00:00:00.000Z', end: '2025-04-01T00:00:00.000Z' },
  count: 42,
  resolved: 40,
  unresolved: 2,
  previousCount: 38,
  mttr: { median: { current: 2700, previous: 3600, change: -0.25 }, p90: { current: 6 * 3600, previous: 5 * 3600, change: 0.2 } },
  weeks: [],
  services: [],
  causes: [],
  causeTotals: [],
  slowest: [
    { id: 'inc-7', service: 'order-api', title: 'p99 above SLO [prod]', detectedAt: '2025-03-04T10:00:00.000Z', mttr: 30 * 3600 },
    { id: 'inc-9', service: 'check_out', title: 'errors', detectedAt: '2025-03-05T10:00:00.000Z', mttr: 5400 },
  ],
};

describe('digestText', () => {
  it('gives the count, MTTR median and p90 with their change, and the unresolved ones', () => {
    const text = digestText(base);
    expect(text).toContain('**Incidents 1 Mar – 31 Mar 2025: 42** (previous period 38)');
    expect(text).toContain('MTTR median **45 min** ▼ 25% (previous period 60 min), p90 **6 h** ▲ 20% (previous period 5 h)');
    expect(text).toContain('2 of 42 not resolved yet: counted, but not in the MTTR.');
  });

  it('lists the slowest incidents, linked when it can, with Markdown characters escaped', () => {
    expect(digestText(base)).toContain('1. inc-7 order-api: p99 above SLO \\[prod\\] (30 h)');
    const linked = digestText(base, (id) => `https://rca.example/incidents/${id}`);
    expect(linked).toContain('1. [inc-7](https://rca.example/incidents/inc-7) order-api');
    expect(linked).toContain('2. [inc-9](https://rca.example/incidents/inc-9) check\\_out: errors (1.5 h)');
  });

  it('says when there is nothing to compare or no MTTR', () => {
    const first = digestText({ ...base, previousCount: 0, mttr: { median: { current: 2700 }, p90: { current: 7200 } } });
    expect(first).toContain('MTTR median **45 min**, p90 **2 h**');
    expect(first).not.toMatch(/[▲▼]/);
    const open = digestText({ ...base, resolved: 0, unresolved: 42, mttr: { median: {}, p90: {} }, slowest: [] });
    expect(open).toContain('None resolved yet, so no MTTR.');
    expect(open).not.toContain('Slowest');
    expect(digestText({ ...base, count: 0, resolved: 0, unresolved: 0, previousCount: 0, slowest: [] })).toBe('**Incidents 1 Mar – 31 Mar 2025: 0**');
  });

  it('writes changes as arrows and whole percents', () => {
    expect(changeText({ change: 0.126 })).toBe('▲ 13%');
    expect(changeText({ change: -0.5 })).toBe('▼ 50%');
    expect(changeText({ change: 0.001 })).toBe('= 0%');
    expect(changeText({})).toBeUndefined();
  });
});
