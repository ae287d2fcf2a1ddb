// The four latency profiles of `go tool trace -pprof=net|sync|syscall|sched`
// (cmd/trace/pprof.go): for every goroutine, each stretch it spent waiting on
// the network, on a channel, mutex or select, in a syscall, or runnable
// without a P, charged to the stack where that stretch began. They are pprof
// profiles, so top, flame graphs and diff read them like any other.
import { encodeProfile, type ProfileRecord } from '../profile/encode.js';
import { GoState, Kind, frames, kindOf, stackId, transition, type TraceEvent } from './event.js';
import type { Summary } from './summary.js';

export type LatencyKind = 'net' | 'sync' | 'syscall' | 'sched';
export const latencyKinds: LatencyKind[] = ['net', 'sync', 'syscall', 'sched'];

const tracked: Record<LatencyKind, { state: number; reason: (r: string) => boolean }> = {
  net: { state: GoState.Waiting, reason: (r) => r === 'network' },
  sync: { state: GoState.Waiting, reason: (r) => r.includes('chan') || r.includes('sync') || r.includes('select') },
  syscall: { state: GoState.Syscall, reason: () => true },
  sched: { state: GoState.Runnable, reason: () => true },
};

/** Each goroutine's life in the trace: from its first run to its end, or the trace's end. */
function lifetimes(summary: Summary): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const g of summary.goroutines.values()) out.set(g.id, [g.startTime, g.endTime === 0 ? summary.endTime : g.endTime]);
  return out;
}

function overlap(a: [number, number], start: number, end: number): number {
  if (a[1] < start || end < a[0]) return 0;
  return Math.min(a[1], end) - Math.max(a[0], start);
}

/**
 * Accumulates all four profiles in one pass over the events; the summary (of
 * the same events) gives each goroutine's lifetime, which bounds what counts.
 */
export class LatencyProfiles {
  private tracking = latencyKinds.map(() => new Map<number, TraceEvent>());
  // Finished stretches per kind as plain numbers (so no generation's tables are kept): stack, goroutine, start, end.
  private stretches: number[][] = latencyKinds.map(() => []);
  // A stack is a table's stack id: the same PCs in two generations are two stacks with one key.
  private stacks: { key: string; frames: ProfileRecord['stack'] }[] = [];
  private stackIndex = new WeakMap<object, Map<number, number>>();

  private stackOf(ev: TraceEvent): number {
    const id = stackId(ev);
    const table = ev.table ?? this;
    let ids = this.stackIndex.get(table);
    if (!ids) this.stackIndex.set(table, (ids = new Map()));
    let i = ids.get(id);
    if (i === undefined) {
      const stack = frames(ev.table, id).map((f) => ({ address: f.pc, func: f.func, file: f.file, line: f.line }));
      // cmd/trace keys stacks by a zero-padded array of PCs, so trailing zero PCs do not tell stacks apart.
      const key = stack.map((f) => f.address).join(',').replace(/(^|,)0(,0)*$/, '');
      i = this.stacks.length;
      this.stacks.push({ key, frames: stack });
      ids.set(id, i);
    }
    return i;
  }

  event(ev: TraceEvent) {
    if (kindOf(ev) !== Kind.StateTransition) return;
    const st = transition(ev);
    if (st.resource !== 'goroutine') return;
    latencyKinds.forEach((kind, k) => {
      const { state, reason } = tracked[kind];
      const start = this.tracking[k].get(st.id);
      if (!start) {
        if (st.to === state && reason(st.reason)) this.tracking[k].set(st.id, ev);
        return;
      }
      if (st.to === state) return;
      this.tracking[k].delete(st.id);
      this.stretches[k].push(this.stackOf(start), st.id, start.time, ev.time);
    });
  }

  /** The profile's records: count and delay (ns) per stack, the stacks deduplicated by their PCs. */
  records(kind: LatencyKind, summary: Summary): ProfileRecord[] {
    const k = latencyKinds.indexOf(kind);
    const life = lifetimes(summary);
    // Stretches with the same PCs share a record, which shows the frames of the last stack added to it, as in cmd/trace.
    const byKey = new Map<string, ProfileRecord & { from: number }>();
    const s = this.stretches[k];
    for (let i = 0; i < s.length; i += 4) {
      const g = life.get(s[i + 1]);
      const d = g ? overlap(g, s[i + 2], s[i + 3]) : 0;
      if (d <= 0) continue;
      const stack = this.stacks[s[i]];
      let rec = byKey.get(stack.key);
      if (!rec) byKey.set(stack.key, (rec = { stack: stack.frames, values: [0, 0], from: s[i] }));
      if (rec.from !== s[i]) [rec.stack, rec.from] = [stack.frames, s[i]];
      rec.values[0]++;
      rec.values[1] += d;
    }
    return [...byKey.values()].map(({ stack, values }) => ({ stack, values }));
  }

  /** The profile as gzipped pprof, as `go tool trace -pprof=KIND` writes it. */
  pprof(kind: LatencyKind, summary: Summary): Buffer {
    return encodeProfile({ sampleTypes: [['contentions', 'count'], ['delay', 'nanoseconds']], periodType: ['trace', 'count'], period: 1, records: this.records(kind, summary) });
  }
}
