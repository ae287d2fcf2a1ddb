// What the detectors read from an execution trace, gathered in the same pass
// as the summary: stop-the-world pauses with the stack that asked for them,
// GC mark phases and assists, GOMAXPROCS, how long runnable goroutines waited
// for a P and whether every P was busy meanwhile, and the CPU samples' stacks.
import { Kind, GoState, ProcState, frames, kindOf, metric, range, rangeKey, stackId, transition, type StackFrame, type TraceEvent } from './event.js';
import { MutatorUtilization, minimumUtilization } from './mmu.js';
import { Ev } from './spec.js';

export interface Pause {
  /** "stop-the-world (all goroutines stack trace)". */
  reason: string;
  ns: number;
  /** The stack that stopped the world, leaf first. */
  stack: StackFrame[];
}

export interface TraceFacts {
  durationNs: number;
  /** The wall-clock time the trace covers (ms since the epoch), from its clock snapshots (Go 1.25+ traces). */
  wall?: { startMs: number; endMs: number };
  /** GOMAXPROCS as the trace last saw it (0 when it never said). */
  gomaxprocs: number;
  pauses: Pause[];
  /**
   * assistNs: mark assists from start to end; assistRunningNs: only while the assisting goroutine ran (an assist can park for credit);
   * workerRunningNs: background mark workers running on a P the program could have had (dedicated and fractional, not idle).
   */
  gc: { count: number; markNs: number; assistNs: number; assistRunningNs: number; workerRunningNs: number; assistStacks: { stack: StackFrame[]; ns: number }[] };
  /** The time goroutines were running, summed over the Ps, less idle mark workers (on Ps nothing else wanted): what the collector takes a share of. */
  busyNs: number;
  /** The minimum mutator utilization at 1, 10 and 100 ms, as go tool trace's MMU page shows it; empty when GOMAXPROCS never showed. */
  mmu: { windowMs: number; util: number }[];
  /** Each wait of a runnable goroutine for a P, in ns, less any stop-the-world pause inside it (goroutines of the runtime left out). */
  schedWaits: number[];
  /** While some goroutine was runnable, outside stop-the-world pauses: how long every P was running something, and how long in all. */
  runnableNs: number;
  runnableAllBusyNs: number;
  /** The execution trace's CPU samples, each a stack (leaf first). */
  cpuSamples: StackFrame[][];
}

const isRuntimeFn = (fn: string) => fn.startsWith('runtime.');

export class FactsCollector {
  private f: TraceFacts = {
    durationNs: 0,
    gomaxprocs: 0,
    pauses: [],
    gc: { count: 0, markNs: 0, assistNs: 0, assistRunningNs: 0, workerRunningNs: 0, assistStacks: [] },
    busyNs: 0,
    mmu: [],
    schedWaits: [],
    runnableNs: 0,
    runnableAllBusyNs: 0,
    cpuSamples: [],
  };
  private first = 0;
  private last = 0;
  /** Wall-clock ms minus trace-clock ms, from the first clock snapshot. */
  private wallOffset: number | undefined;
  private open = new Map<string, TraceEvent>();
  private runnableSince = new Map<number, number>();
  private system = new Set<number>();
  private runningPs = new Set<number>();
  private runnable = 0;
  private at = 0;
  // Stop-the-world pauses in progress, and their time so far: a wait for a P during one is the pause's doing, not the scheduler's.
  private stwOpen = 0;
  private stwSoFar = 0;
  private stwAtRunnable = new Map<number, number>();
  private utilization = new MutatorUtilization();
  private runningGs = new Set<number>();
  private assisting = new Set<number>();
  private assistRunning = 0;
  /** Mark workers running now, labelled so as they began to run (idle ones apart); the label lasts until they stop. */
  private working = new Set<number>();
  private idleWorking = new Set<number>();

