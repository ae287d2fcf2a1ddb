// Reading a Go execution trace into one ordered stream of events: the port of
// x/exp/trace's Reader (reader.go, batchcursor.go). One generation is held at
// a time; each thread's batches are read through a cursor, and the cursors sit
// in a min-heap by the time of their next event. The head advances when the
// ordering's state machines allow it; otherwise the others are tried in time
// order, exactly as Go's reader does.
import { NoGoroutine, NoProc, NoThread, arg, type BaseEvent, type TraceEvent } from './event.js';
import { readGeneration, readGenerationWithSpill, type CPUSample, type EvTable, type Generation, type Spilled } from './generation.js';
import { Ordering } from './order.js';
import { V1Events } from './v1/convert.js';
import { parse1 } from './v1/parser.js';
import { Ev, EvSyncEvent, V, newFormats, oldFormats, specs } from './spec.js';
import { BufferSource, FileSource, TraceError, uvarintAt, uv, type Batch, type ByteSource } from './wire.js';

class BatchCursor {
  lastTs = 0;
  idx = 0;
  dataOff = 0;
  ev: BaseEvent = { typ: 0, time: 0, args: [0, 0, 0, 0] };
  constructor(
    readonly m: number,
    readonly batches: Batch[],
  ) {}

  /** The next event of this thread, or false when its batches are done. */
  next(batches: Batch[], table: EvTable): boolean {
    while (this.idx < batches.length && batches[this.idx].data.length === this.dataOff) {
      this.idx++;
      this.dataOff = 0;
      this.lastTs = 0;
    }
    if (this.idx === batches.length) return false;
    const b = batches[this.idx];
    if (this.lastTs === 0) this.lastTs = table.mul(b.time);
    const n = readTimedBaseEvent(b.data, this.dataOff, this.ev);
    this.ev.time = table.mul(tsDiff) + this.lastTs;
    this.lastTs = this.ev.time;
    this.dataOff += n;
    return true;
  }
}

// The offset after the last varint read by varint(): one module-level cursor instead of a tuple per argument.
let at = 0;

/** The uvarint at b[at], moving `at` past it; -1 where it is broken (the caller says how). */
function varint(b: Uint8Array): number {
  const c = b[at];
  if (c < 0x80 && at < b.length) {
    at++;
    return c;
  }
  const v = uvarintAt(b, at);
  if (uv.len <= 0) return -1;
  at += uv.len;
  return v;
}

/** Reads one event into e and returns its length; its timestamp delta is left in `tsDiff`. */
function readTimedBaseEvent(b: Uint8Array, off: number, e: BaseEvent): number {
  const typ = b[off];
  if (typ >= specs.length) throw new TraceError(`found invalid event type: ${typ}`);
  e.typ = typ;
  const spec = specs[typ];
  const nargs = spec.args.length;
  if (nargs === 0 || !spec.timed) throw new TraceError(`found event without a timestamp: type=${typ}`);
  at = off + 1;
  // A decoded -1 (NoThread and the like, written as ^uint64(0)) only ever comes back through uvarintAt's
  // slow path; the fast path never yields it, so -1 as "broken" is checked against the bytes read.
  const before = at;
  const ts = varint(b);
  if (ts === -1 && !validNegative(b, before)) throw new TraceError('found invalid uvarint for timestamp');
  for (let i = 0; i < nargs - 1; i++) {
    const start = at;
    const arg = varint(b);
    if (arg === -1 && !validNegative(b, start)) throw new TraceError('found invalid uvarint');
    e.args[i] = arg;
  }
  tsDiff = ts;
  return at - off;
}
let tsDiff = 0;

/** Whether a -1 from varint() at `start` was a real ^uint64(0) rather than a broken varint. */
function validNegative(b: Uint8Array, start: number): boolean {
  uvarintAt(b, start);
  return uv.len > 0;
}

// The frontier's min-heap, as batchcursor.go keeps it (the order of ties matters for exactness).
function swap(h: BatchCursor[], i: number, j: number) {
  const t = h[i];
  h[i] = h[j];
  h[j] = t;
}
const before = (a: BatchCursor, b: BatchCursor) => a.ev.time > b.ev.time;
function siftUp(h: BatchCursor[], i: number): number {
  while (i > 0 && before(h[(i - 1) >> 1], h[i])) {
    const p = (i - 1) >> 1;
    swap(h, p, i);
    i = p;
  }
  return i;
}
function siftDown(h: BatchCursor[], i: number) {
  for (;;) {
    let m = i;
    let minT = i < h.length ? h[i].ev.time : Number.MAX_VALUE;
    for (const c of [2 * i + 1, 2 * i + 2]) {
      if (c < h.length && h[c].ev.time < minT) {
        minT = h[c].ev.time;
        m = c;
      }
    }
    if (m === i) return;
    swap(h, i, m);
    i = m;
  }
}
function heapUpdate(h: BatchCursor[], i: number) {
  if (siftUp(h, i) !== i) return;
  siftDown(h, i);
}
function heapRemove(h: BatchCursor[], i: number) {
  while (i > 0) {
    const p = (i - 1) >> 1;
    swap(h, p, i);
    i = p;
  }
  swap(h, 0, h.length - 1);
  h.pop();
  siftDown(h, 0);
}

