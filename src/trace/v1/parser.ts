// Parsing the old trace format (Go 1.11 to 1.21) into one ordered list of
// events: a port of x/exp/trace/internal/tracev1's parser.go. The old format
// is not cut into generations, so, as in Go, the whole file is read and parsed
// at once: memory is bounded by the file, not by a generation.
//
// Numbers are JS numbers, as in the go1.22+ reader: a uint64 at or above 2^63
// is kept as its int64 value (^uint64(0) is -1), which is how Go compares the
// special P and sequence values below.
import { TraceError, uv, uvarintAt, uvarintBigAt } from '../wire.js';
import { decodeBytes } from '../text.js';
import { checkTrace } from './check.js';
import { Frontier, currentState, st, stateTransition, transition, transitionReady, type GState } from './order.js';
import { Ev1, ProfileP, SyscallP, TimerP, descs, u64 } from './spec.js';

export interface Event1 {
  /** Ticks while parsing, then nanoseconds since the first event. */
  ts: number;
  g: number;
  /** Four event-specific arguments (the stack is in stk). */
  args: number[];
  stk: number;
  p: number;
  type: number;
  /** Arguments past 2^53, exactly, by index: a heap goal can be near 2^63. */
  big: Map<number, bigint> | null;
}

export interface Frame1 {
  pc: number;
  fn: number;
  file: number;
  line: number;
}

export interface Trace1 {
  version: number;
  events: Event1[];
  stacks: Map<number, number[]>;
  pcs: Map<number, Frame1>;
  strings: Map<number, string>;
  inlineStrings: string[];
}

export const ErrTimeOrder = 'time stamps out of order';
const errMalformedVarint = 'malformatted base-128 varint';

interface RawEvent {
  typ: number;
  args: number[];
  sargs: string[];
  batchPid: number;
  batchOffset: number;
  big: Map<number, bigint> | null;
}

interface Proc {
  pid: number;
  events: Event1[];
  /** The next of `events` to merge. */
  at: number;
  done: boolean;
}

const SKIP_ARGS = 1;
const SKIP_STRINGS = 2;
const MaxInt32 = 2 ** 31 - 1;

/** raw.argNum(): the arguments an event has on the wire, its timestamp included. */
function argNum(raw: RawEvent): number {
  if (raw.typ === Ev1.Stack) return raw.args.length;
  const desc = descs[raw.typ];
  let narg = desc.args.length + (desc.stack ? 1 : 0);
  if (raw.typ === Ev1.Batch || raw.typ === Ev1.Frequency || raw.typ === Ev1.TimerGoroutine) return narg;
  return narg + 1;
}

/** Parse: the trace after its header. Throws TraceError with Go's message. */
export function parse1(data: Uint8Array, version: number): Trace1 {
  return new Parser(data, version).parse();
}

class Parser {
  private off = 0;
  private strings = new Map<number, string>();
  private inlineStrings: string[] = [];
  private inlineIds = new Map<string, number>();
  /** Each P's batch offsets, in the order the P first appears (Go's map order is random). */
  private batches = new Map<number, { offsets: number[]; next: number }>();
  private stacks = new Map<number, number[]>();
  private pcs = new Map<number, Frame1>();
  private ticksPerSec = 0;
  private cpuSamples: Event1[] = [];
  private timerGoids = new Set<number>();
  private lastTs = 0;
  private lastG = 0;
  private lastGs = new Map<number, number>();
  private lastP = 0;

  constructor(
    private data: Uint8Array,
    private version: number,
  ) {}

  parse(): Trace1 {
    this.collectBatchesAndCPUSamples();
    const events = this.parseEventBatches();
    if (this.ticksPerSec === 0) throw new TraceError('no EvFrequency event');
    if (events.length > 0) {
      const minTs = events[0].ts;
      const freq = 1e9 / this.ticksPerSec;
      for (const ev of events) {
        ev.ts = Math.trunc((ev.ts - minTs) * freq);
        // Timers and syscalls go to their own fake Ps.
        if (ev.type === Ev1.GoUnblock && this.timerGoids.has(ev.g)) ev.p = TimerP;
        if (ev.type === Ev1.GoSysExit) ev.p = SyscallP;
      }
    }
    checkTrace(events, this.stacks);
    return { version: this.version, events, stacks: this.stacks, pcs: this.pcs, strings: this.strings, inlineStrings: this.inlineStrings };
  }

