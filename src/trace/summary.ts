// Per-goroutine, per-region and per-task times, as Go's internal/trace
// Summarizer computes them (summary.go) for `go tool trace`'s goroutine and
// user-annotation pages: execution, scheduler wait, block time by reason,
// syscall time. Fed one event at a time, so a trace never sits in memory whole.
import { GoState, Kind, NoTask, frames, rangeKey, kindOf, log, range, region, task, transition, type TraceEvent } from './event.js';
import { ProcState } from './event.js';

export interface ExecStats {
  execTime: number;
  schedWaitTime: number;
  blockTimeByReason: Map<string, number>;
  syscallTime: number;
  syscallBlockTime: number;
  totalTime: number;
  rangeTime: Map<string, number>;
}

const newStats = (): ExecStats => ({ execTime: 0, schedWaitTime: 0, blockTimeByReason: new Map(), syscallTime: 0, syscallBlockTime: 0, totalTime: 0, rangeTime: new Map() });
const add = (m: Map<string, number>, k: string, v: number) => m.set(k, (m.get(k) ?? 0) + v);
const clone = (s: ExecStats): ExecStats => ({ ...s, blockTimeByReason: new Map(s.blockTimeByReason), rangeTime: new Map(s.rangeTime) });

function sub(s: ExecStats, v: ExecStats): ExecStats {
  const r = clone(s);
  r.execTime -= v.execTime;
  r.schedWaitTime -= v.schedWaitTime;
  for (const k of s.blockTimeByReason.keys()) add(r.blockTimeByReason, k, -(v.blockTimeByReason.get(k) ?? 0));
  r.syscallTime -= v.syscallTime;
  r.syscallBlockTime -= v.syscallBlockTime;
  r.totalTime -= v.totalTime;
  for (const k of s.rangeTime.keys()) add(r.rangeTime, k, -(v.rangeTime.get(k) ?? 0));
  return r;
}

/** Time not accounted for by any state (UnknownTime). */
export function unknownTime(s: ExecStats): number {
  let sum = s.execTime + s.schedWaitTime + s.syscallTime + s.syscallBlockTime;
  for (const v of s.blockTimeByReason.values()) sum += v;
  return sum < s.totalTime ? s.totalTime - sum : 0;
}

export interface RegionSummary {
  taskId: number;
  name: string;
  start: TraceEvent | null;
  end: TraceEvent | null;
  stats: ExecStats;
}

export interface GoroutineSummary {
  id: number;
  /** The goroutine's start function, "" where no stack named it. */
  name: string;
  pc: number;
  /** Where the start function is. */
  file: string;
  line: number;
  creationTime: number;
  /** First time it ran; 0 if it never ran. */
  startTime: number;
  /** When it exited; 0 if it never did. */
  endTime: number;
  regions: RegionSummary[];
  stats: ExecStats;
}

export interface TaskSummary {
  id: number;
  name: string;
  parent: TaskSummary | null;
  children: TaskSummary[];
  start: TraceEvent | null;
  end: TraceEvent | null;
  logs: TraceEvent[];
  regions: RegionSummary[];
  goroutines: Map<number, GoroutineSummary | undefined>;
}

export interface Summary {
  goroutines: Map<number, GoroutineSummary>;
  tasks: Map<number, TaskSummary>;
  /** The first and last event times. */
  startTime: number;
  endTime: number;
}

interface Pending {
  lastStartTime: number;
  lastRunnableTime: number;
  lastBlockTime: number;
  lastBlockReason: string;
  lastSyscallTime: number;
  lastSyscallBlockTime: number;
  lastRangeTime: Map<string, number>;
  activeRegions: RegionSummary[];
}
const newPending = (): Pending => ({ lastStartTime: 0, lastRunnableTime: 0, lastBlockTime: 0, lastBlockReason: '', lastSyscallTime: 0, lastSyscallBlockTime: 0, lastRangeTime: new Map(), activeRegions: [] });

type G = GoroutineSummary & { pending: Pending | null };

/** runtime goroutines other than main: never part of user regions. */
export const isSystemGoroutine = (fn: string) => fn === '' || (fn !== 'runtime.main' && fn.startsWith('runtime.'));

function snapshot(g: G, lastTs: number): ExecStats {
  const ret = clone(g.stats);
  const p = g.pending;
  if (!p) return ret;
  if (g.stats.totalTime === 0) ret.totalTime = lastTs - g.creationTime;
  if (p.lastStartTime !== 0) ret.execTime += lastTs - p.lastStartTime;
  if (p.lastRunnableTime !== 0) ret.schedWaitTime += lastTs - p.lastRunnableTime;
  if (p.lastBlockTime !== 0) add(ret.blockTimeByReason, p.lastBlockReason, lastTs - p.lastBlockTime);
  if (p.lastSyscallTime !== 0) ret.syscallTime += lastTs - p.lastSyscallTime;
  if (p.lastSyscallBlockTime !== 0) ret.schedWaitTime += lastTs - p.lastSyscallBlockTime;
  for (const [name, ts] of p.lastRangeTime) add(ret.rangeTime, name, lastTs - ts);
  return ret;
}

