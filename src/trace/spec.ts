// The wire format of Go execution traces from go1.22 on: event types and what
// each carries. A port of golang.org/x/exp/trace/internal/tracev2 (events.go,
// spec.go) and internal/version; the numbers are the format's, not ours.

export const Ev = {
  None: 0,
  EventBatch: 1,
  Stacks: 2,
  Stack: 3,
  Strings: 4,
  String: 5,
  CPUSamples: 6,
  CPUSample: 7,
  Frequency: 8,
  ProcsChange: 9,
  ProcStart: 10,
  ProcStop: 11,
  ProcSteal: 12,
  ProcStatus: 13,
  GoCreate: 14,
  GoCreateSyscall: 15,
  GoStart: 16,
  GoDestroy: 17,
  GoDestroySyscall: 18,
  GoStop: 19,
  GoBlock: 20,
  GoUnblock: 21,
  GoSyscallBegin: 22,
  GoSyscallEnd: 23,
  GoSyscallEndBlocked: 24,
  GoStatus: 25,
  STWBegin: 26,
  STWEnd: 27,
  GCActive: 28,
  GCBegin: 29,
  GCEnd: 30,
  GCSweepActive: 31,
  GCSweepBegin: 32,
  GCSweepEnd: 33,
  GCMarkAssistActive: 34,
  GCMarkAssistBegin: 35,
  GCMarkAssistEnd: 36,
  HeapAlloc: 37,
  HeapGoal: 38,
  GoLabel: 39,
  UserTaskBegin: 40,
  UserTaskEnd: 41,
  UserRegionBegin: 42,
  UserRegionEnd: 43,
  UserLog: 44,
  GoSwitch: 45,
  GoSwitchDestroy: 46,
  GoCreateBlocked: 47,
  GoStatusStack: 48,
  ExperimentalBatch: 49,
  Sync: 50,
  ClockSnapshot: 51,
  EndOfGeneration: 52,
  // Experimental (AllocFree), after MaxEvent = 127.
  Span: 128,
  SpanAlloc: 129,
  SpanFree: 130,
  HeapObject: 131,
  HeapObjectAlloc: 132,
  HeapObjectFree: 133,
  GoroutineStack: 134,
  GoroutineStackAlloc: 135,
  GoroutineStackFree: 136,
} as const;

/** Not a wire type: the reader's own Sync events. */
export const EvSyncEvent = 255;

export interface EventSpec {
  name: string;
  args: string[];
  stringIds: number[];
  stackIds: number[];
  startEv: number;
  timed: boolean;
  experiment: number;
}

const NUM_SPECS = 137; // MaxExperimentalEvent
const blank = (): EventSpec => ({ name: '', args: [], stringIds: [], stackIds: [], startEv: 0, timed: false, experiment: 0 });

function timed(name: string, args: string[], o: Partial<EventSpec> = {}): EventSpec {
  return { ...blank(), name, args: ['dt', ...args], timed: true, ...o };
}

