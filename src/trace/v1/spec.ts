// The old trace format (Go 1.11 to 1.21): its event types and what each
// carries. A port of x/exp/trace/internal/tracev1's EventType constants and
// EventDescriptions; the numbers are the format's.

export const Ev1 = {
  None: 0,
  Batch: 1,
  Frequency: 2,
  Stack: 3,
  Gomaxprocs: 4,
  ProcStart: 5,
  ProcStop: 6,
  GCStart: 7,
  GCDone: 8,
  STWStart: 9,
  STWDone: 10,
  GCSweepStart: 11,
  GCSweepDone: 12,
  GoCreate: 13,
  GoStart: 14,
  GoEnd: 15,
  GoStop: 16,
  GoSched: 17,
  GoPreempt: 18,
  GoSleep: 19,
  GoBlock: 20,
  GoUnblock: 21,
  GoBlockSend: 22,
  GoBlockRecv: 23,
  GoBlockSelect: 24,
  GoBlockSync: 25,
  GoBlockCond: 26,
  GoBlockNet: 27,
  GoSysCall: 28,
  GoSysExit: 29,
  GoSysBlock: 30,
  GoWaiting: 31,
  GoInSyscall: 32,
  HeapAlloc: 33,
  HeapGoal: 34,
  TimerGoroutine: 35,
  FutileWakeup: 36,
  String: 37,
  GoStartLocal: 38,
  GoUnblockLocal: 39,
  GoSysExitLocal: 40,
  GoStartLabel: 41,
  GoBlockGC: 42,
  GCMarkAssistStart: 43,
  GCMarkAssistDone: 44,
  UserTaskCreate: 45,
  UserTaskEnd: 46,
  UserRegion: 47,
  UserLog: 48,
  CPUSample: 49,
  Count: 50,
} as const;

export interface Desc {
  name: string;
  minVersion: number;
  stack: boolean;
  args: string[];
}

const d = (name: string, minVersion: number, stack: boolean, args: string[]): Desc => ({ name, minVersion, stack, args });

/** EventDescriptions, indexed by type. */
export const descs: Desc[] = [
  d('None', 5, false, []),
  d('Batch', 5, false, ['p', 'ticks']),
  d('Frequency', 5, false, ['freq']),
  d('Stack', 5, false, ['id', 'siz']),
  d('Gomaxprocs', 5, true, ['procs']),
  d('ProcStart', 5, false, ['thread']),
  d('ProcStop', 5, false, []),
  d('GCStart', 5, true, ['seq']),
  d('GCDone', 5, false, []),
  d('GCSTWStart', 5, false, ['kindid']),
  d('GCSTWDone', 5, false, []),
  d('GCSweepStart', 5, true, []),
  d('GCSweepDone', 5, false, ['swept', 'reclaimed']),
  d('GoCreate', 5, true, ['g', 'stack']),
  d('GoStart', 5, false, ['g', 'seq']),
  d('GoEnd', 5, false, []),
  d('GoStop', 5, true, []),
  d('GoSched', 5, true, []),
  d('GoPreempt', 5, true, []),
  d('GoSleep', 5, true, []),
  d('GoBlock', 5, true, []),
  d('GoUnblock', 5, true, ['g', 'seq']),
  d('GoBlockSend', 5, true, []),
  d('GoBlockRecv', 5, true, []),
  d('GoBlockSelect', 5, true, []),
  d('GoBlockSync', 5, true, []),
  d('GoBlockCond', 5, true, []),
  d('GoBlockNet', 5, true, []),
  d('GoSysCall', 5, true, []),
  d('GoSysExit', 5, false, ['g', 'seq', 'ts']),
  d('GoSysBlock', 5, false, []),
  d('GoWaiting', 5, false, ['g']),
  d('GoInSyscall', 5, false, ['g']),
  d('HeapAlloc', 5, false, ['mem']),
  d('HeapGoal', 5, false, ['mem']),
  d('TimerGoroutine', 5, false, ['g']),
  d('FutileWakeup', 5, false, []),
  d('String', 7, false, []),
  d('GoStartLocal', 7, false, ['g']),
  d('GoUnblockLocal', 7, true, ['g']),
  d('GoSysExitLocal', 7, false, ['g', 'ts']),
  d('GoStartLabel', 8, false, ['g', 'seq', 'labelid']),
  d('GoBlockGC', 8, true, []),
  d('GCMarkAssistStart', 9, true, []),
  d('GCMarkAssistDone', 9, false, []),
  d('UserTaskCreate', 11, true, ['taskid', 'pid', 'typeid']),
  d('UserTaskEnd', 11, true, ['taskid']),
  d('UserRegion', 11, true, ['taskid', 'mode', 'typeid']),
  d('UserLog', 11, true, ['id', 'keyid']),
  d('CPUSample', 19, true, ['ts', 'p', 'g']),
];

// Special P ids: events moved off their real P.
export const FakeP = 1000000;
export const TimerP = FakeP + 1;
export const NetpollP = FakeP + 2;
export const SyscallP = FakeP + 3;
export const GCP = FakeP + 4;
export const ProfileP = FakeP + 5;

/** The STW reasons Go 1.21 numbers (runtime.stwReason); earlier versions only had the first two. */
export const NumSTWReasons = 17;

/** Trace.STWReason: the reason index of a GCSTWStart's kind id. */
export function stwReason(version: number, kindId: number): number {
  if (version < 21) return kindId === 0 || kindId === 1 ? kindId + 1 : 0;
  if (version === 21) return kindId >= 0 && kindId < NumSTWReasons ? kindId : 0;
  return 0;
}

/** A uint64 as Go's %d prints it: our numbers keep values at or above 2^63 as negative int64. */
export const u64 = (v: number): string => (v < 0 ? BigInt.asUintN(64, BigInt(v)).toString() : String(v));