function finalize(g: G, lastTs: number, trigger: TraceEvent | null) {
  if (trigger) g.endTime = trigger.time;
  const final = snapshot(g, lastTs);
  g.stats = final;
  if (!isSystemGoroutine(g.name) && g.pending) {
    for (const s of g.pending.activeRegions) {
      s.end = trigger;
      s.stats = sub(final, s.stats);
      g.regions.push(s);
    }
  }
  g.pending = newPending();
}

export class Summarizer {
  private gs = new Map<number, G>();
  private tasks = new Map<number, TaskSummary>();
  private syscallingP = new Map<number, number>();
  private syscallingG = new Map<number, number>();
  private rangesP = new Map<string, number>();
  private firstTs = 0;
  private lastTs = 0;
  private syncTs = 0;

  private newG(id: number, creationTime: number): G {
    const g: G = { id, name: '', pc: 0, file: '', line: 0, creationTime, startTime: 0, endTime: 0, regions: [], stats: newStats(), pending: newPending() };
    this.gs.set(id, g);
    return g;
  }

  private task(id: number): TaskSummary {
    let t = this.tasks.get(id);
    if (!t) this.tasks.set(id, (t = { id, name: '', parent: null, children: [], start: null, end: null, logs: [], regions: [], goroutines: new Map() }));
    return t;
  }

  event(ev: TraceEvent) {
    if (this.syncTs === 0) this.syncTs = ev.time;
    if (this.firstTs === 0) this.firstTs = ev.time;
    this.lastTs = ev.time;
    switch (kindOf(ev)) {
      case Kind.Sync:
        this.syncTs = ev.time;
        break;
      case Kind.StateTransition:
        this.transition(ev);
        break;
      case Kind.RangeBegin:
      case Kind.RangeActive: {
        const r = range(ev);
        let g: G | undefined;
        if (r.scope === 'goroutine') g = this.gs.get(r.id);
        else if (r.scope === 'proc') {
          g = this.gs.get(ev.g);
          if (g) this.rangesP.set(rangeKey(r), ev.g);
        }
        if (!g?.pending) break;
        const p = g.pending;
        if (kindOf(ev) === Kind.RangeActive) {
          const ts = p.lastRangeTime.get(r.name) ?? 0;
          if (ts !== 0) add(g.stats.rangeTime, r.name, this.syncTs - ts);
          p.lastRangeTime.set(r.name, this.syncTs);
        } else p.lastRangeTime.set(r.name, ev.time);
        break;
      }
      case Kind.RangeEnd: {
        const r = range(ev);
        let g: G | undefined;
        if (r.scope === 'goroutine') g = this.gs.get(r.id);
        else if (r.scope === 'proc') {
          const key = rangeKey(r);
          const goid = this.rangesP.get(key);
          if (goid !== undefined) {
            if (goid === ev.g) g = this.gs.get(goid);
            this.rangesP.delete(key);
          }
        }
        if (!g?.pending) break;
        const ts = g.pending.lastRangeTime.get(r.name) ?? 0;
        if (ts === 0) break;
        add(g.stats.rangeTime, r.name, ev.time - ts);
        g.pending.lastRangeTime.delete(r.name);
        break;
      }
      case Kind.RegionBegin: {
        const g = this.gs.get(ev.g);
        if (!g?.pending) break;
        const r = region(ev);
        const s: RegionSummary = { name: r.type, taskId: r.task, start: ev, end: null, stats: snapshot(g, ev.time) };
        g.pending.activeRegions.push(s);
        const t = this.task(r.task);
        t.regions.push(s);
        t.goroutines.set(g.id, g);
        break;
      }
      case Kind.RegionEnd: {
        const g = this.gs.get(ev.g);
        if (!g?.pending) break;
        const r = region(ev);
        let s = g.pending.activeRegions.pop();
        if (!s) {
          s = { name: r.type, taskId: r.task, start: null, end: null, stats: newStats() };
          const t = this.task(r.task);
          t.goroutines.set(g.id, g);
          t.regions.push(s);
        }
        s.stats = sub(snapshot(g, ev.time), s.stats);
        s.end = ev;
        g.regions.push(s);
        break;
      }
      case Kind.TaskBegin:
      case Kind.TaskEnd: {
        const info = task(ev);
        const t = this.task(info.id);
        t.name = info.type;
        t.goroutines.set(ev.g, this.gs.get(ev.g));
        if (kindOf(ev) === Kind.TaskBegin) t.start = ev;
        else t.end = ev;
        if (info.parent !== NoTask && !t.parent) {
          const parent = this.task(info.parent);
          t.parent = parent;
          parent.children.push(t);
        }
        break;
      }
      case Kind.Log: {
        const t = this.task(log(ev).task);
        t.goroutines.set(ev.g, this.gs.get(ev.g));
        t.logs.push(ev);
        break;
      }
    }
  }