  /**
   * Merges the per-P batches into one stream. Events within a batch are in
   * order; of the first unmerged event of each P (the frontier), those whose
   * goroutine is in the state they need are ready, and the earliest ready one
   * goes next. This keeps the stream consistent even where timestamps are off.
   */
  private parseEventBatches(): Event1[] {
    // CPU samples sit in the stream in the order the profiler's reader took them; sort them by when they were taken.
    this.cpuSamples.sort((a, b) => a.ts - b.ts);
    const allProcs: Proc[] = [];
    for (const pid of this.batches.keys()) allProcs.push({ pid, events: [], at: 0, done: false });
    allProcs.push({ pid: ProfileP, events: this.cpuSamples, at: 0, done: false });

    const events: Event1[] = [];
    const gs = new Map<number, GState>();
    const frontier = new Frontier<Proc>();
    const available = allProcs.slice();
    const removeAt = (i: number) => {
      available[i] = available[available.length - 1];
      available.pop();
    };
    for (;;) {
      for (let i = 0; i < available.length; i++) {
        const proc = available[i];
        let exhausted = false;
        while (proc.at === proc.events.length) {
          // Batches can be empty: load until one has events.
          const evs = this.loadBatch(proc.pid);
          if (!evs) {
            proc.done = true;
            exhausted = true;
            break;
          }
          proc.events = evs;
          proc.at = 0;
        }
        if (exhausted) {
          removeAt(i);
          i--;
          continue;
        }
        const ev = proc.events[proc.at];
        stateTransition(ev);
        if (!transitionReady(st.g, currentState(gs, st.g), st.initSeq, st.initStatus)) continue;
        proc.at++;
        removeAt(i);
        frontier.push(ev, proc);
        i--;
      }
      if (frontier.length === 0) {
        if (allProcs.some((p) => !p.done)) throw new TraceError('no consistent ordering of events possible');
        break;
      }
      const f = frontier.pop();
      // stateTransition is pure: computing it again is what Go does too.
      stateTransition(f.ev);
      // The "Local" events only served the ordering.
      if (f.ev.type === Ev1.GoStartLocal) f.ev.type = Ev1.GoStart;
      else if (f.ev.type === Ev1.GoUnblockLocal) f.ev.type = Ev1.GoUnblock;
      else if (f.ev.type === Ev1.GoSysExitLocal) f.ev.type = Ev1.GoSysExit;
      events.push(f.ev);
      transition(gs);
      available.push(f.proc);
    }

    for (let i = 1; i < events.length; i++) if (events[i].ts < events[i - 1].ts) throw new TraceError(ErrTimeOrder);

    // A syscall exit's real time (args[2]) can be long before the event was
    // written; it only takes that time now, once the order is settled, so that
    // broken timestamps are reported as such rather than as a broken order.
    const lastSysBlock = new Map<number, number>();
    for (const ev of events) {
      if (ev.type === Ev1.GoSysBlock || ev.type === Ev1.GoInSyscall) lastSysBlock.set(ev.g, ev.ts);
      else if (ev.type === Ev1.GoSysExit) {
        const ts = ev.args[2];
        if (ts === 0) continue;
        const block = lastSysBlock.get(ev.g) ?? 0;
        if (block === 0) throw new TraceError('stray syscall exit');
        if (ts < block) throw new TraceError(ErrTimeOrder);
        ev.ts = ts;
      }
    }
    // Array.prototype.sort is stable, as sort.Stable is.
    events.sort((a, b) => a.ts - b.ts);
    return events;
  }

