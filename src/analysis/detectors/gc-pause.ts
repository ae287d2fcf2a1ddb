// The garbage collector (or code asking the runtime to stop the world) takes
// the Ps from the program, which only the trace times:
// - stop-the-world pauses: every goroutine stops while the runtime (or e.g.
//   runtime.Stack(all), ReadMemStats) holds the world; long or frequent ones
//   stall every request at once;
// - the collector doing much of the running: background marking and mark
//   assists take the Ps from the program. Assists are paid by the goroutines
//   that allocate, so the finding is located where they are (or, where none
//   is located, where the trace's CPU samples allocate), which is where gc-pressure
//   points from the profiles.
import type { CodeLocation, Finding } from '../../model.js';
import type { StackFrame } from '../../trace/event.js';
import type { TraceFacts } from '../../trace/facts.js';
import { gcReport } from '../../trace/report.js';
import type { Detector } from '../inputs.js';
import type { Profile } from '../../profile/model.js';
import { confidence, firstAppFrame, pct, siteKey, stackSamples, strength } from '../stacks.js';
import { collectorDominance } from './gc-pressure.js';
import { ms, traceFrames } from '../trace.js';

// The collector has the program when it does a good part of the running: background workers keep to a quarter of
// GOMAXPROCS while it marks, assists are the overflow paid by the allocating code. How the two split swings with the
// load and the CPU the process gets (the demo's gc mode: assists 1% to 35% of the running, workers near 23%), so
// they count together.
// The MMU (Go's own figure) is quoted; on few Ps it swings too much between captures to decide on.
const COLLECTING = 0.2;
// ...of a program that runs: while it idles, marking a big heap is most of the little running there is.
const BUSY = 0.1;

export const gcPause: Detector = {
  kind: 'gc-pause',
  detect({ trace, cpu }) {
    if (!trace || trace.facts.durationNs <= 0) return [];
    return [pauses(trace.facts), collapse(trace.facts, cpu)].filter((f): f is Finding => f !== undefined);
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

/** @param cpu the CPU profile, to weigh the collection against the allocating code's own CPU as gc-pressure does */
function collapse(f: TraceFacts, cpu: Profile | undefined): Finding | undefined {
  const worst = f.mmu.find((m) => m.windowMs === 100);
  const { workerRunningNs: workers, assistRunningNs: assists } = f.gc;
  const share = f.busyNs > 0 ? Math.min(1, (workers + assists) / f.busyNs) : 0;
  const busy = f.gomaxprocs > 0 ? f.busyNs / (f.durationNs * f.gomaxprocs) : 0;
  if (share < COLLECTING || busy < BUSY) return undefined;
  // Assists are paid where the program allocates; where none locates, the trace's CPU samples in the allocator say where that is.
  let paid = 'assists are paid';
  let sites = locate(f.gc.assistStacks);
  if (sites.length === 0) {
    paid = 'the CPU samples allocate';
    sites = locate(f.cpuSamples.filter((s) => s.some((fr) => fr.func === 'runtime.mallocgc')).map((stack) => ({ stack, ns: 1 })));
  }
  const top = sites[0];
  const all = sites.reduce((n, s) => n + s.n, 0);
  const where = top && all > 0 ? `; ${paid} mostly in ${top.location.function} (${pct(top.n / all)})` : '';
  const mmu = f.mmu.length > 0 ? `minimum mutator utilization ${f.mmu.map((m) => `${m.windowMs} ms ${pct(m.util)}`).join(', ')}; ` : '';
  return {
    kind: 'gc-pause',
    title: `The garbage collector does ${pct(share)} of the running: mark workers ${pct(workers / f.busyNs)}, mark assists paid by the goroutines that allocate ${pct(assists / f.busyNs)}${worst && worst.util < 0.5 ? `, which leaves the program ${pct(worst.util)} of the CPU in the worst 100 ms` : ''}${where}.`,
    confidence: confidence(strength(share, COLLECTING) * (top && cpu ? collectorDominance(stackSamples(cpu, 'cpu'), siteKey(top.location)) : 1), Math.max(share, 1 - (worst?.util ?? 1))),
    ...(top ? { location: top.location } : {}),
    evidence: [{ source: 'trace', summary: `${mmu}${f.gc.count} mark phases, ${ms(f.gc.markNs)}; mark workers ran ${ms(workers)}, mark assists ${ms(assists)}: ${pct(share)} of running time` }],
  };
}

/** The application code at the stacks' first app frames, the most (by `ns`) first. */
function locate(stacks: { stack: StackFrame[]; ns: number }[]): { location: CodeLocation; n: number }[] {
  const bySite = new Map<string, { location: CodeLocation; n: number }>();
  for (const a of stacks) {
    const location = firstAppFrame(traceFrames(a.stack));
    if (!location) continue;
    const e = bySite.get(location.function) ?? { location, n: 0 };
    e.n += a.ns;
    bySite.set(location.function, e);
  }
  return [...bySite.values()].sort((a, b) => b.n - a.n);
}
