// The garbage collector (or code asking the runtime to stop the world) takes
// the Ps from the program, which only the trace times:
// - stop-the-world pauses: every goroutine stops while the runtime (or e.g.
//   runtime.Stack(all), ReadMemStats) holds the world; long or frequent ones
//   stall every request at once;
// - mutator utilization collapsing: in the worst 100 ms, background marking
//   and mark assists leave the program a small share of the Ps. Assists are
//   paid by the goroutines that allocate, so the finding is located where
//   they are, which is where gc-pressure points from the profiles.
import type { Finding } from '../../model.js';
import type { TraceFacts } from '../../trace/facts.js';
import { assistShare, gcReport } from '../../trace/report.js';
import type { Detector } from '../inputs.js';
import { confidence, firstAppFrame, pct, strength } from '../stacks.js';
import { ms, traceFrames } from '../trace.js';

// The collector has the program when goroutines spend a good part of their running time marking for it:
// background workers keep to a quarter of GOMAXPROCS, assists are the overflow paid by the allocating code.
// The MMU (Go's own figure) is quoted; on few Ps it swings too much between captures to decide on.
const ASSISTING = 0.1;

export const gcPause: Detector = {
  kind: 'gc-pause',
  detect({ trace }) {
    if (!trace || trace.facts.durationNs <= 0) return [];
    return [pauses(trace.facts), collapse(trace.facts)].filter((f): f is Finding => f !== undefined);
  },
};

function pauses(f: TraceFacts): Finding | undefined {
  if (f.pauses.length === 0) return undefined;
  const { totalNs: total, worstNs: worst } = gcReport(f).stw;
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
  return {
    kind: 'gc-pause',
    title: `Stop-the-world pauses stall every goroutine: ${f.pauses.length} in ${(f.durationNs / 1e9).toFixed(1)} s, worst ${ms(worst)}, ${pct(share)} of the time; most for ${reason.replace(/^stop-the-world \((.*)\)$/, '$1')}${asked}.`,
    confidence: confidence(strength(worst / 1e6, 10), Math.min(1, share / 0.05)),
    ...(location ? { location } : {}),
    evidence: [{ source: 'trace', summary: `${f.pauses.length} stop-the-world pauses, ${ms(total)} in all, worst ${ms(worst)}; ${most.n} of them ${reason} (${ms(most.ns)})${assist}` }],
  };
}

function collapse(f: TraceFacts): Finding | undefined {
  const worst = f.mmu.find((m) => m.windowMs === 100);
  const share = assistShare(f);
  if (share < ASSISTING) return undefined;
  const bySite = new Map<string, { location: NonNullable<ReturnType<typeof firstAppFrame>>; ns: number }>();
  for (const a of f.gc.assistStacks) {
    const location = firstAppFrame(traceFrames(a.stack));
    if (!location) continue;
    const e = bySite.get(location.function) ?? { location, ns: 0 };
    e.ns += a.ns;
    bySite.set(location.function, e);
  }
  const top = [...bySite.values()].sort((a, b) => b.ns - a.ns)[0];
  const where = top && f.gc.assistNs > 0 ? `; they are paid mostly in ${top.location.function} (${pct(top.ns / f.gc.assistNs)} of assist time)` : '';
  const mmu = f.mmu.length > 0 ? `minimum mutator utilization ${f.mmu.map((m) => `${m.windowMs} ms ${pct(m.util)}`).join(', ')}; ` : '';
  return {
    kind: 'gc-pause',
    title: `Mark assists take ${pct(share)} of running time: goroutines mark for the garbage collector instead of doing their work${worst && worst.util < 0.5 ? `, which leaves the program ${pct(worst.util)} of the CPU in the worst 100 ms` : ''}${where}.`,
    confidence: confidence(strength(share, 0.15), Math.max(2 * share, 1 - (worst?.util ?? 1))),
    ...(top ? { location: top.location } : {}),
    evidence: [{ source: 'trace', summary: `${mmu}${f.gc.count} mark phases, ${ms(f.gc.markNs)}; mark assists ran ${ms(f.gc.assistRunningNs)}, ${pct(share)} of running time` }],
  };
}
