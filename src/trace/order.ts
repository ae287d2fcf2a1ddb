// Putting per-thread events into one valid order: the goroutine, proc and
// thread state machines of x/exp/trace's order.go, ported rule for rule. An
// event "advances" only when the states it needs hold; otherwise the reader
// tries another thread's next event first.
import { GoState, NoGoroutine, NoProc, NoTask, NoThread, ProcState, goStatusToState, procStatusToState, type BaseEvent, type TraceEvent } from './event.js';
import type { EvTable } from './generation.js';
import { Ev, GoStatus, ProcStatus, eventName, goStatusName, procStatusName, specs } from './spec.js';
import { TraceError } from './wire.js';

interface Ctx {
  g: number;
  p: number;
  m: number;
}

/** A sequence counter local to a generation, kept on the state as two numbers (no object per event). */
interface Sequenced {
  seqGen: number;
  seq: number;
}
/** Whether (gen, seq) comes right after the state's counter. */
const succeeds = (gen: number, seq: number, s: Sequenced) => s.seqGen === gen && seq === s.seq + 1;
const setSeq = (s: Sequenced, gen: number, seq: number) => {
  s.seqGen = gen;
  s.seq = seq;
};

interface RangeType {
  typ: number;
  desc: number;
}

class RangeState {
  inFlight: RangeType[] = [];
  has(r: RangeType) {
    return this.inFlight.some((x) => x.typ === r.typ && x.desc === r.desc);
  }
  begin(r: RangeType) {
    if (this.has(r)) throw new TraceError(`discovered event already in-flight for when starting event ${specs[r.typ].name}`);
    this.inFlight.push(r);
  }
  active(r: RangeType, initialGen: boolean) {
    if (initialGen) {
      if (this.has(r)) throw new TraceError(`found named active range already in first gen: {${r.typ} ${r.desc}}`);
      this.inFlight.push(r);
    } else if (!this.has(r)) throw new TraceError(`resource is missing active range: ${specs[r.typ].name}`);
  }
  end(typ: number): number {
    const st = specs[typ].startEv;
    const idx = this.inFlight.findIndex((r) => r.typ === st);
    if (idx < 0) throw new TraceError(`tried to end event ${specs[st].name}, but not in-flight`);
    const desc = this.inFlight[idx].desc;
    this.inFlight[idx] = this.inFlight[this.inFlight.length - 1];
    this.inFlight.pop();
    return desc;
  }
}

const rangeType = (typ: number, desc: number): RangeType => ({ typ: specs[typ].startEv || typ, desc });

class GState extends RangeState {
  regions: { task: number; name: string }[] = [];
  constructor(
    readonly id: number,
    public status: number,
    public seqGen: number,
    public seq = 0,
  ) {
    super();
  }
}

class PState extends RangeState {
  constructor(
    readonly id: number,
    public status: number,
    public seqGen: number,
    public seq = 0,
  ) {
    super();
  }
}

interface MState {
  g: number;
  p: number;
}

const MUST_NOT = 0;
const MAY = 1;
const MUST = 2;
type Reqs = [m: number, p: number, g: number];
const userGoReqs: Reqs = [MUST, MUST, MUST];

function validateCtx(c: Ctx, [m, p, g]: Reqs) {
  if (m === MUST && c.m === NoThread) throw new TraceError("expected a thread but didn't have one");
  if (m === MUST_NOT && c.m !== NoThread) throw new TraceError('expected no thread but had one');
  if (p === MUST && c.p === NoProc) throw new TraceError("expected a proc but didn't have one");
  if (p === MUST_NOT && c.p !== NoProc) throw new TraceError('expected no proc but had one');
  if (g === MUST && c.g === NoGoroutine) throw new TraceError("expected a goroutine but didn't have one");
  if (g === MUST_NOT && c.g !== NoGoroutine) throw new TraceError('expected no goroutine but had one');
}

const GC_UNDETERMINED = 0;
const GC_NOT_RUNNING = 1;
const GC_RUNNING = 2;

