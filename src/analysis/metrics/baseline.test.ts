import { describe, expect, it } from 'vitest';
import { baselineValues, compareWindow, DAY, kthLargest, mad, median, sustainedLevel } from './baseline.js';

const at = (from: number, to: number, step: number, v: (t: number) => number) => {
  const out = [];
  for (let t = from; t < to; t += step) out.push({ t, v: v(t) });
  return out;
};

describe('robust statistics', () => {
  it('median, MAD and the k-th largest', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
    expect(kthLargest([3, 9, 1, 7], 2)).toBe(7);
    expect(kthLargest([3], 5)).toBe(3);
  });

  it('the sustained level needs a quarter of the points, and two, to reach it', () => {
    expect(sustainedLevel([1, 1, 1, 1, 50])).toBe(1);
    expect(sustainedLevel([1, 1, 1, 40, 50])).toBe(40);
    expect(sustainedLevel([7])).toBe(7);
    expect(sustainedLevel([...Array(30).fill(1), ...Array(10).fill(9)])).toBe(9);
    expect(sustainedLevel([...Array(31).fill(1), ...Array(9).fill(9)])).toBe(1);
  });
});

describe('the baseline of a window', () => {
  const w = { start: 10 * DAY, end: 10 * DAY + 600 };

  it('is the same time yesterday when the history reaches back a day', () => {
    const b = baselineValues(at(w.start - 2 * DAY, w.end, 60, () => 1), w);
    expect(b?.kind).toBe('same time yesterday');
    expect(b?.values).toHaveLength(70);
  });

  it('is the previous day when the seasonal baseline is turned off', () => {
    const b = baselineValues(at(w.start - 2 * DAY, w.end, 60, () => 1), w, { minPoints: 5, relativeFloor: 0.05, absoluteFloor: 0, seasonal: false, seasonalPad: 1800 });
    expect(b?.kind).toBe('previous day');
    expect(b?.values).toHaveLength(1440);
  });

  it('is the preceding hours when that is all there is, and nothing when there are too few points', () => {
    expect(baselineValues(at(w.start - 3 * 3600, w.end, 60, () => 1), w)?.kind).toBe('preceding hours');
    expect(baselineValues(at(w.start - 240, w.end, 60, () => 1), w)).toBeUndefined();
  });

  it('is the previous day when yesterday at this time has a gap', () => {
    const points = at(w.start - DAY - 3600, w.end, 60, () => 1).filter((p) => p.t < w.start - DAY - 1800 || p.t > w.end - DAY + 1800);
    expect(baselineValues(points, w)?.kind).toBe('previous day');
  });

  it('compares the window with it: level, median, spread floored, z and ratio', () => {
    const c = compareWindow(at(w.start - 3600, w.end + 1, 60, (t) => (t >= w.start ? 30 : t % 120 ? 9 : 11)), w);
    expect(c).toMatchObject({ value: 30, points: 11, baseline: 'preceding hours', baselinePoints: 60, median: 10, ratio: 3 });
    expect(c?.spread).toBeCloseTo(1.4826, 4);
    expect(c?.z).toBeCloseTo(20 / 1.4826, 4);
    const flat = compareWindow(at(w.start - 3600, w.end + 1, 60, (t) => (t >= w.start ? 12 : 10)), w);
    expect(flat?.spread).toBe(0.5);
    expect(compareWindow(at(w.start - 3600, w.end + 1, 60, () => 0), w)?.ratio).toBe(1);
  });
});