  event(ev: TraceEvent) {
    if (this.first === 0) this.first = ev.time;
    this.advanceClock(ev.time);
    this.utilization.event(ev);
    this.last = ev.time;
    switch (kindOf(ev)) {
      case Kind.Sync: {
        const t = ev.table;
        if (this.wallOffset === undefined && t?.hasClockSnapshot) this.wallOffset = t.snapWallSec * 1000 + t.snapWallNsec / 1e6 - t.mul(t.snapTime) / 1e6;
        break;
      }
      case Kind.Metric:
        if (ev.typ === Ev.ProcsChange) this.f.gomaxprocs = metric(ev).value;
        break;
      case Kind.StackSample:
        this.f.cpuSamples.push(frames(ev.table, stackId(ev)));
        break;
      case Kind.Label: {
        const label = ev.table?.string(ev.a0) ?? '';
        if (label.startsWith('GC ') && this.runningGs.has(ev.g)) (label === 'GC (idle)' ? this.idleWorking : this.working).add(ev.g);
        break;
      }
      case Kind.RangeBegin:
      case Kind.RangeActive: {
        const r = range(ev);
        const key = rangeKey(r);
        // Each generation restates ranges in progress (GCActive): they began earlier.
        if (!this.open.has(key)) {
          this.open.set(key, ev);
          if (r.name === 'GC mark assist') {
            this.assisting.add(r.id);
            if (this.runningGs.has(r.id)) this.assistRunning++;
          }
        }
        if (kindOf(ev) === Kind.RangeBegin && r.name.startsWith('stop-the-world')) this.stwOpen++;
        break;
      }
      case Kind.RangeEnd: {
        const r = range(ev);
        const key = rangeKey(r);
        const begin = this.open.get(key);
        this.open.delete(key);
        if (r.name.startsWith('stop-the-world') && this.stwOpen > 0) this.stwOpen--;
        if (r.name === 'GC mark assist' && this.assisting.delete(r.id) && this.runningGs.has(r.id)) this.assistRunning--;
        if (!begin) break;
        const ns = ev.time - begin.time;
        if (r.name.startsWith('stop-the-world')) this.f.pauses.push({ reason: r.name, ns, stack: frames(begin.table, stackId(begin)) });
        else if (r.name === 'GC concurrent mark phase') {
          this.f.gc.count++;
          this.f.gc.markNs += ns;
        } else if (r.name === 'GC mark assist') {
          this.f.gc.assistNs += ns;
          this.f.gc.assistStacks.push({ stack: frames(begin.table, stackId(begin)), ns });
        }
        break;
      }
      case Kind.StateTransition:
        this.transition(ev);
        break;
    }
  }

  /** Integrates the time some goroutine was runnable, and how much of it every P was busy. */
  private advanceClock(t: number) {
    const dt = this.at === 0 ? 0 : t - this.at;
    this.f.busyNs += dt * (this.runningGs.size - this.idleWorking.size);
    this.f.gc.assistRunningNs += dt * this.assistRunning;
    this.f.gc.workerRunningNs += dt * this.working.size;
    if (this.stwOpen > 0) this.stwSoFar += dt;
    else if (this.runnable > 0) {
      this.f.runnableNs += dt;
      if (this.f.gomaxprocs > 0 && this.runningPs.size >= this.f.gomaxprocs) this.f.runnableAllBusyNs += dt;
    }
    this.at = t;
  }

  private transition(ev: TraceEvent) {
    const st = transition(ev);
    if (st.resource === 'proc') {
      if (st.to === ProcState.Running) this.runningPs.add(st.id);
      else this.runningPs.delete(st.id);
      return;
    }
    const wasRunning = this.runningGs.has(st.id);
    const running = st.to === GoState.Running;
    if (running) this.runningGs.add(st.id);
    else {
      this.runningGs.delete(st.id);
      this.working.delete(st.id);
      this.idleWorking.delete(st.id);
    }
    if (wasRunning !== running && this.assisting.has(st.id)) this.assistRunning += running ? 1 : -1;
    if (st.stack !== null && (st.from === GoState.NotExist || st.from === GoState.Undetermined)) {
      const fs = frames(ev.table, st.stack);
      if (fs.length > 0 && isRuntimeFn(fs[fs.length - 1].func)) this.system.add(st.id);
    }
    const since = this.runnableSince.get(st.id);
    if (since !== undefined && st.to !== GoState.Runnable) {
      this.runnableSince.delete(st.id);
      this.runnable--;
      const paused = this.stwSoFar - (this.stwAtRunnable.get(st.id) ?? this.stwSoFar);
      this.stwAtRunnable.delete(st.id);
      if (st.to === GoState.Running && !this.system.has(st.id)) this.f.schedWaits.push(Math.max(0, ev.time - since - paused));
    }
    if (st.to === GoState.Runnable && since === undefined) {
      this.runnableSince.set(st.id, ev.time);
      this.stwAtRunnable.set(st.id, this.stwSoFar);
      this.runnable++;
    }
  }

  finish(): TraceFacts {
    this.f.durationNs = this.last - this.first;
    const util = this.utilization.finish();
    if (util) this.f.mmu = [1, 10, 100].map((windowMs) => ({ windowMs, util: minimumUtilization(util, windowMs * 1e6) }));
    const ok = (ms: number) => Number.isFinite(ms) && Math.abs(ms) < 8.64e15;
    if (this.wallOffset !== undefined && ok(this.first / 1e6 + this.wallOffset) && ok(this.last / 1e6 + this.wallOffset)) this.f.wall = { startMs: Math.round(this.first / 1e6 + this.wallOffset), endMs: Math.round(this.last / 1e6 + this.wallOffset) };
    return this.f;
  }
}