/** A handler's answer: the context after the event, or null where the event cannot advance yet. */
type Handler = (o: Ordering, ev: BaseEvent, evt: EvTable, m: number, gen: number, cur: Ctx) => Ctx | null;

export class Ordering {
  gStates = new Map<number, GState>();
  pStates = new Map<number, PState>();
  mStates = new Map<number, MState>();
  activeTasks = new Map<number, { name: string; parent: number }>();
  gcSeq = 0;
  gcState = GC_UNDETERMINED;
  initialGen = 0;
  private queue: TraceEvent[] = [];
  private cur: Ctx = { g: NoGoroutine, p: NoProc, m: NoThread };
  private head = 0;

  constructor(readonly version: number) {}

  evName(typ: number) {
    return eventName(this.version, typ);
  }

  push(evt: EvTable, ctx: Ctx, ev: BaseEvent) {
    const a = ev.args;
    this.enqueue({ table: evt, g: ctx.g, p: ctx.p, m: ctx.m, typ: ev.typ, time: ev.time, a0: a[0], a1: a[1], a2: a[2], a3: a[3] });
  }

  make(evt: EvTable, ctx: Ctx, typ: number, time: number, a0 = 0, a1 = 0): TraceEvent {
    return { table: evt, g: ctx.g, p: ctx.p, m: ctx.m, typ, time, a0, a1, a2: 0, a3: 0 };
  }

  // A queue that is nearly always one event long: head and tail go back to 0 once it empties,
  // and the array keeps its length (resizing it on every event cost more than the events).
  private tail = 0;

  enqueue(e: TraceEvent) {
    if (this.tail === this.queue.length) this.queue.push(e);
    else this.queue[this.tail] = e;
    this.tail++;
  }

  next(): TraceEvent | undefined {
    if (this.head === this.tail) return undefined;
    const ev = this.queue[this.head];
    this.head++;
    if (this.head === this.tail) this.head = this.tail = 0;
    return ev;
  }

  /** Advance: true when ev was ordered (and queued with any events it implies); throws on a broken trace. */
  advance(ev: BaseEvent, evt: EvTable, m: number, gen: number): boolean {
    if (this.initialGen === 0) this.initialGen = gen;
    const cur = this.cur;
    cur.m = m;
    cur.p = NoProc;
    cur.g = NoGoroutine;
    let ms: MState | undefined;
    if (m !== NoThread) {
      ms = this.mStates.get(m);
      if (!ms) this.mStates.set(m, (ms = { g: NoGoroutine, p: NoProc }));
      cur.p = ms.p;
      cur.g = ms.g;
    }
    const f = dispatch[ev.typ];
    if (!f) throw new TraceError(`bad event type found while ordering: ${ev.typ}`);
    const next = f(this, ev, evt, m, gen, cur);
    if (next === null) return false;
    if (ms) {
      ms.p = next.p;
      ms.g = next.g;
    }
    return true;
  }
}


// The context after an event: one object reused for every event (advance copies it out at once).
const NEXT: Ctx = { g: NoGoroutine, p: NoProc, m: NoThread };
function then(cur: Ctx, g: number, p: number): Ctx {
  NEXT.g = g;
  NEXT.p = p;
  NEXT.m = cur.m;
  return NEXT;
}

