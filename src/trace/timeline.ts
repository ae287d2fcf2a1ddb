// What a timeline picture of a trace needs: which goroutine ran on each P and
// when (stored column-wise: a busy second has tens of thousands of slices),
// the GC mark phases and stop-the-world pauses, and the slowest region
// instances. Gathered in the same pass as everything else.
import { doubled } from '../arrays.js';
import { GoState, Kind, frames, kindOf, range, rangeKey, region, transition, type TraceEvent } from './event.js';
import { isSystemGoroutine } from './summary.js';

export type SliceKind = 0 | 1 | 2; // application (or library) code, runtime, GC worker

export interface Timeline {
  startNs: number;
  endNs: number;
  procs: number[];
  slices: {
    count: number;
    p: Int32Array;
    start: Float64Array;
    end: Float64Array;
    kind: Uint8Array;
    name: string[];
    g: Float64Array;
    /** Index into `stacks`: where the goroutine stopped running (-1: no stack). */
    stack: Int32Array;
  };
  /** Stacks as text, a few frames each, innermost first. */
  stacks: string[];
  gc: [number, number][];
  stw: { start: number; end: number; reason: string }[];
  /** The slowest region instances, slowest first. */
  regions: { name: string; g: number; start: number; end: number }[];
}

export class TimelineCollector {
  private first = 0;
  private last = 0;
  private running = new Map<number, { p: number; start: number }>();
  private names = new Map<number, string>();
  private procs = new Set<number>();
  private n = 0;
  private p = new Int32Array(1024);
  private start = new Float64Array(1024);
  private end = new Float64Array(1024);
  private g = new Float64Array(1024);
  private stack = new Int32Array(1024);
  private stacks: string[] = [];
  private stackIndex = new WeakMap<object, Map<number, number>>();
  private openRanges = new Map<string, number>();
  private gc: [number, number][] = [];
  private stw: Timeline['stw'] = [];
  private openRegions = new Map<number, { name: string; start: number }[]>();
  private regions: Timeline['regions'] = [];

  event(ev: TraceEvent) {
    if (this.first === 0) this.first = ev.time;
    this.last = ev.time;
    const k = kindOf(ev);
    if (k === Kind.StateTransition) {
      const st = transition(ev);
      if (st.resource === 'proc') {
        this.procs.add(st.id);
        return;
      }
      // As the summary names goroutines: the outermost frame of the first stack seen.
      if (st.stack !== null && !this.names.has(st.id)) {
        const fr = ev.table?.stack(st.stack);
        const pc = fr && fr.length > 0 ? fr[fr.length - 1] : undefined;
        const f = pc !== undefined ? ev.table?.pcs.get(pc) : undefined;
        if (f) this.names.set(st.id, ev.table?.string(f.funcId) ?? '');
      }
      // A generation restates a running goroutine as Running -> Running: the slice goes on.
      if (st.to === GoState.Running && st.from !== GoState.Running && ev.p >= 0) this.running.set(st.id, { p: ev.p, start: ev.time });
      else if (st.from === GoState.Running) this.close(st.id, ev.time, this.stackOf(ev, st.stack));
    } else if (k === Kind.RangeBegin || k === Kind.RangeActive) {
      const r = range(ev);
      const key = rangeKey(r);
      // Each generation restates ranges in progress (GCActive): they began earlier.
      if (!this.openRanges.has(key)) this.openRanges.set(key, ev.time);
    } else if (k === Kind.RangeEnd) {
      const r = range(ev);
      const key = rangeKey(r);
      const t0 = this.openRanges.get(key);
      this.openRanges.delete(key);
      if (t0 === undefined) return;
      if (r.name === 'GC concurrent mark phase') this.gc.push([t0, ev.time]);
      else if (r.name.startsWith('stop-the-world')) this.stw.push({ start: t0, end: ev.time, reason: r.name });
    } else if (k === Kind.RegionBegin) {
      const list = this.openRegions.get(ev.g) ?? [];
      list.push({ name: region(ev).type, start: ev.time });
      this.openRegions.set(ev.g, list);
    } else if (k === Kind.RegionEnd) {
      const open = this.openRegions.get(ev.g)?.pop();
      if (open) this.keepRegion({ name: open.name, g: ev.g, start: open.start, end: ev.time });
    }
  }

  private keepRegion(r: Timeline['regions'][number]) {
    // The slowest 12 are enough for a picture.
    this.regions.push(r);
    if (this.regions.length > 64) {
      this.regions.sort((a, b) => b.end - b.start - (a.end - a.start));
      this.regions.length = 12;
    }
  }

  /** The stack as text, once per stack of a generation. */
  private stackOf(ev: TraceEvent, id: number | null): number {
    if (!id || !ev.table) return -1;
    let ids = this.stackIndex.get(ev.table);
    if (!ids) this.stackIndex.set(ev.table, (ids = new Map()));
    let i = ids.get(id);
    if (i === undefined) {
      i = this.stacks.length;
      this.stacks.push(
        frames(ev.table, id)
          .slice(0, 12)
          .map((f) => `${f.func} ${f.file.split('/').slice(-2).join('/')}:${f.line}`)
          .join('\n'),
      );
      ids.set(id, i);
    }
    return i;
  }

  private close(g: number, t: number, stack = -1) {
    const open = this.running.get(g);
    if (!open) return;
    this.running.delete(g);
    if (this.n === this.p.length) this.grow();
    this.p[this.n] = open.p;
    this.start[this.n] = open.start;
    this.end[this.n] = t;
    this.g[this.n] = g;
    this.stack[this.n] = stack;
    this.n++;
  }

  private grow() {
    this.p = doubled(this.p);
    this.start = doubled(this.start);
    this.end = doubled(this.end);
    this.g = doubled(this.g);
    this.stack = doubled(this.stack);
  }

  finish(): Timeline {
    for (const g of [...this.running.keys()]) this.close(g, this.last);
    // Goroutines are named by the end (a goroutine running when the trace began shows its stack only later).
    const kind = new Uint8Array(this.n);
    const name: string[] = [];
    for (let i = 0; i < this.n; i++) {
      const n = this.names.get(this.g[i]) ?? '';
      kind[i] = n === 'runtime.gcBgMarkWorker' ? 2 : isSystemGoroutine(n) ? 1 : 0;
      name.push(n);
    }
    this.regions.sort((a, b) => b.end - b.start - (a.end - a.start));
    return {
      startNs: this.first,
      endNs: this.last,
      procs: [...this.procs].sort((a, b) => a - b),
      slices: { count: this.n, p: this.p.subarray(0, this.n), start: this.start.subarray(0, this.n), end: this.end.subarray(0, this.n), kind, name, g: this.g.subarray(0, this.n), stack: this.stack.subarray(0, this.n) },
      stacks: this.stacks,
      gc: this.gc,
      stw: this.stw,
      regions: this.regions.slice(0, 12),
    };
  }
}
