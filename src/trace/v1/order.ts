// Merging the old format's per-P batches: which event may go next for its
// goroutine, and the frontier's min-heap by time. A port of
// x/exp/trace/internal/tracev1/order.go, rule for rule.
import { TraceError } from '../wire.js';
import { Ev1 } from './spec.js';
import type { Event1 } from './parser.js';

export const gDead = 0;
export const gRunnable = 1;
export const gRunning = 2;
export const gWaiting = 3;

// Go's ^uint64(0) and ^uint64(0)-1, which our numbers keep as int64 (-1, -2),
// the same as a goroutine id or sequence number of those values reads.
export const unordered = -1;
export const garbage = -2;
const noseq = -1;
const seqinc = -2;

export interface GState {
  seq: number;
  status: number;
}

/**
 * stateTransition's result. One object for every call: it runs for every
 * frontier candidate, and its result is used before the next call.
 */
export const st = { g: 0, initSeq: 0, initStatus: 0, nextSeq: 0, nextStatus: 0 };

function set(g: number, initSeq: number, initStatus: number, nextSeq: number, nextStatus: number) {
  st.g = g;
  st.initSeq = initSeq;
  st.initStatus = initStatus;
  st.nextSeq = nextSeq;
  st.nextStatus = nextStatus;
}

/** The goroutine an event orders on, its state before the event can merge (init) and after (next), into `st`. */
export function stateTransition(ev: Event1) {
  switch (ev.type) {
    case Ev1.GoCreate:
      return set(ev.args[0], 0, gDead, 1, gRunnable);
    case Ev1.GoWaiting:
    case Ev1.GoInSyscall:
      return set(ev.g, 1, gRunnable, 2, gWaiting);
    case Ev1.GoStart:
    case Ev1.GoStartLabel:
      return set(ev.g, ev.args[1], gRunnable, ev.args[1] + 1, gRunning);
    case Ev1.GoStartLocal:
      // noseq: ready as soon as the frontier reaches it (it is on the same P as
      // the GoCreate or GoUnblock it follows); seqinc: one more than whatever it was.
      return set(ev.g, noseq, gRunnable, seqinc, gRunning);
    case Ev1.GoBlock:
    case Ev1.GoBlockSend:
    case Ev1.GoBlockRecv:
    case Ev1.GoBlockSelect:
    case Ev1.GoBlockSync:
    case Ev1.GoBlockCond:
    case Ev1.GoBlockNet:
    case Ev1.GoSleep:
    case Ev1.GoSysBlock:
    case Ev1.GoBlockGC:
      return set(ev.g, noseq, gRunning, noseq, gWaiting);
    case Ev1.GoSched:
    case Ev1.GoPreempt:
      return set(ev.g, noseq, gRunning, noseq, gRunnable);
    case Ev1.GoUnblock:
    case Ev1.GoSysExit:
      return set(ev.args[0], ev.args[1], gWaiting, ev.args[1] + 1, gRunnable);
    case Ev1.GoUnblockLocal:
    case Ev1.GoSysExitLocal:
      return set(ev.args[0], noseq, gWaiting, seqinc, gRunnable);
    case Ev1.GCStart:
      return set(garbage, ev.args[0], gDead, ev.args[0] + 1, gDead);
    default:
      // No ordering requirements.
      return set(unordered, 0, 0, 0, 0);
  }
}

const zero: GState = { seq: 0, status: gDead };

export function transitionReady(g: number, curr: GState, initSeq: number, initStatus: number): boolean {
  return g === unordered || ((initSeq === noseq || initSeq === curr.seq) && initStatus === curr.status);
}

/** Applies the transition in `st` to gs. */
export function transition(gs: Map<number, GState>) {
  const g = st.g;
  if (g === unordered) return;
  const curr = gs.get(g) ?? zero;
  if (!transitionReady(g, curr, st.initSeq, st.initStatus)) throw new TraceError('encountered impossible goroutine state transition');
  let seq = st.nextSeq;
  if (seq === noseq) seq = curr.seq;
  else if (seq === seqinc) seq = curr.seq + 1;
  gs.set(g, { seq, status: st.nextStatus });
}

export const currentState = (gs: Map<number, GState>, g: number) => gs.get(g) ?? zero;

/** orderEventList: a min-heap by time, with Go's exact sifting (the order of ties decides the output). */
export class Frontier<P> {
  private h: { ev: Event1; proc: P }[] = [];
  get length() {
    return this.h.length;
  }
  private less(i: number, j: number) {
    return this.h[i].ev.ts < this.h[j].ev.ts;
  }
  private swap(i: number, j: number) {
    const t = this.h[i];
    this.h[i] = this.h[j];
    this.h[j] = t;
  }
  push(ev: Event1, proc: P) {
    this.h.push({ ev, proc });
    let j = this.h.length - 1;
    for (;;) {
      const i = ((j - 1) / 2) | 0;
      if (i === j || !this.less(j, i)) break;
      this.swap(i, j);
      j = i;
    }
  }
  pop(): { ev: Event1; proc: P } {
    const n = this.h.length - 1;
    this.swap(0, n);
    let i = 0;
    for (;;) {
      const j1 = 2 * i + 1;
      if (j1 >= n) break;
      let j = j1;
      const j2 = j1 + 1;
      if (j2 < n && this.less(j2, j1)) j = j2;
      if (!this.less(j, i)) break;
      this.swap(i, j);
      i = j;
    }
    return this.h.pop()!;
  }
}