const procStatus: Handler = (o, ev, evt, _m, gen, cur) => {
  const pid = ev.args[0];
  const status = ev.args[1];
  if (status < 0 || status >= procStatusToState.length) throw new TraceError(`invalid status for proc ${pid}: ${status}`);
  let oldState: number = procStatusToState[status];
  const s = o.pStates.get(pid);
  if (s) {
    if (status === ProcStatus.SyscallAbandoned && s.status === ProcStatus.Syscall) {
      oldState = ProcState.Running;
      ev.args[1] = ProcStatus.Syscall;
    } else if (status === ProcStatus.SyscallAbandoned && s.status === ProcStatus.SyscallAbandoned) {
      oldState = ProcState.Idle;
      ev.args[1] = ProcStatus.SyscallAbandoned;
    } else if (s.status !== status) {
      throw new TraceError(`inconsistent status for proc ${pid}: old ${procStatusName(s.status)} vs. new ${procStatusName(status)}`);
    }
    setSeq(s, gen, 0);
  } else {
    o.pStates.set(pid, new PState(pid, status, gen));
    oldState = gen === o.initialGen ? ProcState.Undetermined : ProcState.NotExist;
  }
  ev.args[2] = oldState;
  const next = then(cur, cur.g, cur.p);
  if (status === ProcStatus.Running || status === ProcStatus.Syscall) next.p = pid;
  if (status === ProcStatus.SyscallAbandoned && oldState === ProcState.Running) {
    // The proc is about to be stolen: emit this event in the context of the thread that had it.
    let found = false;
    for (const [mid, ms] of o.mStates) {
      if (ms.p === pid) {
        cur = { m: mid, p: pid, g: ms.g };
        found = true;
      }
    }
    if (!found) throw new TraceError(`failed to find sched context for proc ${pid} that's about to be stolen`);
  }
  o.push(evt, cur, ev);
  return next;
};

const procStart: Handler = (o, ev, evt, _m, gen, cur) => {
  const pid = ev.args[0];
  const seq = ev.args[1];
  const state = o.pStates.get(pid);
  if (!state || state.status !== ProcStatus.Idle || !succeeds(gen, seq, state) || cur.p !== NoProc) return null;
  validateCtx(cur, [MUST, MUST_NOT, MAY]);
  state.status = ProcStatus.Running;
  setSeq(state, gen, seq);
  o.push(evt, cur, ev);
  return then(cur, cur.g, pid);
};

const procStop: Handler = (o, ev, evt, _m, _gen, cur) => {
  const state = o.pStates.get(cur.p);
  if (!state) throw new TraceError(`event ${o.evName(ev.typ)} for proc (${cur.p}) that doesn't exist`);
  if (state.status !== ProcStatus.Running && state.status !== ProcStatus.Syscall)
    throw new TraceError(`${o.evName(ev.typ)} event for proc that's not Running or Syscall`);
  validateCtx(cur, [MUST, MUST, MAY]);
  state.status = ProcStatus.Idle;
  o.push(evt, cur, ev);
  return then(cur, cur.g, NoProc);
};

const procSteal: Handler = (o, ev, evt, _m, gen, cur) => {
  const pid = ev.args[0];
  const seq = ev.args[1];
  const state = o.pStates.get(pid);
  if (!state || (state.status !== ProcStatus.Syscall && state.status !== ProcStatus.SyscallAbandoned) || !succeeds(gen, seq, state)) return null;
  validateCtx(cur, [MUST, MAY, MAY]);
  const oldStatus = state.status;
  ev.args[3] = oldStatus;
  state.status = ProcStatus.Idle;
  setSeq(state, gen, seq);
  if (oldStatus === ProcStatus.SyscallAbandoned) {
    o.push(evt, cur, ev);
    return cur;
  }
  const mid = ev.args[2];
  if (mid === cur.m) {
    if (cur.p !== pid) throw new TraceError(`tried to self-steal proc ${pid} (thread ${mid}), but got proc ${cur.p} instead`);
    o.push(evt, cur, ev);
    return then(cur, cur.g, NoProc);
  }
  const ms = o.mStates.get(mid);
  if (!ms) throw new TraceError(`stole proc from non-existent thread ${mid}`);
  if (ms.p !== pid) throw new TraceError(`tried to steal proc ${pid} from thread ${mid}, but got proc ${ms.p} instead`);
  ms.p = NoProc;
  o.push(evt, cur, ev);
  return cur;
};

