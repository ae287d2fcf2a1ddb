// Minimum mutator utilization: over every window of a given length, the
// least share of the Ps left to the program by the GC. A port of Go's
// internal/trace/gc.go (MutatorUtilizationV2, MMUCurve.MMU) for the view go
// tool trace's MMU page opens with: the whole system, counting stop-the-world
// pauses, background mark workers and mark assists, not sweeping.
import { GoState, Kind, NoGoroutine, kindOf, metric, range, transition, type TraceEvent } from './event.js';
import { Ev } from './spec.js';

const executing = (s: number) => s === GoState.Running || s === GoState.Syscall;
const isGCSTW = (name: string) => name.startsWith('stop-the-world') && name.includes('GC');
const isMarkAssist = (name: string) => name === 'GC mark assist';

/** The utilization function: from times[i] on, the mean mutator utilization is utils[i]. */
export interface Utilization {
  times: number[];
  utils: number[];
}

export class MutatorUtilization {
  private times: number[] = [];
  private utils: number[] = [];
  /** Per P: > 0 while it does GC work. */
  private ps: number[] = [];
  private procs: { time: number; n: number }[] = [];
  private stw = 0;
  private nSync = 0;
  private inGC = new Set<number>();
  private bgMark = new Set<number>();
  private states = new Map<number, number>();
  private lastTime: number | undefined;

  event(ev: TraceEvent) {
    this.lastTime = ev.time;
    const kind = kindOf(ev);
    if (kind === Kind.Sync) this.nSync = ev.a0;
    else if (kind === Kind.Metric && ev.typ === Ev.ProcsChange) this.gomaxprocs(ev.time, metric(ev).value);
    if (this.ps.length === 0) return;

    switch (kind) {
      case Kind.RangeActive: {
        // After a whole generation, a range restated as active is old news.
        if (this.nSync > 1) break;
        const r = range(ev);
        if (isMarkAssist(r.name) && executing(this.states.get(ev.g) ?? GoState.Undetermined)) {
          // In an assist, and running, since before the trace began: take this P's share off all the time so far.
          let pi = 0;
          for (let mi = 0; mi < this.times.length; ) {
            if (pi < this.procs.length - 1 && this.procs[pi + 1].time < this.times[mi]) {
              pi++;
              continue;
            }
            this.utils[mi] = Math.max(0, this.utils[mi] - 1 / this.procs[pi].n);
            mi++;
          }
        }
        this.rangeBegin(ev);
        break;
      }
      case Kind.RangeBegin:
        this.rangeBegin(ev);
        break;
      case Kind.RangeEnd: {
        const r = range(ev);
        if (isGCSTW(r.name)) this.stw--;
        else if (isMarkAssist(r.name)) {
          this.gc(ev.p, -1);
          if (r.scope === 'goroutine' && r.id !== NoGoroutine) this.inGC.delete(r.id);
        }
        break;
      }
      case Kind.StateTransition: {
        const st = transition(ev);
        if (st.resource !== 'goroutine') break;
        if (this.inGC.has(st.id) || this.bgMark.has(st.id)) {
          if (!executing(st.from) && executing(st.to)) this.gc(ev.p, 1);
          else if (executing(st.from) && !executing(st.to)) this.gc(ev.p, -1);
        }
        this.states.set(st.id, st.to);
        break;
      }
      case Kind.Label: {
        const label = ev.table?.string(ev.a0) ?? '';
        if (label.startsWith('GC ') && label !== 'GC (idle)') {
          this.bgMark.add(ev.g);
          this.gc(ev.p, 1);
        }
        break;
      }
    }

    let gcPs = 0;
    if (this.stw > 0) gcPs = this.ps.length;
    else for (const n of this.ps) if (n > 0) gcPs++;
    this.add(ev.time, 1 - gcPs / this.ps.length);
  }

  /** The function so far, closed with 0 at the last event as Go closes it; null when GOMAXPROCS never showed. */
  finish(): Utilization | null {
    if (this.lastTime === undefined || this.times.length === 0) return null;
    this.add(this.lastTime, 0);
    return { times: this.times, utils: this.utils };
  }

  private gomaxprocs(time: number, n: number) {
    if (this.ps.length > n) this.ps.length = n;
    if (this.ps.length < n && this.times.length === 0) {
      this.times.push(time);
      this.utils.push(1);
    }
    while (this.ps.length < n) this.ps.push(0);
    if (this.procs.length === 0 || this.procs[this.procs.length - 1].n !== n) this.procs.push({ time, n });
  }

  private rangeBegin(ev: TraceEvent) {
    const r = range(ev);
    if (isGCSTW(r.name)) this.stw++;
    else if (isMarkAssist(r.name)) {
      this.gc(ev.p, 1);
      if (r.scope === 'goroutine' && r.id !== NoGoroutine) this.inGC.add(r.id);
    }
  }

  // Go indexes its Ps by the event's P and would stop on one it never sized for; here such an event counts for nothing.
  private gc(p: number, d: number) {
    if (p >= 0 && p < this.ps.length) this.ps[p] += d;
  }

  private add(time: number, util: number) {
    const n = this.times.length;
    if (n > 0) {
      if (util === this.utils[n - 1]) return;
      if (time === this.times[n - 1]) {
        // The lowest utilization at one time stamp.
        if (util < this.utils[n - 1]) this.utils[n - 1] = util;
        return;
      }
    }
    this.times.push(time);
    this.utils.push(util);
  }
}

/**
 * The minimum mutator utilization over windows of `windowNs` (clamped to the
 * whole trace). The windowed mean is piecewise linear, so its minimum is where
 * an edge of the window meets a change of utilization: only those are tried.
 */
export function minimumUtilization(u: Utilization, windowNs: number): number {
  const { times, utils } = u;
  const n = times.length;
  if (windowNs <= 0) return 0;
  const w = Math.min(windowNs, times[n - 1] - times[0]);
  if (w <= 0) return 1;
  // sums[j]: the integral of the utilization from times[0] to times[j], summed as Go sums it.
  const sums = new Float64Array(n);
  let sum = 0;
  for (let j = 1; j < n; j++) {
    sum += utils[j - 1] * (times[j] - times[j - 1]);
    sums[j] = sum;
  }
  const integrator = () => {
    let pos = 0;
    return (t: number) => {
      while (pos + 1 < n && times[pos + 1] <= t) pos++;
      return t === times[pos] ? sums[pos] : sums[pos] + utils[pos] * (t - times[pos]);
    };
  };
  const left = integrator();
  const right = integrator();
  const end = times[n - 1] - w;
  let mmu = 1;
  // Window starts in order: at each change (left edge) and each change less the window (right edge).
  let i = 0;
  let j = 0;
  for (;;) {
    const a = i < n ? times[i] : Infinity;
    const b = j < n ? times[j] - w : Infinity;
    let t = Math.min(a, b);
    if (t === Infinity) break;
    if (t === a) i++;
    if (t === b) j++;
    if (t < times[0]) continue;
    if (t > end) t = end;
    const mu = (right(t + w) - left(t)) / w;
    if (mu < mmu) mmu = mu;
    if (t === end) break;
  }
  return mmu;
}
