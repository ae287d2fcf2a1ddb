// The goroutine count grows over the window, and one parked stack accounts
// for most of the growth.
import type { Detector } from '../inputs.js';
import { confidence, firstAppFrame, pct, stackSamples, strength, total, waitKind, type StackSample } from '../stacks.js';

const stackKey = (s: StackSample) => s.frames.map((f) => f.name).join('\n');

export const goroutineLeak: Detector = {
  kind: 'goroutine-leak',
  detect({ goroutineStart, goroutineEnd, seconds: window }) {
    if (!goroutineStart || !goroutineEnd) return [];
    const before = stackSamples(goroutineStart, 'goroutine');
    const after = stackSamples(goroutineEnd, 'goroutine');
    const n0 = total(before);
    const n1 = total(after);
    const growth = n1 - n0;
    if (growth <= 0) return [];
    const counts = new Map<string, { before: number; after: number; sample: StackSample }>();
    for (const s of after) {
      const k = stackKey(s);
      const c = counts.get(k) ?? { before: 0, after: 0, sample: s };
      c.after += s.value;
      counts.set(k, c);
    }
    for (const s of before) {
      const c = counts.get(stackKey(s));
      if (c) c.before += s.value;
    }
    const top = [...counts.values()]
      .filter((c) => waitKind(c.sample.frames) !== 'running')
      .sort((a, b) => b.after - b.before - (a.after - a.before))[0];
    const location = top && firstAppFrame(top.sample.frames);
    if (!top || !location) return [];
    const stackGrowth = top.after - top.before;
    const share = stackGrowth / growth;
    const rate = growth / window;
    // 50 more goroutines, or a fifth more, in the window; most of them on one stack.
    const conf = confidence(Math.min(strength(growth, Math.max(50, n0 * 0.2)), strength(rate, 5)), share);
    return [
      {
        kind: 'goroutine-leak',
        title: `Goroutines pile up in ${location.function}: ${growth} more in ${window} s.`,
        confidence: conf,
        location,
        evidence: [
          {
            source: 'goroutine',
            summary: `${n0} → ${n1} goroutines in ${window} s (+${rate.toFixed(0)}/s); ${stackGrowth} of the new ones (${pct(share)}) are parked at ${location.function}`,
          },
        ],
      },
    ];
  },
};