export const specs: EventSpec[] = Array.from({ length: NUM_SPECS }, blank);
const def = (t: number, s: EventSpec) => (specs[t] = s);
def(Ev.EventBatch, { ...blank(), name: 'EventBatch', args: ['gen', 'm', 'time', 'size'] });
def(Ev.Stacks, { ...blank(), name: 'Stacks' });
def(Ev.Stack, { ...blank(), name: 'Stack', args: ['id', 'nframes'] });
def(Ev.Strings, { ...blank(), name: 'Strings' });
def(Ev.String, { ...blank(), name: 'String', args: ['id'] });
def(Ev.CPUSamples, { ...blank(), name: 'CPUSamples' });
def(Ev.CPUSample, { ...blank(), name: 'CPUSample', args: ['time', 'm', 'p', 'g', 'stack'], stackIds: [4] });
def(Ev.Frequency, { ...blank(), name: 'Frequency', args: ['freq'] });
def(Ev.ExperimentalBatch, { ...blank(), name: 'ExperimentalBatch', args: ['exp', 'gen', 'm', 'time'] });
def(Ev.Sync, { ...blank(), name: 'Sync' });
def(Ev.EndOfGeneration, { ...blank(), name: 'EndOfGeneration' });
def(Ev.ProcsChange, timed('ProcsChange', ['procs_value', 'stack'], { stackIds: [2] }));
def(Ev.ProcStart, timed('ProcStart', ['p', 'p_seq']));
def(Ev.ProcStop, timed('ProcStop', []));
def(Ev.ProcSteal, timed('ProcSteal', ['p', 'p_seq', 'm']));
def(Ev.ProcStatus, timed('ProcStatus', ['p', 'pstatus']));
def(Ev.GoCreate, timed('GoCreate', ['new_g', 'new_stack', 'stack'], { stackIds: [3, 2] }));
def(Ev.GoCreateSyscall, timed('GoCreateSyscall', ['new_g']));
def(Ev.GoStart, timed('GoStart', ['g', 'g_seq']));
def(Ev.GoDestroy, timed('GoDestroy', []));
def(Ev.GoDestroySyscall, timed('GoDestroySyscall', []));
def(Ev.GoStop, timed('GoStop', ['reason_string', 'stack'], { stackIds: [2], stringIds: [1] }));
def(Ev.GoBlock, timed('GoBlock', ['reason_string', 'stack'], { stackIds: [2], stringIds: [1] }));
def(Ev.GoUnblock, timed('GoUnblock', ['g', 'g_seq', 'stack'], { stackIds: [3] }));
def(Ev.GoSyscallBegin, timed('GoSyscallBegin', ['p_seq', 'stack'], { stackIds: [2] }));
def(Ev.GoSyscallEnd, timed('GoSyscallEnd', [], { startEv: Ev.GoSyscallBegin }));
def(Ev.GoSyscallEndBlocked, timed('GoSyscallEndBlocked', [], { startEv: Ev.GoSyscallBegin }));
def(Ev.GoStatus, timed('GoStatus', ['g', 'm', 'gstatus']));
def(Ev.STWBegin, timed('STWBegin', ['kind_string', 'stack'], { stackIds: [2], stringIds: [1] }));
def(Ev.STWEnd, timed('STWEnd', [], { startEv: Ev.STWBegin }));
def(Ev.GCActive, timed('GCActive', ['gc_seq'], { startEv: Ev.GCBegin }));
def(Ev.GCBegin, timed('GCBegin', ['gc_seq', 'stack'], { stackIds: [2] }));
def(Ev.GCEnd, timed('GCEnd', ['gc_seq'], { startEv: Ev.GCBegin }));
def(Ev.GCSweepActive, timed('GCSweepActive', ['p'], { startEv: Ev.GCSweepBegin }));
def(Ev.GCSweepBegin, timed('GCSweepBegin', ['stack'], { stackIds: [1] }));
def(Ev.GCSweepEnd, timed('GCSweepEnd', ['swept_value', 'reclaimed_value'], { startEv: Ev.GCSweepBegin }));
def(Ev.GCMarkAssistActive, timed('GCMarkAssistActive', ['g'], { startEv: Ev.GCMarkAssistBegin }));
def(Ev.GCMarkAssistBegin, timed('GCMarkAssistBegin', ['stack'], { stackIds: [1] }));
def(Ev.GCMarkAssistEnd, timed('GCMarkAssistEnd', [], { startEv: Ev.GCMarkAssistBegin }));
def(Ev.HeapAlloc, timed('HeapAlloc', ['heapalloc_value']));
def(Ev.HeapGoal, timed('HeapGoal', ['heapgoal_value']));
def(Ev.GoLabel, timed('GoLabel', ['label_string'], { stringIds: [1] }));
def(Ev.UserTaskBegin, timed('UserTaskBegin', ['task', 'parent_task', 'name_string', 'stack'], { stackIds: [4], stringIds: [3] }));
def(Ev.UserTaskEnd, timed('UserTaskEnd', ['task', 'stack'], { stackIds: [2] }));
def(Ev.UserRegionBegin, timed('UserRegionBegin', ['task', 'name_string', 'stack'], { stackIds: [3], stringIds: [2] }));
def(Ev.UserRegionEnd, timed('UserRegionEnd', ['task', 'name_string', 'stack'], { startEv: Ev.UserRegionBegin, stackIds: [3], stringIds: [2] }));
def(Ev.UserLog, timed('UserLog', ['task', 'key_string', 'value_string', 'stack'], { stackIds: [4], stringIds: [2, 3] }));
def(Ev.GoSwitch, timed('GoSwitch', ['g', 'g_seq']));
def(Ev.GoSwitchDestroy, timed('GoSwitchDestroy', ['g', 'g_seq']));
def(Ev.GoCreateBlocked, timed('GoCreateBlocked', ['new_g', 'new_stack', 'stack'], { stackIds: [3, 2] }));
def(Ev.GoStatusStack, timed('GoStatusStack', ['g', 'm', 'gstatus', 'stack'], { stackIds: [4] }));
def(Ev.ClockSnapshot, timed('ClockSnapshot', ['mono', 'sec', 'nsec']));
const allocFree = { experiment: 1 };
def(Ev.Span, timed('Span', ['id', 'npages_value', 'kindclass'], allocFree));
def(Ev.SpanAlloc, timed('SpanAlloc', ['id', 'npages_value', 'kindclass'], allocFree));
def(Ev.SpanFree, timed('SpanFree', ['id'], allocFree));
def(Ev.HeapObject, timed('HeapObject', ['id', 'type'], allocFree));
def(Ev.HeapObjectAlloc, timed('HeapObjectAlloc', ['id', 'type'], allocFree));
def(Ev.HeapObjectFree, timed('HeapObjectFree', ['id'], allocFree));
def(Ev.GoroutineStack, timed('GoroutineStack', ['id', 'order'], allocFree));
def(Ev.GoroutineStackAlloc, timed('GoroutineStackAlloc', ['id', 'order'], allocFree));
def(Ev.GoroutineStackFree, timed('GoroutineStackFree', ['id'], allocFree));

