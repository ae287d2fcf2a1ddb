// Old-format events as go1.22+ events: a port of x/exp/trace's tracev1.go.
// The whole old trace is one generation with one table. Most events map one
// to one; GoWaiting and the like become GoStatus, an instantaneous GoSysCall
// becomes a 1 ns GoSyscallBegin+GoSyscallEnd unless a GoSysBlock follows, and
// the goroutines created before the first Gomaxprocs get a GoStatus each.
import { NoGoroutine, NoProc, NoTask, NoThread, arg, type TraceEvent } from '../event.js';
import { EvTable } from '../generation.js';
import { Ev, EvSyncEvent, GoStatus, ProcStatus, specs } from '../spec.js';
import { TraceError } from '../wire.js';
import type { Event1, Trace1 } from './parser.js';
import { Ev1, descs, stwReason } from './spec.js';

// The strings the conversion adds, in Go's order: block reasons, then STW kinds.
const builtins = [
  'forever',
  'preempted',
  'runtime.Gosched',
  'sleep',
  'chan send',
  'chan receive',
  'network',
  'sync',
  'sync.(*Cond).Wait',
  'select',
  '',
  'GC mark assist wait for work',
  // STW kinds, from unknown on.
  '',
  'GC mark termination',
  'GC sweep termination',
  'write heap dump',
  'goroutine profile',
  'goroutine profile cleanup',
  'all goroutine stack trace',
  'read mem stats',
  'AllThreadsSyscall',
  'GOMAXPROCS',
  'start trace',
  'stop trace',
  'CountPagesInUse (test)',
  'ReadMetricsSlow (test)',
  'ReadMemStatsSlow (test)',
  'PageCachePagesLeaked (test)',
  'ResetDebugLog (test)',
];
const sForever = 0;
const sPreempted = 1;
const sGosched = 2;
const sSleep = 3;
const sChanSend = 4;
const sChanRecv = 5;
const sNetwork = 6;
const sSync = 7;
const sSyncCond = 8;
const sSelect = 9;
const sEmpty = 10;
const sMarkAssistWait = 11;
const sSTWUnknown = 12;

const blockReasons = new Map<number, number>([
  [Ev1.GoStop, sForever],
  [Ev1.GoSleep, sSleep],
  [Ev1.GoBlock, sEmpty],
  [Ev1.GoBlockSend, sChanSend],
  [Ev1.GoBlockRecv, sChanRecv],
  [Ev1.GoBlockSelect, sSelect],
  [Ev1.GoBlockSync, sSync],
  [Ev1.GoBlockCond, sSyncCond],
  [Ev1.GoBlockNet, sNetwork],
  [Ev1.GoBlockGC, sMarkAssistWait],
]);

const direct = new Map<number, number>([
  [Ev1.GCStart, Ev.GCBegin],
  [Ev1.GCDone, Ev.GCEnd],
  [Ev1.GCSweepStart, Ev.GCSweepBegin],
  [Ev1.GCSweepDone, Ev.GCSweepEnd],
  [Ev1.GoEnd, Ev.GoDestroy],
  [Ev1.GoUnblock, Ev.GoUnblock],
  [Ev1.GoSysExit, Ev.GoSyscallEndBlocked],
  [Ev1.HeapAlloc, Ev.HeapAlloc],
  [Ev1.HeapGoal, Ev.HeapGoal],
  [Ev1.GCMarkAssistStart, Ev.GCMarkAssistBegin],
  [Ev1.GCMarkAssistDone, Ev.GCMarkAssistEnd],
]);

/** Whether a + n passes ^uint64(0), with a uint64 kept as int64. */
const overflows = (a: number, n: number) => a < 0 && a + n >= 0;
/** a < b as uint64. */
const ult = (a: number, b: number) => ((a < 0) === (b < 0) ? a < b : b < 0);

const SKIP = null;

