// A trace event as the reader hands it out, and what each kind means: the port
// of x/exp/trace's Event accessors (event.go, resources.go). Plain data plus
// pure functions over it; the text form is in format.ts.
import type { EvTable } from './generation.js';
import { Ev, EvSyncEvent, GoStatus, ProcStatus, experiments, specs } from './spec.js';

export const NoGoroutine = -1;
export const NoProc = -1;
export const NoThread = -1;
/** TaskID(^uint64(0)), kept as -1 and printed as Go prints it. */
export const NoTask = -1;

export interface BaseEvent {
  typ: number;
  time: number;
  /** Up to four arguments after the timestamp; the slots past an event's own carry what ordering adds. */
  args: number[];
}

/**
 * An event as the reader hands it out. Its arguments are four fields rather
 * than an array: a busy trace has millions of events, and one object each
 * instead of two halves what the garbage collector has to do.
 */
export interface TraceEvent {
  table: EvTable | null;
  /** The execution context: goroutine, proc and thread (-1 for none). */
  g: number;
  p: number;
  m: number;
  typ: number;
  time: number;
  a0: number;
  a1: number;
  a2: number;
  a3: number;
}

/** The i-th argument after the timestamp. */
export const arg = (e: TraceEvent, i: number): number => (i === 0 ? e.a0 : i === 1 ? e.a1 : i === 2 ? e.a2 : e.a3);

export const Kind = {
  Bad: 0,
  Sync: 1,
  Metric: 2,
  Label: 3,
  StackSample: 4,
  RangeBegin: 5,
  RangeActive: 6,
  RangeEnd: 7,
  TaskBegin: 8,
  TaskEnd: 9,
  RegionBegin: 10,
  RegionEnd: 11,
  Log: 12,
  StateTransition: 13,
  Experimental: 14,
} as const;
export const kindNames = ['Bad', 'Sync', 'Metric', 'Label', 'StackSample', 'RangeBegin', 'RangeActive', 'RangeEnd', 'TaskBegin', 'TaskEnd', 'RegionBegin', 'RegionEnd', 'Log', 'StateTransition', 'Experimental'];

const kinds = new Uint8Array(256);
for (const [t, k] of [
  [Ev.CPUSample, Kind.StackSample],
  [Ev.ProcsChange, Kind.Metric],
  [Ev.HeapAlloc, Kind.Metric],
  [Ev.HeapGoal, Kind.Metric],
  [Ev.STWBegin, Kind.RangeBegin],
  [Ev.STWEnd, Kind.RangeEnd],
  [Ev.GCActive, Kind.RangeActive],
  [Ev.GCBegin, Kind.RangeBegin],
  [Ev.GCEnd, Kind.RangeEnd],
  [Ev.GCSweepActive, Kind.RangeActive],
  [Ev.GCSweepBegin, Kind.RangeBegin],
  [Ev.GCSweepEnd, Kind.RangeEnd],
  [Ev.GCMarkAssistActive, Kind.RangeActive],
  [Ev.GCMarkAssistBegin, Kind.RangeBegin],
  [Ev.GCMarkAssistEnd, Kind.RangeEnd],
  [Ev.GoLabel, Kind.Label],
  [Ev.UserTaskBegin, Kind.TaskBegin],
  [Ev.UserTaskEnd, Kind.TaskEnd],
  [Ev.UserRegionBegin, Kind.RegionBegin],
  [Ev.UserRegionEnd, Kind.RegionEnd],
  [Ev.UserLog, Kind.Log],
  [EvSyncEvent, Kind.Sync],
] as const)
  kinds[t] = k;
