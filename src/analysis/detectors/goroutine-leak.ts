// The goroutine count grows over the window, and one parked stack accounts
// for most of the growth.
import type { CodeLocation } from '../../rca/model.js';
import type { Detector } from '../inputs.js';
import { confidence, firstAppFrame, pct, stackSamples, strength, total, waitKind, type StackSample } from '../stacks.js';

const stackKey = (s: StackSample) => s.frames.map((f) => f.name).join('\n');

function idleConnection(s: StackSample): boolean {
  return !s.frames.some((f) => f.kind === 'app') && s.frames.some((f) => f.name === 'net/http.(*conn).serve' || f.name.startsWith('google.golang.org/grpc/internal/transport.(*http2Server)'));
}

function firstOwnFrame(s: StackSample): CodeLocation | undefined {
  const f = s.frames.find((x) => x.kind !== 'runtime' && !x.name.startsWith('sync.') && !x.name.startsWith('internal/'));
  return f && { function: f.name, file: f.file, line: f.line };
}

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
    // Parked stacks only; a server's idle keep-alive connections come and go with the load.
    const top = [...counts.values()]
      .filter((c) => waitKind(c.sample.frames) !== 'running' && !idleConnection(c.sample))
      .sort((a, b) => b.after - b.before - (a.after - a.before))[0];
    // Goroutines a library started (an HTTP client's connection readers, say) have no frame of ours.
    const location = top && (firstAppFrame(top.sample.frames) ?? firstOwnFrame(top.sample));
    if (!top || !location) return [];
    const stackGrowth = top.after - top.before;
    if (stackGrowth <= 0) return [];
    const share = stackGrowth / growth;
    const rate = growth / window;
    // 20 more goroutines, or a tenth more, at 2 a second or faster; most of them on one stack.
    const conf = confidence(Math.min(strength(growth, Math.max(20, n0 * 0.1)), strength(rate, 2)), share);
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