export class Converter {
  readonly table = new EvTable();
  private preInit = true;
  /** Go's map here is iterated in random order; ours is in creation order. */
  private createdPreInit = new Set<number>();
  private at = 0;
  private extra: TraceEvent[] = [];
  private tasks = new Map<number, { name: string; parent: number }>();
  private seenProcs = new Set<number>();
  lastTs = -1;
  private procMs = new Map<number, number>();
  private lastStwReason = 0;
  private inlineToStringId: number[] = [];
  private builtinToStringId: number[] = [];

  constructor(private trace: Trace1) {
    const t = this.table;
    let max = 0;
    for (const [id, s] of trace.strings) {
      t.strings.set(id, s);
      if (ult(max, id)) max = id;
    }
    // UserLog messages were inline in the old format: they get ids after the trace's own.
    if (overflows(max, trace.inlineStrings.length)) throw new TraceError('trace contains too many strings');
    let addErr: string | null = null;
    const add = (id: number, s: string) => {
      const existing = t.string(id);
      if (existing !== undefined) addErr ??= `multiple strings with the same ID: id=${id}, new=${s}, existing=${existing}`;
      else t.strings.set(id, s);
    };
    trace.inlineStrings.forEach((s, i) => {
      const id = max + 1 + i;
      this.inlineToStringId.push(id);
      add(id, s);
    });
    max += trace.inlineStrings.length;
    if (overflows(max, builtins.length)) throw new TraceError('trace contains too many strings');
    builtins.forEach((s, c) => {
      const id = max + 1 + c;
      this.builtinToStringId.push(id);
      add(id, s);
    });
    // Impossible, but Go checks.
    if (addErr) throw new TraceError(`couldn't add strings: ${addErr}`);
    for (const [id, pcs] of trace.stacks) t.stacks.set(id, pcs);
    for (const [pc, f] of trace.pcs) t.pcs.set(pc, { pc, funcId: f.fn, fileId: f.file, line: f.line });
    for (const [id, pcs] of trace.stacks) {
      for (const pc of pcs) {
        const f = t.pcs.get(pc)!;
        const problem =
          t.string(f.funcId) === undefined ? `found invalid func string ID ${f.funcId} for stack ${id}` : t.string(f.fileId) === undefined ? `found invalid file string ID ${f.fileId} for stack ${id}` : '';
        if (problem) {
          this.badStacks.set(id, problem);
          break;
        }
      }
    }
  }

  /**
   * Stacks with a frame whose function or file name is not in the table:
   * Go checks these only when it prints such a stack, and panics.
   */
  readonly badStacks = new Map<number, string>();

  /** The first old event, without taking it. */
  peek(): Event1 | undefined {
    return this.trace.events[this.at];
  }

  /** The next event, or null at the end. Throws TraceError on an event the old parser should not have let through. */
  next(): TraceEvent | null {
    for (;;) {
      let ev = this.extra.shift();
      if (!ev) {
        const old = this.trace.events[this.at];
        if (!old) return null;
        this.at++;
        const converted = this.convert(old);
        if (converted === SKIP) continue;
        ev = converted;
      }
      // Two events may not share a time in the new API; GoStatus events made here can.
      if (ev.time <= this.lastTs) ev.time = this.lastTs + 1;
      this.lastTs = ev.time;
      return ev;
    }
  }

  private event(typ: number, time: number, g: number, p: number, m: number, a0 = 0, a1 = 0, a2 = 0, a3 = 0): TraceEvent {
    return { table: this.table, g, p, m, typ, time, a0, a1, a2, a3 };
  }

  private builtin(c: number) {
    return this.builtinToStringId[c];
  }

