// Stop-the-world pauses: every goroutine stops while the runtime (or code
// asking it, e.g. runtime.Stack(all) or ReadMemStats) holds the world. Long
// or frequent ones stall every request at once; only the trace times them.
import type { Detector } from '../inputs.js';
import { confidence, firstAppFrame, pct, strength } from '../stacks.js';
import { ms, traceFrames } from '../trace.js';

export const gcPause: Detector = {
  kind: 'gc-pause',
  detect({ trace }) {
    if (!trace || trace.facts.pauses.length === 0 || trace.facts.durationNs <= 0) return [];
    const f = trace.facts;
    const total = f.pauses.reduce((a, p) => a + p.ns, 0);
    const worst = f.pauses.reduce((m, p) => Math.max(m, p.ns), 0);
    const share = total / f.durationNs;
    const byReason = new Map<string, { n: number; ns: number }>();
    for (const p of f.pauses) {
      const e = byReason.get(p.reason) ?? { n: 0, ns: 0 };
      e.n++;
      e.ns += p.ns;
      byReason.set(p.reason, e);
    }
    const [reason, most] = [...byReason].sort((a, b) => b[1].ns - a[1].ns)[0];
    const location = f.pauses.filter((p) => p.reason === reason).map((p) => firstAppFrame(traceFrames(p.stack))).find((l) => l);
    const asked = location ? `, asked for in ${location.function}` : '';
    const assist = f.gc.markNs > 0 ? `; GC mark phases ${pct(f.gc.markNs / f.durationNs)} of the time, mark assists ${ms(f.gc.assistNs)}` : '';
    return [
      {
        kind: 'gc-pause',
        title: `Stop-the-world pauses stall every goroutine: ${f.pauses.length} in ${(f.durationNs / 1e9).toFixed(1)} s, worst ${ms(worst)}, ${pct(share)} of the time; most for ${reason.replace(/^stop-the-world \((.*)\)$/, '$1')}${asked}.`,
        confidence: confidence(strength(worst / 1e6, 10), Math.min(1, share / 0.05)),
        ...(location ? { location } : {}),
        evidence: [{ source: 'trace', summary: `${f.pauses.length} stop-the-world pauses, ${ms(total)} in all, worst ${ms(worst)}; ${most.n} of them ${reason} (${ms(most.ns)})${assist}` }],
      },
    ];
  },
};