/** Go's slices.SortFunc on the frontier: insertion sort below 13 elements, which is stable. */
function sortFrontier(h: BatchCursor[]) {
  if (h.length <= 12) {
    for (let i = 1; i < h.length; i++) for (let j = i; j > 0 && h[j].ev.time < h[j - 1].ev.time; j--) swap(h, j, j - 1);
  } else h.sort((a, b) => a.ev.time - b.ev.time);
}

function syncEvent(table: EvTable | null, time: number, n: number): TraceEvent {
  return { table, g: NoGoroutine, p: NoProc, m: NoThread, typ: EvSyncEvent, time, a0: n, a1: 0, a2: 0, a3: 0 };
}

/** Reads "go 1.NN trace\0\0\0" and returns NN. */
function readHeader(src: ByteSource): number {
  const bad = () => new TraceError('bad file format: not a Go execution trace?');
  for (const c of 'go 1.') if (src.readByte() !== c.charCodeAt(0)) throw bad();
  let v = 0;
  let digits = 0;
  let b = src.readByte();
  while (b >= 0x30 && b <= 0x39 && digits < 9) {
    v = v * 10 + (b - 0x30);
    digits++;
    b = src.readByte();
  }
  if (digits === 0) throw bad();
  const tail = ' trace\0\0\0';
  for (let i = 0; i < tail.length; i++) {
    if (i > 0) b = src.readByte();
    if (b !== tail.charCodeAt(i)) throw bad();
  }
  return v;
}

export class TraceReader {
  readonly version: number;
  private src: ByteSource;
  private lastTs = 0;
  private gen: Generation | null = null;
  private frontier: BatchCursor[] = [];
  private cpuSamples: CPUSample[] = [];
  private cpuNext = 0;
  private order: Ordering;
  private syncs = 0;
  private readGenErr: TraceError | null = null;
  private done = false;
  private spill: Spilled | null = null;
  private spillErr: TraceError | null = null;
  private spillErrSync = false;
  /** The old format's events, all parsed up front. */
  private v1: V1Events | null = null;

  /** Throws TraceError when the header is not a trace format this reader takes, or is an old-format trace that does not parse. */
  constructor(input: Uint8Array | string) {
    const raw = typeof input === 'string' ? new FileSource(input) : new BufferSource(input);
    try {
      this.version = readHeader(raw);
    } catch (e) {
      raw.close();
      throw e;
    }
    this.src = raw;
    this.order = new Ordering(this.version);
    if (oldFormats.includes(this.version)) {
      try {
        this.v1 = new V1Events(parse1(readAll(raw), this.version));
      } finally {
        raw.close();
      }
      return;
    }
    if (!newFormats.includes(this.version)) {
      this.src.close();
      throw new TraceError(`unknown or unsupported trace version go 1.${this.version}`);
    }
  }

  /** Bytes of the trace read so far. */
  get offset() {
    return this.src.offset;
  }

  close() {
    this.src.close();
  }

  /** The next event, or null at the end. Throws TraceError on a broken trace. */
  next(): TraceEvent | null {
    if (this.v1) {
      // Go hands these out as converted, with no time fix-up here and no check
      // of their table ids either: an id missing from the table makes Go panic
      // when the event is printed, so here it is the error the new format gives.
      const e = this.v1.next();
      if (e) {
        validateTableIds(e);
        this.v1.checkFrames(e);
      }
      return e;
    }
    if (this.done) return null;
    const e = this.nextUnchecked();
    if (!e) return null;
    validateTableIds(e);
    if (e.time <= this.lastTs) e.time = this.lastTs + 1;
    this.lastTs = e.time;
    return e;
  }