  /** The first pass: where each P's batches are, and the CPU samples. */
  private collectBatchesAndCPUSamples() {
    const raw = newRaw();
    let curP = 0;
    while (this.readRawEvent(SKIP_ARGS | SKIP_STRINGS, raw)) {
      if (raw.typ === Ev1.None) continue;
      if (raw.typ === Ev1.Batch) {
        let b = this.batches.get(raw.batchPid);
        if (!b) this.batches.set(raw.batchPid, (b = { offsets: [], next: 0 }));
        b.offsets.push(raw.batchOffset);
        curP = raw.batchPid;
      }
      if (!this.batches.has(curP)) throw new TraceError(`read event ${raw.typ} with current P of ${curP}, but P has no batches yet`);
      if (raw.typ === Ev1.CPUSample) {
        const narg = argNum(raw);
        if (raw.args.length !== narg) throw new TraceError(`CPU sample has wrong number of arguments: want ${narg}, got ${raw.args.length}`);
        // [dt, real ts, real P, g, stack]
        const e: Event1 = { ts: raw.args[1], p: raw.args[2] | 0, g: raw.args[3], args: [0, 0, 0, 0], stk: raw.args[4] >>> 0, type: Ev1.CPUSample, big: null };
        e.args[1] = raw.args[2];
        e.args[2] = raw.args[3];
        // Written later than they happened, by another goroutine: kept aside and merged as their own P.
        this.cpuSamples.push(e);
      }
    }
  }

  private readVal(): number {
    this.valAt = this.off;
    const v = uvarintAt(this.data, this.off);
    if (uv.len <= 0) throw new TraceError(errMalformedVarint);
    this.off += uv.len;
    return v;
  }
  /** Where the last readVal read. */
  private valAt = 0;

  /** v, read at `at`, as Go's %d prints the uint64 (exactly, where a number cannot hold it). */
  private exact(v: number, at = this.valAt): string {
    return Number.isSafeInteger(v) && v >= 0 ? String(v) : uvarintBigAt(this.data, at).toString();
  }

  private discard(n: number): boolean {
    if (n < 0 || this.off + n > this.data.length) return false;
    this.off += n;
    return true;
  }

  private readFull(n: number): Uint8Array {
    if (this.off >= this.data.length || this.off + n > this.data.length) throw new TraceError('failed to read trace: unexpected EOF');
    const b = this.data.subarray(this.off, this.off + n);
    this.off += n;
    return b;
  }

  private readStr(): string {
    const sz = this.readVal();
    if (sz === 0) return '';
    if (sz > 1e6 || sz < 0) throw new TraceError(`string is too large (len=${this.exact(sz)})`);
    return decodeBytes(this.readFull(sz));
  }