for (const t of [
  Ev.ProcStart, Ev.ProcStop, Ev.ProcSteal, Ev.ProcStatus, Ev.GoCreate, Ev.GoCreateSyscall, Ev.GoStart, Ev.GoDestroy,
  Ev.GoDestroySyscall, Ev.GoStop, Ev.GoBlock, Ev.GoUnblock, Ev.GoSyscallBegin, Ev.GoSyscallEnd, Ev.GoSyscallEndBlocked,
  Ev.GoStatus, Ev.GoSwitch, Ev.GoSwitchDestroy, Ev.GoCreateBlocked, Ev.GoStatusStack,
])
  kinds[t] = Kind.StateTransition;
for (let t = Ev.Span; t <= Ev.GoroutineStackFree; t++) kinds[t] = Kind.Experimental;

export const kindOf = (e: { typ: number }) => kinds[e.typ];

// Reader-level states (GoState, ProcState), which differ from the runtime's statuses.
export const GoState = { Undetermined: 0, NotExist: 1, Runnable: 2, Running: 3, Waiting: 4, Syscall: 5 } as const;
export const ProcState = { Undetermined: 0, NotExist: 1, Running: 2, Idle: 3 } as const;
export const goStateNames = ['Undetermined', 'NotExist', 'Runnable', 'Running', 'Waiting', 'Syscall'];
export const procStateNames = ['Undetermined', 'NotExist', 'Running', 'Idle'];
/** tracev2GoStatus2GoState, tracev2ProcStatus2ProcState. */
export const goStatusToState = [GoState.Undetermined, GoState.Runnable, GoState.Running, GoState.Syscall, GoState.Waiting];
export const procStatusToState = [ProcState.Undetermined, ProcState.Running, ProcState.Idle, ProcState.Running, ProcState.Idle];

/** The main stack of an event (0 for none). */
export function stackId(e: TraceEvent): number {
  if (e.typ === EvSyncEvent) return 0;
  if (e.typ === Ev.CPUSample) return e.a0;
  const ids = specs[e.typ].stackIds;
  return ids.length === 0 ? 0 : arg(e, ids[0] - 1);
}

export interface Transition {
  resource: 'goroutine' | 'proc';
  id: number;
  from: number;
  to: number;
  reason: string;
  /** null: no stack; a number (0 included) is a stack id, as Go keeps a present but empty stack apart. */
  stack: number | null;
}

export function transition(e: TraceEvent): Transition {
  const str = (id: number) => e.table?.string(id) ?? '';
  const go = (id: number, from: number, to: number, reason = '', stack: number | null = null): Transition => ({ resource: 'goroutine', id, from, to, reason, stack });
  const proc = (id: number, from: number, to: number): Transition => ({ resource: 'proc', id, from, to, reason: '', stack: null });
  const own = () => stackId(e) || null;
  switch (e.typ) {
    case Ev.ProcStart:
      return proc(e.a0, ProcState.Idle, ProcState.Running);
    case Ev.ProcStop:
      return proc(e.p, ProcState.Running, ProcState.Idle);
    case Ev.ProcSteal:
      return proc(e.a0, e.a3 === ProcStatus.SyscallAbandoned ? ProcState.Idle : ProcState.Running, ProcState.Idle);
    case Ev.ProcStatus:
      return proc(e.a0, e.a2, procStatusToState[e.a1]);
    case Ev.GoCreate:
    case Ev.GoCreateBlocked:
      return go(e.a0, GoState.NotExist, e.typ === Ev.GoCreateBlocked ? GoState.Waiting : GoState.Runnable, '', e.a1);
    case Ev.GoCreateSyscall:
      return go(e.a0, GoState.NotExist, GoState.Syscall);
    case Ev.GoStart:
      return go(e.a0, GoState.Runnable, GoState.Running);
    case Ev.GoDestroy:
      return go(e.g, GoState.Running, GoState.NotExist);
    case Ev.GoDestroySyscall:
      return go(e.g, GoState.Syscall, GoState.NotExist);
    case Ev.GoStop:
      return go(e.g, GoState.Running, GoState.Runnable, str(e.a0), own());
    case Ev.GoBlock:
      return go(e.g, GoState.Running, GoState.Waiting, str(e.a0), own());
    case Ev.GoUnblock:
    case Ev.GoSwitch:
    case Ev.GoSwitchDestroy:
      return go(e.a0, GoState.Waiting, GoState.Runnable);
    case Ev.GoSyscallBegin:
      return go(e.g, GoState.Running, GoState.Syscall, '', own());
    case Ev.GoSyscallEnd:
      return go(e.g, GoState.Syscall, GoState.Running);
    case Ev.GoSyscallEndBlocked:
      return go(e.g, GoState.Syscall, GoState.Runnable);
    case Ev.GoStatus:
    case Ev.GoStatusStack: {
      // ordering packs the state before the transition into the high bits.
      const packed = e.a2;
      return go(e.a0, Math.floor(packed / 2 ** 32), goStatusToState[packed % 2 ** 32], '', own());
    }
  }
  throw new Error(`transition of a non-transition event type ${e.typ}`);
}