  private transition(ev: TraceEvent) {
    const st = transition(ev);
    if (st.resource === 'proc') {
      if (st.from !== st.to && st.to === ProcState.Idle) {
        const goid = this.syscallingP.get(st.id);
        if (goid !== undefined) {
          const g = this.gs.get(goid);
          if (g?.pending) g.pending.lastSyscallBlockTime = ev.time;
          this.syscallingP.delete(st.id);
        }
      }
      return;
    }
    const { id, from, to } = st;
    if (from === to) return;
    let g = this.gs.get(id);
    const t = ev.time;
    if (from === GoState.Undetermined) {
      g = this.newG(id, this.syncTs);
      const stateTime = t - this.syncTs;
      if (to === GoState.Running) g.stats.execTime += stateTime;
      else if (to === GoState.Waiting) add(g.stats.blockTimeByReason, st.reason, stateTime);
      else if (to === GoState.Runnable) g.stats.schedWaitTime += stateTime;
      else if (to === GoState.Syscall) {
        if (ev.p === -1) g.stats.syscallBlockTime += stateTime;
        else g.stats.syscallTime += stateTime;
      }
    } else if (from === GoState.NotExist) {
      g = this.newG(id, t);
      const creator = this.gs.get(ev.g);
      const regions = creator?.pending?.activeRegions;
      if (regions && regions.length > 0) g.pending!.activeRegions = [{ taskId: regions[regions.length - 1].taskId, name: '', start: ev, end: null, stats: newStats() }];
    }
    if (!g) return; // Go would dereference nil here; ordering never lets it happen.
    const p = (g.pending ??= newPending());
    if (from === GoState.Running) {
      g.stats.execTime += t - p.lastStartTime;
      p.lastStartTime = 0;
    } else if (from === GoState.Waiting) {
      if (p.lastBlockTime !== 0) {
        add(g.stats.blockTimeByReason, p.lastBlockReason, t - p.lastBlockTime);
        p.lastBlockTime = 0;
      }
    } else if (from === GoState.Runnable) {
      if (p.lastRunnableTime !== 0) {
        g.stats.schedWaitTime += t - p.lastRunnableTime;
        p.lastRunnableTime = 0;
      }
    } else if (from === GoState.Syscall) {
      if (p.lastSyscallTime !== 0) {
        if (p.lastSyscallBlockTime !== 0) {
          g.stats.syscallBlockTime += t - p.lastSyscallBlockTime;
          g.stats.syscallTime += p.lastSyscallBlockTime - p.lastSyscallTime;
        } else g.stats.syscallTime += t - p.lastSyscallTime;
        p.lastSyscallTime = 0;
        p.lastSyscallBlockTime = 0;
        this.syscallingP.delete(this.syscallingG.get(id)!);
        this.syscallingG.delete(id);
      }
    }
    if (g.name === '' && st.stack !== null) {
      // The goroutine's start function is the outermost frame of the first stack seen.
      for (const f of frames(ev.table, st.stack)) {
        g.pc = f.pc;
        g.name = f.func;
        g.file = f.file;
        g.line = f.line;
      }
    }
    if (to === GoState.Running) {
      p.lastStartTime = t;
      if (g.startTime === 0) g.startTime = t;
    } else if (to === GoState.Runnable) p.lastRunnableTime = t;
    else if (to === GoState.Waiting && st.reason !== 'forever') {
      p.lastBlockTime = t;
      p.lastBlockReason = st.reason;
    } else if (to === GoState.Waiting || to === GoState.NotExist) finalize(g, t, ev);
    else if (to === GoState.Syscall) {
      this.syscallingP.set(ev.p, id);
      this.syscallingG.set(id, ev.p);
      p.lastSyscallTime = t;
    }
  }

  finish(): Summary {
    for (const g of this.gs.values()) {
      finalize(g, this.lastTs, null);
      g.regions.sort((a, b) => (a.start === null ? (b.start === null ? 0 : -1) : b.start === null ? 1 : a.start.time - b.start.time));
      g.pending = null;
    }
    return { goroutines: this.gs, tasks: this.tasks, startTime: this.firstTs, endTime: this.lastTs };
  }
}