  /** The event in the new format; SKIP where it gives none now. Events past the first go to `extra`. */
  private convert(ev: Event1): TraceEvent | typeof SKIP {
    let typ = 0;
    const a = ev.args.slice();
    const reason = blockReasons.get(ev.type);
    const mapped = direct.get(ev.type);
    if (reason !== undefined) {
      typ = Ev.GoBlock;
      a.splice(0, 4, this.builtin(reason), ev.stk, 0, 0);
    } else if (mapped !== undefined) typ = mapped;
    else
      switch (ev.type) {
        case Ev1.Gomaxprocs:
          typ = Ev.ProcsChange;
          if (this.preInit) {
            // The first Gomaxprocs ends the trace's initialisation: the goroutines
            // created before it that never had GoWaiting, GoInSyscall or GoStart
            // existed when tracing began, idle or runnable.
            this.preInit = false;
            for (const g of this.createdPreInit) this.extra.push(this.event(Ev.GoStatus, ev.ts, NoGoroutine, NoProc, NoThread, g, -1, GoStatus.Runnable));
            this.createdPreInit.clear();
            return SKIP;
          }
          break;
        case Ev1.ProcStart:
          this.procMs.set(ev.p, ev.args[0]);
          if (this.seenProcs.has(ev.p)) {
            typ = Ev.ProcStart;
            a.splice(0, 4, ev.p, 0, 0, 0);
          } else {
            this.seenProcs.add(ev.p);
            typ = Ev.ProcStatus;
            a.splice(0, 4, ev.p, ProcStatus.Running, 0, 0);
          }
          break;
        case Ev1.ProcStop:
          if (this.seenProcs.has(ev.p)) {
            typ = Ev.ProcStop;
            a.splice(0, 4, ev.p, 0, 0, 0);
          } else {
            this.seenProcs.add(ev.p);
            typ = Ev.ProcStatus;
            a.splice(0, 4, ev.p, ProcStatus.Idle, 0, 0);
          }
          break;
        case Ev1.STWStart: {
          const sid = this.builtin(sSTWUnknown + stwReason(this.trace.version, ev.args[0]));
          this.lastStwReason = sid;
          typ = Ev.STWBegin;
          a.splice(0, 4, sid, 0, 0, 0);
          break;
        }
        case Ev1.STWDone:
          typ = Ev.STWEnd;
          a.splice(0, 4, this.lastStwReason, 0, 0, 0);
          break;
        case Ev1.GoCreate:
          if (this.preInit) {
            this.createdPreInit.add(ev.args[0]);
            return SKIP;
          }
          typ = Ev.GoCreate;
          break;
        case Ev1.GoStart:
          if (this.preInit) {
            typ = Ev.GoStatus;
            a.splice(0, 4, ev.args[0], -1, GoStatus.Running, 0);
            this.createdPreInit.delete(ev.args[0]);
          } else typ = Ev.GoStart;
          break;
        case Ev1.GoStartLabel: {
          // Go's thread for a P it has not seen start is the map's zero value, 0, here.
          const m = this.procMs.get(ev.p) ?? 0;
          this.extra = [this.event(Ev.GoLabel, ev.ts, ev.g, ev.p, m, ev.args[2])];
          return this.event(Ev.GoStart, ev.ts, ev.g, ev.p, m, a[0], a[1], a[2], a[3]);
        }
        case Ev1.GoSched:
          typ = Ev.GoStop;
          a.splice(0, 4, this.builtin(sGosched), ev.stk, 0, 0);
          break;
        case Ev1.GoPreempt:
          typ = Ev.GoStop;
          a.splice(0, 4, this.builtin(sPreempted), ev.stk, 0, 0);
          break;
        case Ev1.GoSysCall: {
          // The next event of the same goroutine says whether the syscall blocked: a GoSysBlock.
          let blocked = false;
          for (let i = this.at; i < this.trace.events.length; i++) {
            const next = this.trace.events[i];
            if (next.g !== ev.g) continue;
            blocked = next.type === Ev1.GoSysBlock;
            break;
          }
          if (blocked) {
            typ = Ev.GoSyscallBegin;
            a.splice(0, 4, 0, ev.stk, 0, 0);
            break;
          }
          // Otherwise it is a begin and an end, as short as can be: 1 ns.
          const m = this.procMs.get(ev.p) ?? 0;
          this.extra.push(this.event(Ev.GoSyscallEnd, ev.ts + 1, ev.g, ev.p, m));
          return this.event(Ev.GoSyscallBegin, ev.ts, ev.g, ev.p, m, 0, ev.stk);
        }
        case Ev1.GoSysBlock:
          return SKIP;
        case Ev1.GoWaiting:
        case Ev1.GoInSyscall:
          // A goroutine in a syscall knows its thread in the new format; here it is unknown.
          typ = Ev.GoStatus;
          a.splice(0, 4, ev.args[0], -1, ev.type === Ev1.GoWaiting ? GoStatus.Waiting : GoStatus.Syscall, 0);
          this.createdPreInit.delete(ev.args[0]);
          break;
        case Ev1.UserTaskCreate: {
          typ = Ev.UserTaskBegin;
          const parent = ev.args[1] === 0 ? NoTask : ev.args[1];
          a.splice(0, 4, ev.args[0], parent, ev.args[2], ev.stk);
          this.tasks.set(ev.args[0], { name: this.table.string(ev.args[2]) ?? '', parent: ev.args[1] });
          break;
        }
        case Ev1.UserTaskEnd: {
          typ = Ev.UserTaskEnd;
          // The parent and name go along as extra arguments and an extra string, as Event.Task expects.
          const t = this.tasks.get(ev.args[0]);
          this.tasks.delete(ev.args[0]);
          a.splice(0, 4, ev.args[0], ev.args[1], t ? t.parent : NoTask, this.table.addExtraString(t ? t.name : ''));
          break;
        }
        case Ev1.UserRegion:
          if (ev.args[1] === 0) typ = Ev.UserRegionBegin;
          else if (ev.args[1] === 1) typ = Ev.UserRegionEnd;
          a.splice(0, 4, ev.args[0], ev.args[2], ev.stk, 0);
          break;
        case Ev1.UserLog:
          typ = Ev.UserLog;
          a.splice(0, 4, ev.args[0], ev.args[1], this.inlineToStringId[ev.args[3]], ev.stk);
          break;
        case Ev1.CPUSample:
          // Stack, M, P, G as a go1.22+ sample reads; Go 1.21 samples had no M.
          typ = Ev.CPUSample;
          a.splice(0, 4, ev.stk, -1, ev.p, ev.g);
          break;
        default:
          throw new TraceError(`unexpected event type ${ev.type}`);
      }

    const stackIds = specs[typ].stackIds;
    if (descs[ev.type].stack && stackIds.length > 0) a[stackIds[0] - 1] = ev.stk;
    let m = NoThread;
    if (ev.p !== -1 && ev.type !== Ev1.CPUSample) m = this.procMs.get(ev.p) ?? NoThread;
    if (ev.type === Ev1.ProcStop) this.procMs.delete(ev.p);
    const out = this.event(typ, ev.ts, ev.g === 0 ? NoGoroutine : ev.g, ev.p, m, a[0], a[1], a[2], a[3]);
    // A metric's value is its first argument, printed as a uint64.
    const exact = ev.big?.get(0);
    if (exact !== undefined && (typ === Ev.HeapAlloc || typ === Ev.HeapGoal || typ === Ev.ProcsChange)) this.table.exact.set(out, exact);
    return out;
  }
}