export interface Range {
  name: string;
  scope: 'none' | 'goroutine' | 'proc';
  id: number;
}

export function range(e: TraceEvent): Range {
  switch (e.typ) {
    case Ev.STWBegin:
    case Ev.STWEnd:
      return { name: `stop-the-world (${e.table?.string(e.a0) ?? ''})`, scope: 'goroutine', id: e.g };
    case Ev.GCBegin:
    case Ev.GCActive:
    case Ev.GCEnd:
      return { name: 'GC concurrent mark phase', scope: 'none', id: 0 };
    case Ev.GCSweepBegin:
    case Ev.GCSweepActive:
    case Ev.GCSweepEnd:
      return { name: 'GC incremental sweep', scope: 'proc', id: e.typ === Ev.GCSweepActive ? e.a0 : e.p };
    case Ev.GCMarkAssistBegin:
    case Ev.GCMarkAssistActive:
    case Ev.GCMarkAssistEnd:
      return { name: 'GC mark assist', scope: 'goroutine', id: e.typ === Ev.GCMarkAssistActive ? e.a0 : e.g };
  }
  throw new Error(`range of a non-range event type ${e.typ}`);
}

/** A range in progress is known by its name and the resource it is scoped to. */
export const rangeKey = (r: Range) => `${r.name}\0${r.scope}\0${r.id}`;

export function metric(e: TraceEvent): { name: string; value: number } {
  if (e.typ === Ev.ProcsChange) return { name: '/sched/gomaxprocs:threads', value: e.a0 };
  if (e.typ === Ev.HeapAlloc) return { name: '/memory/classes/heap/objects:bytes', value: e.a0 };
  return { name: '/gc/heap/goal:bytes', value: e.a0 };
}

export function task(e: TraceEvent): { id: number; parent: number; type: string } {
  if (e.typ === Ev.UserTaskBegin) return { id: e.a0, parent: e.a1, type: e.table?.string(e.a2) ?? '' };
  return { id: e.a0, parent: e.a2, type: e.table?.extraString(e.a3) ?? '' };
}

export const region = (e: TraceEvent) => ({ task: e.a0, type: e.table?.string(e.a1) ?? '' });
export const log = (e: TraceEvent) => ({ task: e.a0, category: e.table?.string(e.a1) ?? '', message: e.table?.string(e.a2) ?? '' });

export function experimental(e: TraceEvent) {
  const spec = specs[e.typ];
  const args = spec.args.slice(1);
  return { name: spec.name, experiment: experiments[spec.experiment], args, values: args.map((_, i) => arg(e, i)) };
}

export interface StackFrame {
  pc: number;
  func: string;
  file: string;
  line: number;
}

export function frames(table: EvTable | null, id: number): StackFrame[] {
  if (!table || id === 0) return [];
  const pcs = table.stack(id) ?? [];
  return pcs.map((pc) => {
    const f = table.pcs.get(pc)!;
    return { pc: f.pc, func: table.string(f.funcId) ?? '', file: table.string(f.fileId) ?? '', line: f.line };
  });
}