export const experiments = ['None', 'AllocFree'];

/** Format versions this reader takes: the NN of "go 1.NN trace". */
export const V = { Go111: 11, Go119: 19, Go121: 21, Go122: 22, Go123: 23, Go125: 25, Go126: 26 } as const;
export const newFormats: readonly number[] = [V.Go122, V.Go123, V.Go125, V.Go126];
export const oldFormats: readonly number[] = [V.Go111, V.Go119, V.Go121];

/** How many of the specs a version knows: later types are invalid in its traces' error messages. */
function specCount(v: number): number {
  if (v === V.Go122) return Ev.UserLog + 1;
  if (v === V.Go123) return Ev.ExperimentalBatch + 1;
  if (v === V.Go125) return Ev.ClockSnapshot + 1;
  return NUM_SPECS;
}

export function eventName(v: number, typ: number): string {
  if (typ < specCount(v) && specs[typ].name !== '') return specs[typ].name;
  return `Invalid(${typ})`;
}

// Max sizes the runtime writes; larger means a broken trace.
export const MaxBatchSize = 64 << 10;
export const MaxFramesPerStack = 128;
export const MaxEventTrailerDataSize = 1 << 10;

// Runtime statuses (tracev2.GoStatus, ProcStatus).
export const GoStatus = { Bad: 0, Runnable: 1, Running: 2, Syscall: 3, Waiting: 4 } as const;
export const ProcStatus = { Bad: 0, Running: 1, Idle: 2, Syscall: 3, SyscallAbandoned: 4 } as const;
export const goStatusName = (s: number) => ['Bad', 'Runnable', 'Running', 'Syscall', 'Waiting'][s] ?? 'Bad';
export const procStatusName = (s: number) => (s >= 1 && s <= 3 ? ['', 'Running', 'Idle', 'Syscall'][s] : 'Bad');