  /** The next raw event into ev; false at the end of the data (io.EOF). */
  private readRawEvent(flags: number, ev: RawEvent): boolean {
    // Two bits give the number of arguments, 0 to 3; 3 means they are
    // length-prefixed. The timestamp counts as one more (so 4 is the
    // length-prefixed case), which EvBatch's custom layout happens to fit.
    if (this.off >= this.data.length) return false;
    const b = this.data[this.off++];
    const typ = b & 0x3f;
    const narg = (b >> 6) + 1;
    if (typ === Ev1.None || typ >= Ev1.Count || descs[typ].minVersion > this.version) throw new TraceError(`unknown event type ${typ}`);

    if (typ === Ev1.String) {
      // [ID, length, string]
      if (flags & SKIP_STRINGS) {
        this.readVal();
        const len = this.readVal();
        if (!this.discard(len)) throw new TraceError('failed to read trace: EOF');
      } else {
        const id = this.readVal();
        if (id === 0) throw new TraceError('string has invalid id 0');
        if (this.strings.has(id)) throw new TraceError(`string has duplicate id ${u64(id)}`);
        const len = this.readVal();
        if (len === 0) throw new TraceError('string has invalid length 0');
        if (len > 1e6 || len < 0) throw new TraceError(`string has too large length ${this.exact(len)}`);
        this.strings.set(id, decodeBytes(this.readFull(len)));
      }
      ev.typ = Ev1.None;
      return true;
    }

    if (typ === Ev1.Batch) {
      if (narg !== 2) throw new TraceError(`EvBatch has wrong number of arguments: got ${narg}, want 2`);
      const off = this.off - 1;
      const pid = this.readVal();
      if (pid !== -1 && (pid > MaxInt32 || pid < 0)) throw new TraceError(`processor ID ${this.exact(pid)} is larger than maximum of 18446744073709551615`);
      const ticks = this.readVal();
      ev.typ = Ev1.Batch;
      ev.args = [pid, ticks];
      ev.sargs = [];
      ev.batchPid = pid;
      ev.batchOffset = off;
      ev.big = null;
      return true;
    }

    ev.typ = typ;
    ev.args = [];
    ev.sargs = [];
    ev.batchPid = 0;
    ev.batchOffset = 0;
    ev.big = null;
    if (narg <= 3) {
      for (let i = 0; i < narg; i++) {
        const start = this.off;
        const v = uvarintAt(this.data, start);
        if (uv.len <= 0) throw new TraceError(`failed to read event ${typ} argument: ${errMalformedVarint}`);
        this.off += uv.len;
        if (flags & SKIP_ARGS) continue;
        if (!Number.isSafeInteger(v) || v < 0) (ev.big ??= new Map()).set(ev.args.length, uvarintBigAt(this.data, start));
        ev.args.push(v);
      }
      return true;
    }
    // More than three: the first value is the arguments' length in bytes.
    const start = this.off;
    const len = uvarintAt(this.data, start);
    if (uv.len <= 0) throw new TraceError(`failed to read event ${typ} argument: ${errMalformedVarint}`);
    this.off += uv.len;
    if (len > 2048 || len < 0) {
      // Go 1.19 writes at most 128; this guards against broken traces.
      throw new TraceError(`failed to read event ${typ} argument: length-prefixed argument too big: ${this.exact(len, start)} bytes, limit is 2048`);
    }
    if (!(flags & SKIP_ARGS) || typ === Ev1.CPUSample) {
      const buf = this.readFull(len);
      for (let at = 0; at < buf.length; ) {
        const v = uvarintAt(buf, at);
        if (uv.len <= 0) throw new TraceError(errMalformedVarint);
        if (!Number.isSafeInteger(v) || v < 0) (ev.big ??= new Map()).set(ev.args.length, uvarintBigAt(buf, at));
        at += uv.len;
        ev.args.push(v);
      }
    } else if (!this.discard(len)) throw new TraceError('failed to read trace: EOF');
    if (typ === Ev1.UserLog) {
      // Followed by the value string.
      if (!(flags & SKIP_ARGS)) ev.sargs.push(this.readStr());
      else {
        const n = this.readVal();
        // A bare io.EOF in Go: the first pass then ends as at the end of the data.
        if (!this.discard(n)) return false;
      }
    }
    return true;
  }

  /** The events of pid's next batch; null when it has no more (io.EOF). */
  private loadBatch(pid: number): Event1[] | null {
    const b = this.batches.get(pid);
    if (!b || b.next === b.offsets.length) return null;
    this.off = b.offsets[b.next++];
    const events: Event1[] = [];
    const raw = newRaw();
    let gotHeader = false;
    while (this.readRawEvent(0, raw)) {
      if (raw.typ === Ev1.None || raw.typ === Ev1.CPUSample) continue;
      if (raw.typ === Ev1.Batch) {
        if (gotHeader) break;
        gotHeader = true;
      }
      const ev = this.parseEvent(raw);
      if (ev) events.push(ev);
    }
    return events;
  }

