// One generation of a go1.22+ trace: its batches per thread, string and stack
// tables, CPU samples and clock data. A port of x/exp/trace's generation.go:
// a trace is read one generation at a time, so memory is bounded by the
// largest generation, not by the file.
import { decodeBytes } from './text.js';
import { Ev, MaxEventTrailerDataSize, MaxFramesPerStack, V } from './spec.js';
import {
  BatchReader,
  TraceError,
  isCPUSamplesBatch,
  isEndOfGeneration,
  isStacksBatch,
  isStringsBatch,
  isSyncBatch,
  readBatch,
  type Batch,
  type ByteSource,
} from './wire.js';

export interface Frame {
  pc: number;
  funcId: number;
  fileId: number;
  line: number;
}

/** The tables events refer to (evTable). Ids are the trace's own; 0 is always "none". */
export class EvTable {
  strings = new Map<number, string>();
  stacks = new Map<number, number[]>();
  pcs = new Map<number, Frame>();
  extraStrings: string[] = [];
  private extraIds = new Map<string, number>();
  /** Nanoseconds per tick. */
  freq = 0;
  hasClockSnapshot = false;
  snapTime = 0;
  snapMono = 0;
  snapWallSec = 0;
  snapWallNsec = 0;
  expBatches = new Map<number, { thread: number; data: Uint8Array }[]>();
  /** A metric's value where a number cannot hold it (past 2^53), exactly; old-format traces only. */
  exact = new WeakMap<object, bigint>();

  string(id: number): string | undefined {
    return id === 0 ? '' : this.strings.get(id);
  }
  stack(id: number): number[] | undefined {
    return id === 0 ? [] : this.stacks.get(id);
  }
  addExtraString(s: string): number {
    if (s === '') return 0;
    const known = this.extraIds.get(s);
    if (known !== undefined) return known;
    this.extraStrings.push(s);
    this.extraIds.set(s, this.extraStrings.length);
    return this.extraStrings.length;
  }
  extraString(id: number): string {
    return id === 0 ? '' : this.extraStrings[id - 1];
  }
  /** frequency.mul: ticks to nanoseconds, truncated as Go converts float64 to int64. */
  mul(ticks: number): number {
    return Math.trunc(ticks * this.freq);
  }
}

export interface CPUSample {
  m: number;
  p: number;
  g: number;
  time: number;
  stack: number;
}

export interface Generation {
  gen: number;
  batches: Map<number, Batch[]>;
  batchMs: number[];
  cpuSamples: CPUSample[];
  minTs: number;
  table: EvTable;
}

function newGeneration(): Generation {
  return { gen: 0, batches: new Map(), batchMs: [], cpuSamples: [], minTs: 0, table: new EvTable() };
}

/** readGeneration (go1.26+, whose generations end with EndOfGeneration): null when the trace is done. */
export function readGeneration(src: ByteSource, v: number): Generation | null {
  const g = newGeneration();
  for (;;) {
    const next = readBatch(src);
    if (!next) {
      if (g.batches.size !== 0) throw new TraceError('incomplete generation found; trace likely truncated');
      return null;
    }
    const { batch: b, gen } = next;
    if (g.gen === 0) g.gen = gen;
    if (isEndOfGeneration(b)) break;
    if (gen === 0) throw new TraceError(`invalid generation number ${gen}`);
    if (gen !== g.gen) throw new TraceError('broken trace: missing end-of-generation event, or generations are interleaved');
    if (g.minTs === 0 || b.time < g.minTs) g.minTs = b.time;
    processBatch(g, b, v);
  }
  if (g.table.freq === 0) throw new TraceError('no frequency event found');
  if (!g.table.hasClockSnapshot) throw new TraceError('no clock snapshot event found');
  finish(g);
  return g;
}

export interface Spilled {
  gen: number;
  batch: Batch;
}

/**
 * readGenerationWithSpill (before go1.26, when a generation ends where the next
 * one's first batch appears): the generation, that first batch, and an error
 * met while reading the next generation, which the reader reports after this one.
 */
export function readGenerationWithSpill(
  src: ByteSource,
  spill: Spilled | null,
  v: number,
): { gen: Generation; spill: Spilled | null; err: TraceError | null } {
  const g = newGeneration();
  if (spill) {
    g.gen = spill.gen;
    g.minTs = spill.batch.time;
    processBatch(g, spill.batch, v);
    spill = null;
  }
  let err: TraceError | null = null;
  for (;;) {
    let next;
    try {
      next = readBatch(src);
    } catch (e) {
      if (!(e instanceof TraceError) || g.gen === 0) throw e;
      err = e;
      break;
    }
    if (!next) break;
    const { batch: b, gen } = next;
    if (gen === 0) throw new TraceError(`invalid generation number ${gen}`);
    if (g.gen === 0) g.gen = gen;
    if (gen === g.gen + 1) {
      spill = { gen, batch: b };
      break;
    }
    if (gen !== g.gen) throw new TraceError('generations out of order');
    if (g.minTs === 0 || b.time < g.minTs) g.minTs = b.time;
    processBatch(g, b, v);
  }
  if (g.table.freq === 0) throw new TraceError('no frequency event found');
  if (v >= V.Go125 && !g.table.hasClockSnapshot) throw new TraceError('no clock snapshot event found');
  finish(g);
  return { gen: g, spill, err };
}

function finish(g: Generation) {
  validateStackStrings(g.table);
  for (const s of g.cpuSamples) s.time = g.table.mul(s.time);
  g.cpuSamples.sort((a, b) => a.time - b.time);
}