const goStatus: Handler = (o, ev, evt, _m, gen, cur) => {
  const gid = ev.args[0];
  const mid = ev.args[1];
  const status = ev.args[2];
  if (status < 0 || status >= goStatusToState.length) throw new TraceError(`invalid status for goroutine ${gid}: ${status}`);
  let oldState: number = goStatusToState[status];
  const s = o.gStates.get(gid);
  if (s) {
    if (s.status !== status) throw new TraceError(`inconsistent status for goroutine ${gid}: old ${goStatusName(s.status)} vs. new ${goStatusName(status)}`);
    setSeq(s, gen, 0);
  } else if (gen === o.initialGen) {
    o.gStates.set(gid, new GState(gid, status, gen));
    oldState = GoState.Undetermined;
  } else {
    throw new TraceError(`found goroutine status for new goroutine after the first generation: id=${gid} status=${goStatusName(status)}`);
  }
  ev.args[2] = oldState * 2 ** 32 + status;
  const next = then(cur, cur.g, cur.p);
  if (status === GoStatus.Running) next.g = gid;
  else if (status === GoStatus.Syscall) {
    if (mid === NoThread) throw new TraceError(`found goroutine ${gid} in syscall without a thread`);
    if (mid === cur.m) {
      if (gen !== o.initialGen && cur.g !== gid)
        throw new TraceError(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${cur.g}`);
      next.g = gid;
    } else {
      const ms = o.mStates.get(mid);
      if (ms) {
        if (ms.g !== gid) throw new TraceError(`inconsistent thread for syscalling goroutine ${gid}: thread has goroutine ${ms.g}`);
        cur = { ...cur, g: ms.g };
      } else o.mStates.set(mid, { g: gid, p: NoProc });
      cur = { ...cur, m: mid };
    }
  }
  o.push(evt, cur, ev);
  return next;
};

const goCreate: Handler = (o, ev, evt, _m, gen, cur) => {
  validateCtx(cur, [MUST, MUST, MAY]);
  const creator = o.gStates.get(cur.g);
  if (creator && creator.status !== GoStatus.Running) throw new TraceError(`${o.evName(ev.typ)} event for goroutine that's not Running`);
  const newg = ev.args[0];
  if (o.gStates.has(newg)) throw new TraceError(`tried to create goroutine (${newg}) that already exists`);
  const status = ev.typ === Ev.GoCreateBlocked ? GoStatus.Waiting : GoStatus.Runnable;
  o.gStates.set(newg, new GState(newg, status, gen));
  o.push(evt, cur, ev);
  return cur;
};

function runningG(o: Ordering, ev: BaseEvent, cur: Ctx): GState {
  validateCtx(cur, userGoReqs);
  const state = o.gStates.get(cur.g);
  if (!state) throw new TraceError(`event ${o.evName(ev.typ)} for goroutine (${cur.g}) that doesn't exist`);
  if (state.status !== GoStatus.Running) throw new TraceError(`${o.evName(ev.typ)} event for goroutine that's not Running`);
  return state;
}

const goStopExec: Handler = (o, ev, evt, _m, _gen, cur) => {
  const state = runningG(o, ev, cur);
  if (ev.typ === Ev.GoDestroy) o.gStates.delete(cur.g);
  else state.status = ev.typ === Ev.GoStop ? GoStatus.Runnable : GoStatus.Waiting;
  o.push(evt, cur, ev);
  return then(cur, NoGoroutine, cur.p);
};

const goStart: Handler = (o, ev, evt, _m, gen, cur) => {
  const gid = ev.args[0];
  const seq = ev.args[1];
  const state = o.gStates.get(gid);
  if (!state || state.status !== GoStatus.Runnable || !succeeds(gen, seq, state)) return null;
  validateCtx(cur, [MUST, MUST, MUST_NOT]);
  state.status = GoStatus.Running;
  setSeq(state, gen, seq);
  o.push(evt, cur, ev);
  return then(cur, gid, cur.p);
};

const goUnblock: Handler = (o, ev, evt, _m, gen, cur) => {
  const gid = ev.args[0];
  const seq = ev.args[1];
  const state = o.gStates.get(gid);
  if (!state || state.status !== GoStatus.Waiting || !succeeds(gen, seq, state)) return null;
  state.status = GoStatus.Runnable;
  setSeq(state, gen, seq);
  o.push(evt, cur, ev);
  return cur;
};

const goSwitch: Handler = (o, ev, evt, _m, gen, cur) => {
  const curG = runningG(o, ev, cur);
  const nextg = ev.args[0];
  const seq = ev.args[1];
  const nextG = o.gStates.get(nextg);
  if (!nextG || nextG.status !== GoStatus.Waiting || !succeeds(gen, seq, nextG)) return null;
  o.push(evt, cur, ev);
  if (ev.typ === Ev.GoSwitch) {
    curG.status = GoStatus.Waiting;
    o.enqueue(o.make(evt, cur, Ev.GoBlock, ev.time, 0, 0));
  } else {
    o.gStates.delete(cur.g);
    o.enqueue(o.make(evt, cur, Ev.GoDestroy, ev.time));
  }
  nextG.status = GoStatus.Running;
  setSeq(nextG, gen, seq);
  o.enqueue(o.make(evt, { ...cur, g: NoGoroutine }, Ev.GoStart, ev.time, nextg, ev.args[1]));
  return then(cur, nextg, cur.p);
};

const goSyscallBegin: Handler = (o, ev, evt, _m, gen, cur) => {
  const state = runningG(o, ev, cur);
  state.status = GoStatus.Syscall;
  const p = o.pStates.get(cur.p);
  if (!p) throw new TraceError(`uninitialized proc ${cur.p} found during ${o.evName(ev.typ)}`);
  p.status = ProcStatus.Syscall;
  const pSeq = ev.args[0];
  if (!succeeds(gen, pSeq, p)) throw new TraceError(`failed to advance ${o.evName(ev.typ)}: can't make sequence: ${p.seq} (gen=${p.seqGen}) -> ${pSeq} (gen=${gen})`);
  setSeq(p, gen, pSeq);
  o.push(evt, cur, ev);
  return cur;
};

function syscallingG(o: Ordering, ev: BaseEvent, cur: Ctx, reqs: Reqs): GState {
  validateCtx(cur, reqs);
  const state = o.gStates.get(cur.g);
  if (!state) throw new TraceError(`event ${o.evName(ev.typ)} for goroutine (${cur.g}) that doesn't exist`);
  if (state.status !== GoStatus.Syscall) throw new TraceError(`${o.evName(ev.typ)} event for goroutine that's not Running`);
  return state;
}

const goSyscallEnd: Handler = (o, ev, evt, _m, _gen, cur) => {
  const state = syscallingG(o, ev, cur, userGoReqs);
  state.status = GoStatus.Running;
  const p = o.pStates.get(cur.p);
  if (!p) throw new TraceError(`uninitialized proc ${cur.p} found during ${o.evName(ev.typ)}`);
  if (p.status !== ProcStatus.Syscall) throw new TraceError(`expected proc ${cur.p} in state Syscall, but got ${procStatusName(p.status)} instead`);
  p.status = ProcStatus.Running;
  o.push(evt, cur, ev);
  return cur;
};

const goSyscallEndBlocked: Handler = (o, ev, evt, _m, _gen, cur) => {
  if (cur.p !== NoProc) {
    const p = o.pStates.get(cur.p);
    if (!p) throw new TraceError(`uninitialized proc ${cur.p} found during ${o.evName(ev.typ)}`);
    // The proc is still ours until someone steals it: wait for the steal.
    if (p.status === ProcStatus.Syscall) return null;
  }
  const state = syscallingG(o, ev, cur, [MUST, MAY, MUST]);
  state.status = GoStatus.Runnable;
  o.push(evt, cur, ev);
  return then(cur, NoGoroutine, cur.p);
};

const goCreateSyscall: Handler = (o, ev, evt, _m, gen, cur) => {
  validateCtx(cur, [MUST, MAY, MUST_NOT]);
  const newg = ev.args[0];
  if (o.gStates.has(newg)) throw new TraceError(`tried to create goroutine (${newg}) in syscall that already exists`);
  o.gStates.set(newg, new GState(newg, GoStatus.Syscall, gen));
  o.push(evt, cur, ev);
  return then(cur, newg, cur.p);
};

const goDestroySyscall: Handler = (o, ev, evt, _m, _gen, cur) => {
  validateCtx(cur, [MUST, MAY, MUST]);
  const state = o.gStates.get(cur.g);
  if (!state) throw new TraceError(`event ${o.evName(ev.typ)} for goroutine (${cur.g}) that doesn't exist`);
  if (state.status !== GoStatus.Syscall) throw new TraceError(`${o.evName(ev.typ)} event for goroutine that's not Syscall`);
  o.gStates.delete(cur.g);
  const next = then(cur, NoGoroutine, cur.p);
  if (cur.p !== NoProc) {
    const p = o.pStates.get(cur.p);
    if (!p) throw new TraceError(`found invalid proc ${cur.p} during ${o.evName(ev.typ)}`);
    if (p.status !== ProcStatus.Syscall) throw new TraceError(`proc ${cur.p} in unexpected state ${procStatusName(p.status)} during ${o.evName(ev.typ)}`);
    p.status = ProcStatus.SyscallAbandoned;
    next.p = NoProc;
    const steal = o.make(evt, cur, Ev.ProcSteal, ev.time, cur.p);
    steal.a3 = ProcStatus.Syscall;
    o.enqueue(steal);
  }
  o.push(evt, cur, ev);
  return next;
};

const userTaskBegin: Handler = (o, ev, evt, _m, _gen, cur) => {
  const id = ev.args[0];
  if (o.activeTasks.has(id)) throw new TraceError(`task ID conflict: ${id}`);
  let parent = ev.args[1];
  if (parent === 0) {
    parent = NoTask;
    ev.args[1] = NoTask;
  }
  const name = evt.string(ev.args[2]);
  if (name === undefined) throw new TraceError(`invalid string ID ${ev.args[2]} for ${ev.typ} event`);
  o.activeTasks.set(id, { name, parent });
  validateCtx(cur, userGoReqs);
  o.push(evt, cur, ev);
  return cur;
};

const userTaskEnd: Handler = (o, ev, evt, _m, _gen, cur) => {
  const id = ev.args[0];
  const t = o.activeTasks.get(id);
  if (t) {
    ev.args[2] = t.parent;
    ev.args[3] = evt.addExtraString(t.name);
    o.activeTasks.delete(id);
  } else {
    ev.args[2] = NoTask;
    ev.args[3] = evt.addExtraString('');
  }
  validateCtx(cur, userGoReqs);
  o.push(evt, cur, ev);
  return cur;
};

const userRegion: Handler = (o, ev, evt, _m, _gen, cur) => {
  validateCtx(cur, userGoReqs);
  const task = ev.args[0];
  const name = evt.string(ev.args[1]);
  if (name === undefined) throw new TraceError(`invalid string ID ${ev.args[1]} for ${ev.typ} event`);
  const which = ev.typ === Ev.UserRegionBegin ? 'EvUserRegionBegin' : 'EvUserRegionEnd';
  const g = o.gStates.get(cur.g);
  if (!g) throw new TraceError(`encountered ${which} without known state for current goroutine ${cur.g}`);
  if (ev.typ === Ev.UserRegionBegin) g.regions.push({ task, name });
  else if (g.regions.length > 0) {
    const top = g.regions[g.regions.length - 1];
    if (top.task !== task || top.name !== name)
      throw new TraceError(`misuse of region in goroutine ${g.id}: region end {${task} ${name}} when the inner-most active region start event is {${top.task} ${top.name}}`);
    g.regions.pop();
  }
  o.push(evt, cur, ev);
  return cur;
};

const gcActive: Handler = (o, ev, evt, _m, gen, cur) => {
  const seq = ev.args[0];
  if (gen === o.initialGen) {
    if (o.gcState !== GC_UNDETERMINED) throw new TraceError("GCActive in the first generation isn't first GC event");
    o.gcSeq = seq;
    o.gcState = GC_RUNNING;
    o.push(evt, cur, ev);
    return cur;
  }
  if (seq !== o.gcSeq + 1) return null;
  if (o.gcState !== GC_RUNNING) throw new TraceError('encountered GCActive while GC was not in progress');
  o.gcSeq = seq;
  validateCtx(cur, userGoReqs);
  o.push(evt, cur, ev);
  return cur;
};

const gcBegin: Handler = (o, ev, evt, _m, _gen, cur) => {
  const seq = ev.args[0];
  if (o.gcState === GC_UNDETERMINED) {
    o.gcSeq = seq;
    o.gcState = GC_RUNNING;
    o.push(evt, cur, ev);
    return cur;
  }
  if (seq !== o.gcSeq + 1) return null;
  if (o.gcState === GC_RUNNING) throw new TraceError('encountered GCBegin while GC was already in progress');
  o.gcSeq = seq;
  o.gcState = GC_RUNNING;
  validateCtx(cur, userGoReqs);
  o.push(evt, cur, ev);
  return cur;
};

const gcEnd: Handler = (o, ev, evt, _m, _gen, cur) => {
  const seq = ev.args[0];
  if (seq !== o.gcSeq + 1) return null;
  if (o.gcState === GC_NOT_RUNNING) throw new TraceError('encountered GCEnd when GC was not in progress');
  if (o.gcState === GC_UNDETERMINED) throw new TraceError('encountered GCEnd when GC was in an undetermined state');
  o.gcSeq = seq;
  o.gcState = GC_NOT_RUNNING;
  validateCtx(cur, userGoReqs);
  o.push(evt, cur, ev);
  return cur;
};

const withReqs =
  (reqs: Reqs): Handler =>
  (o, ev, evt, _m, _gen, cur) => {
    validateCtx(cur, reqs);
    o.push(evt, cur, ev);
    return cur;
  };
const annotation = withReqs(userGoReqs);
const heapMetric = withReqs([MUST, MUST, MAY]);
const allocFree = withReqs([MUST, MAY, MAY]);

function curProc(o: Ordering, cur: Ctx): PState {
  const p = o.pStates.get(cur.p);
  // Go dereferences a nil *pState here and panics; a broken trace is what it means.
  if (!p) throw new TraceError(`broken trace: no state for proc ${cur.p}`);
  return p;
}

const gcSweepBegin: Handler = (o, ev, evt, _m, _gen, cur) => {
  validateCtx(cur, [MUST, MUST, MAY]);
  curProc(o, cur).begin(rangeType(ev.typ, 0));
  o.push(evt, cur, ev);
  return cur;
};

const gcSweepActive: Handler = (o, ev, evt, _m, gen, cur) => {
  const pid = ev.args[0];
  const p = o.pStates.get(pid);
  if (!p) throw new TraceError(`encountered GCSweepActive for unknown proc ${pid}`);
  p.active(rangeType(ev.typ, 0), gen === o.initialGen);
  o.push(evt, cur, ev);
  return cur;
};

const gcSweepEnd: Handler = (o, ev, evt, _m, _gen, cur) => {
  validateCtx(cur, [MUST, MUST, MAY]);
  curProc(o, cur).end(ev.typ);
  o.push(evt, cur, ev);
  return cur;
};

const goRangeBegin: Handler = (o, ev, evt, _m, _gen, cur) => {
  validateCtx(cur, userGoReqs);
  const desc = ev.typ === Ev.STWBegin ? ev.args[0] : 0;
  const g = o.gStates.get(cur.g);
  if (!g) throw new TraceError(`encountered event of type ${ev.typ} without known state for current goroutine ${cur.g}`);
  g.begin(rangeType(ev.typ, desc));
  o.push(evt, cur, ev);
  return cur;
};

const goRangeActive: Handler = (o, ev, evt, _m, gen, cur) => {
  const gid = ev.args[0];
  const g = o.gStates.get(gid);
  if (!g) throw new TraceError(`uninitialized goroutine ${gid} found during ${o.evName(ev.typ)}`);
  g.active(rangeType(ev.typ, 0), gen === o.initialGen);
  o.push(evt, cur, ev);
  return cur;
};

const goRangeEnd: Handler = (o, ev, evt, _m, _gen, cur) => {
  validateCtx(cur, userGoReqs);
  const g = o.gStates.get(cur.g);
  if (!g) throw new TraceError(`encountered event of type ${ev.typ} without known state for current goroutine ${cur.g}`);
  const desc = g.end(ev.typ);
  // STWEnd carries its begin's reason, so the range can be named.
  if (ev.typ === Ev.STWEnd) ev.args[0] = desc;
  o.push(evt, cur, ev);
  return cur;
};

const dispatch: (Handler | undefined)[] = new Array(256);
Object.assign(dispatch, {
  [Ev.ProcsChange]: annotation,
  [Ev.ProcStart]: procStart,
  [Ev.ProcStop]: procStop,
  [Ev.ProcSteal]: procSteal,
  [Ev.ProcStatus]: procStatus,
  [Ev.GoCreate]: goCreate,
  [Ev.GoCreateSyscall]: goCreateSyscall,
  [Ev.GoStart]: goStart,
  [Ev.GoDestroy]: goStopExec,
  [Ev.GoDestroySyscall]: goDestroySyscall,
  [Ev.GoStop]: goStopExec,
  [Ev.GoBlock]: goStopExec,
  [Ev.GoUnblock]: goUnblock,
  [Ev.GoSyscallBegin]: goSyscallBegin,
  [Ev.GoSyscallEnd]: goSyscallEnd,
  [Ev.GoSyscallEndBlocked]: goSyscallEndBlocked,
  [Ev.GoStatus]: goStatus,
  [Ev.STWBegin]: goRangeBegin,
  [Ev.STWEnd]: goRangeEnd,
  [Ev.GCActive]: gcActive,
  [Ev.GCBegin]: gcBegin,
  [Ev.GCEnd]: gcEnd,
  [Ev.GCSweepActive]: gcSweepActive,
  [Ev.GCSweepBegin]: gcSweepBegin,
  [Ev.GCSweepEnd]: gcSweepEnd,
  [Ev.GCMarkAssistActive]: goRangeActive,
  [Ev.GCMarkAssistBegin]: goRangeBegin,
  [Ev.GCMarkAssistEnd]: goRangeEnd,
  [Ev.HeapAlloc]: heapMetric,
  [Ev.HeapGoal]: heapMetric,
  [Ev.GoLabel]: annotation,
  [Ev.UserTaskBegin]: userTaskBegin,
  [Ev.UserTaskEnd]: userTaskEnd,
  [Ev.UserRegionBegin]: userRegion,
  [Ev.UserRegionEnd]: userRegion,
  [Ev.UserLog]: annotation,
  [Ev.GoSwitch]: goSwitch,
  [Ev.GoSwitchDestroy]: goSwitch,
  [Ev.GoCreateBlocked]: goCreate,
  [Ev.GoStatusStack]: goStatus,
  [Ev.Span]: allocFree,
  [Ev.SpanAlloc]: allocFree,
  [Ev.SpanFree]: allocFree,
  [Ev.HeapObject]: allocFree,
  [Ev.HeapObjectAlloc]: allocFree,
  [Ev.HeapObjectFree]: allocFree,
  [Ev.GoroutineStack]: allocFree,
  [Ev.GoroutineStackAlloc]: allocFree,
  [Ev.GoroutineStackFree]: allocFree,
});