/** The old format's events as the reader hands them out, with a Sync first and last, as Go's Reader does. */
export class V1Events {
  private syncs = 0;
  private done = false;
  private conv: Converter;

  constructor(trace: Trace1) {
    this.conv = new Converter(trace);
  }

  /** The error for an event whose stack has a frame with a name that is not there (where Go panics as it prints it). */
  checkFrames(e: TraceEvent) {
    if (this.conv.badStacks.size === 0 || e.typ === EvSyncEvent) return;
    for (const i of specs[e.typ].stackIds) {
      const problem = this.conv.badStacks.get(arg(e, i - 1));
      if (problem) throw new TraceError(problem);
    }
  }

  next(): TraceEvent | null {
    if (this.done) return null;
    if (this.syncs === 0) {
      const first = this.conv.peek();
      if (first) return sync(this.conv.table, first.ts - 1, ++this.syncs);
    }
    const ev = this.conv.next();
    if (ev) return ev;
    this.done = true;
    return sync(null, this.conv.lastTs + 1, ++this.syncs);
  }
}

const sync = (table: EvTable | null, time: number, n: number): TraceEvent => ({ table, g: NoGoroutine, p: NoProc, m: NoThread, typ: EvSyncEvent, time, a0: n, a1: 0, a2: 0, a3: 0 });