  /** A raw event as an event, checking its arguments; null for those that only set parser state. */
  private parseEvent(raw: RawEvent): Event1 | null {
    const desc = descs[raw.typ];
    const narg = argNum(raw);
    if (raw.args.length !== narg) throw new TraceError(`${desc.name} has wrong number of arguments: want ${narg}, got ${raw.args.length}`);
    switch (raw.typ) {
      case Ev1.Batch: {
        this.lastGs.set(this.lastP, this.lastG);
        const pid = raw.args[0];
        if (pid !== -1 && (pid > MaxInt32 || pid < 0)) throw new TraceError(`processor ID ${u64(pid)} is larger than maximum of ${MaxInt32}`);
        this.lastP = pid;
        this.lastG = this.lastGs.get(this.lastP) ?? 0;
        this.lastTs = raw.args[1];
        return null;
      }
      case Ev1.Frequency:
        this.ticksPerSec = raw.args[0];
        // Most likely tick skew between CPUs (solaris/amd64 has it).
        if (this.ticksPerSec <= 0) throw new TraceError(ErrTimeOrder);
        return null;
      case Ev1.TimerGoroutine:
        this.timerGoids.add(raw.args[0]);
        return null;
      case Ev1.Stack: {
        if (raw.args.length < 2) throw new TraceError(`EvStack has wrong number of arguments: want at least 2, got ${raw.args.length}`);
        const size = raw.args[1];
        if (size > 1000 || size < 0) throw new TraceError(`EvStack has bad number of frames: ${raw.big?.get(1) ?? u64(size)}`);
        const want = 2 + 4 * size;
        if (raw.args.length !== want) throw new TraceError(`EvStack has wrong number of arguments: want ${want}, got ${raw.args.length}`);
        const id = raw.args[0] >>> 0;
        if (id !== 0 && size > 0) {
          const stk: number[] = new Array(size);
          for (let i = 0; i < size; i++) {
            const [pc, fn, file, line] = raw.args.slice(2 + i * 4, 6 + i * 4);
            stk[i] = pc;
            if (!this.pcs.has(pc)) this.pcs.set(pc, { pc, fn, file, line });
          }
          this.stacks.set(id, stk);
        }
        return null;
      }
      case Ev1.CPUSample:
        // Parsed in the first pass; not part of the batch.
        return null;
    }
    const ev: Event1 = { type: raw.typ, p: this.lastP, g: this.lastG, ts: this.lastTs + raw.args[0], args: [0, 0, 0, 0], stk: 0, big: null };
    this.lastTs = ev.ts;
    for (let i = 1; i < narg; i++) {
      if (i === narg - 1 && desc.stack) ev.stk = raw.args[i] >>> 0;
      else {
        ev.args[i - 1] = raw.args[i];
        const big = raw.big?.get(i);
        if (big !== undefined) (ev.big ??= new Map()).set(i - 1, big);
      }
    }
    switch (raw.typ) {
      case Ev1.GoStart:
      case Ev1.GoStartLocal:
      case Ev1.GoStartLabel:
        this.lastG = ev.args[0];
        ev.g = this.lastG;
        break;
      case Ev1.GoEnd:
      case Ev1.GoStop:
      case Ev1.GoSched:
      case Ev1.GoPreempt:
      case Ev1.GoSleep:
      case Ev1.GoBlock:
      case Ev1.GoBlockSend:
      case Ev1.GoBlockRecv:
      case Ev1.GoBlockSelect:
      case Ev1.GoBlockSync:
      case Ev1.GoBlockCond:
      case Ev1.GoBlockNet:
      case Ev1.GoSysBlock:
      case Ev1.GoBlockGC:
        this.lastG = 0;
        break;
      case Ev1.GoSysExit:
      case Ev1.GoWaiting:
      case Ev1.GoInSyscall:
        ev.g = ev.args[0];
        break;
      case Ev1.UserLog: {
        // args: task id, key id, (stack), message id: the message is inline in
        // the old format, and given an id here.
        const msg = raw.sargs[0];
        let id = this.inlineIds.get(msg);
        if (id === undefined) {
          id = this.inlineStrings.length;
          this.inlineIds.set(msg, id);
          this.inlineStrings.push(msg);
        }
        ev.args[3] = id;
        break;
      }
    }
    return ev;
  }
}

const newRaw = (): RawEvent => ({ typ: 0, args: [], sargs: [], batchPid: 0, batchOffset: 0, big: null });