function processBatch(g: Generation, b: Batch, v: number) {
  if (isStringsBatch(b)) addStrings(g.table, b);
  else if (isStacksBatch(b)) addStacks(g.table, b);
  else if (isCPUSamplesBatch(b)) addCPUSamples(g.cpuSamples, b);
  else if (isSyncBatch(b, v)) setSyncBatch(g.table, b, v);
  else if (b.exp !== 0) {
    const list = g.table.expBatches.get(b.exp) ?? [];
    list.push({ thread: b.m, data: b.data });
    g.table.expBatches.set(b.exp, list);
  } else if (isEndOfGeneration(b)) throw new TraceError('internal error: unexpectedly processing EndOfGeneration; broken trace?');
  else {
    let list = g.batches.get(b.m);
    if (!list) {
      g.batchMs.push(b.m);
      g.batches.set(b.m, (list = []));
    }
    list.push(b);
  }
}

function validateStackStrings(t: EvTable) {
  for (const [id, pcs] of t.stacks) {
    for (const pc of pcs) {
      const f = t.pcs.get(pc);
      if (!f) throw new TraceError(`found unknown pc ${pc.toString(16)} for stack ${id}`);
      if (t.string(f.funcId) === undefined) throw new TraceError(`found invalid func string ID ${f.funcId} for stack ${id}`);
      if (t.string(f.fileId) === undefined) throw new TraceError(`found invalid file string ID ${f.fileId} for stack ${id}`);
    }
  }
}

function header(r: BatchReader, ev: number, what: string) {
  if (r.left === 0 || r.byte() !== ev) throw new TraceError(`missing ${what} batch header`);
}

function addStrings(t: EvTable, b: Batch) {
  const r = new BatchReader(b.data);
  header(r, Ev.Strings, 'strings');
  while (r.left !== 0) {
    const ev = r.byte();
    if (ev !== Ev.String) throw new TraceError(`expected string event, got ${ev}`);
    const id = r.uvarint();
    const len = r.uvarint();
    if (len > MaxEventTrailerDataSize) throw new TraceError(`invalid string size ${len}, maximum is ${MaxEventTrailerDataSize}`);
    const bytes = r.bytes(len);
    if (bytes.length !== len) throw new TraceError(`failed to read full string: read ${bytes.length} but wanted ${len}`);
    if (t.string(id) !== undefined) throw new TraceError(`multiple strings with the same ID: id=${id}`);
    t.strings.set(id, decodeBytes(bytes));
  }
}

function addStacks(t: EvTable, b: Batch) {
  const r = new BatchReader(b.data);
  header(r, Ev.Stacks, 'stacks');
  while (r.left !== 0) {
    const ev = r.byte();
    if (ev !== Ev.Stack) throw new TraceError(`expected stack event, got ${ev}`);
    const id = r.uvarint();
    const n = r.uvarint();
    if (n > MaxFramesPerStack) throw new TraceError(`invalid stack size ${n}, maximum is ${MaxFramesPerStack}`);
    const pcs: number[] = [];
    for (let i = 0; i < n; i++) {
      const field = (what: string) => {
        try {
          return r.uvarint();
        } catch (e) {
          throw new TraceError(`reading frame ${i + 1}'s ${what} for stack ${id}: ${(e as Error).message}`);
        }
      };
      const pc = field('PC');
      const funcId = field('funcID');
      const fileId = field('fileID');
      const line = field('line');
      pcs.push(pc);
      if (!t.pcs.has(pc)) t.pcs.set(pc, { pc, funcId, fileId, line });
    }
    if (t.stack(id) !== undefined) throw new TraceError(`multiple trace.stacks with the same ID: id=${id}`);
    t.stacks.set(id, pcs);
  }
}

function addCPUSamples(samples: CPUSample[], b: Batch) {
  const r = new BatchReader(b.data);
  header(r, Ev.CPUSamples, 'CPU samples');
  while (r.left !== 0) {
    const ev = r.byte();
    if (ev !== Ev.CPUSample) throw new TraceError(`expected CPU sample event, got ${ev}`);
    const time = r.uvarint();
    const m = r.uvarint();
    const p = r.uvarint();
    const g = r.uvarint();
    const stack = r.uvarint();
    samples.push({ m, p, g: g === 0 ? -1 : g, time, stack });
  }
}

function setSyncBatch(t: EvTable, b: Batch, v: number) {
  const r = new BatchReader(b.data);
  if (v >= V.Go125) header(r, Ev.Sync, 'sync');
  let lastTs = b.time;
  while (r.left !== 0) {
    const ev = r.byte();
    if (ev === Ev.Frequency) {
      if (t.freq !== 0) throw new TraceError('found multiple frequency events');
      const f = r.uvarint();
      // Go takes 0 and computes with an infinite frequency; every time would be NaN here.
      if (!(f > 0)) throw new TraceError(`invalid frequency ${f}`);
      t.freq = 1.0 / (f / 1e9);
    } else if (ev === Ev.ClockSnapshot && v >= V.Go125) {
      if (t.hasClockSnapshot) throw new TraceError('found multiple clock snapshot events');
      t.hasClockSnapshot = true;
      lastTs += r.uvarint();
      t.snapTime = lastTs;
      t.snapMono = r.uvarint();
      t.snapWallSec = r.uvarint();
      t.snapWallNsec = r.uvarint();
    } else throw new TraceError(`expected frequency or clock snapshot event, got ${ev}`);
  }
}