  private nextUnchecked(): TraceEvent | null {
    const queued = this.order.next();
    if (queued) return queued;

    if (this.frontier.length === 0 && this.cpuNext === this.cpuSamples.length) {
      if (this.version < V.Go126) return this.nextGenWithSpill();
      if (this.readGenErr) throw this.readGenErr;
      let gen: Generation | null;
      try {
        gen = readGeneration(this.src, this.version);
      } catch (e) {
        if (!(e instanceof TraceError)) throw e;
        // Emit the current generation's closing Sync, then the error.
        this.readGenErr = e;
        this.gen = null;
        return syncEvent(null, this.lastTs, ++this.syncs);
      }
      return this.installGen(gen);
    }
    const gen = this.gen!;
    if (this.cpuNext < this.cpuSamples.length) {
      const s = this.cpuSamples[this.cpuNext];
      if (this.frontier.length === 0 || s.time < this.frontier[0].ev.time) {
        this.cpuNext++;
        return { table: gen.table, g: s.g, p: s.p, m: s.m, typ: Ev.CPUSample, time: s.time, a0: s.stack, a1: 0, a2: 0, a3: 0 };
      }
    }
    if (this.frontier.length === 0) throw new TraceError(`broken trace: frontier is empty [gen=${gen.gen}]`);
    if (!this.tryAdvance(gen, 0)) {
      sortFrontier(this.frontier);
      let success = false;
      for (let i = 1; i < this.frontier.length; i++) {
        if (this.tryAdvance(gen, i)) {
          success = true;
          break;
        }
      }
      if (!success) {
        const heads = this.frontier.map((bc) => `M ${bc.m} [${specs[bc.ev.typ].name} time=${bc.ev.time}]`).join(', ');
        throw new TraceError(`broken trace: failed to advance: frontier: [gen=${gen.gen}] ${heads}`);
      }
    }
    const ev = this.order.next();
    if (!ev) throw new Error('invariant violation: advance successful, but queue is empty');
    return ev;
  }

  /** Orders the next event of the i-th cursor if it can go now, and moves that cursor on. */
  private tryAdvance(gen: Generation, i: number): boolean {
    const bc = this.frontier[i];
    if (!this.order.advance(bc.ev, gen.table, bc.m, gen.gen)) return false;
    if (bc.next(bc.batches, gen.table)) heapUpdate(this.frontier, i);
    else heapRemove(this.frontier, i);
    return true;
  }

  private nextGenWithSpill(): TraceEvent | null {
    if (this.spillErr) {
      if (this.spillErrSync) throw this.spillErr;
      this.spillErrSync = true;
      return syncEvent(null, this.lastTs, ++this.syncs);
    }
    if (this.gen && !this.spill) {
      this.done = true;
      return syncEvent(null, this.lastTs, ++this.syncs);
    }
    let read;
    try {
      read = readGenerationWithSpill(this.src, this.spill, this.version);
    } catch (e) {
      if (!(e instanceof TraceError)) throw e;
      this.spill = null;
      this.spillErr = e;
      this.gen = null;
      this.spillErrSync = true;
      return syncEvent(null, this.lastTs, ++this.syncs);
    }
    this.spill = read.spill;
    this.spillErr = read.err;
    return this.installGen(read.gen);
  }

  private installGen(gen: Generation | null): TraceEvent {
    if (!gen) {
      this.gen = null;
      this.done = true;
      return syncEvent(null, this.lastTs, ++this.syncs);
    }
    this.gen = gen;
    this.cpuSamples = gen.cpuSamples;
    this.cpuNext = 0;
    for (const m of gen.batchMs) {
      const bc = new BatchCursor(m, gen.batches.get(m)!);
      if (!bc.next(bc.batches, gen.table)) continue;
      this.frontier.push(bc);
      siftUp(this.frontier, this.frontier.length - 1);
    }
    return syncEvent(gen.table, gen.table.mul(gen.minTs), ++this.syncs);
  }
}

function validateTableIds(e: TraceEvent) {
  if (e.typ === EvSyncEvent) return;
  const spec = specs[e.typ];
  for (const i of spec.stackIds) {
    const id = arg(e, i - 1);
    if (e.table!.stack(id) === undefined) throw new TraceError(`found invalid stack ID ${id} for event ${spec.name}`);
  }
  for (const i of spec.stringIds) {
    const id = arg(e, i - 1);
    if (e.table!.string(id) === undefined) throw new TraceError(`found invalid string ID ${id} for event ${spec.name}`);
  }
}

/** The rest of a source. */
function readAll(src: ByteSource): Uint8Array {
  const parts: Uint8Array[] = [];
  for (;;) {
    const part = src.read(1 << 20);
    if (part.length === 0) break;
    parts.push(part);
  }
  return parts.length === 1 ? parts[0] : Buffer.concat(parts);
}

/** Every event of a trace, in order. Throws TraceError on a broken trace. */
export function* readTrace(input: Uint8Array | string): Generator<TraceEvent> {
  const r = new TraceReader(input);
  try {
    for (let e = r.next(); e; e = r.next()) yield e;
  } finally {
    r.close();
  }
}
