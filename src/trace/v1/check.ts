// The old format's consistency check over the merged events (a P runs one G
// at a time, a G is blocked before it is unblocked, ...), which also restores
// some information: a port of postProcessTrace in tracev1's parser.go.
import { quote } from '../format.js';
import { TraceError } from '../wire.js';
import type { Event1 } from './parser.js';
import { Ev1, GCP, NetpollP, TimerP, descs, u64 } from './spec.js';

const gDead = 0;
const gRunnable = 1;
const gRunning = 2;
const gWaiting = 3;

interface GDesc {
  state: number;
  ev: Event1 | null;
  evStart: Event1 | null;
  evCreate: Event1 | null;
  evMarkAssist: Event1 | null;
}
interface PDesc {
  running: boolean;
  g: number;
  evSweep: Event1 | null;
}

const newG = (): GDesc => ({ state: gDead, ev: null, evStart: null, evCreate: null, evMarkAssist: null });
const newP = (): PDesc => ({ running: false, g: 0, evSweep: null });
const q = (ev: Event1) => quote(event1String(ev));

/** Event.String(), for the messages that quote an event. */
function event1String(ev: Event1): string {
  const desc = descs[ev.type];
  let s = `${ev.ts} ${desc.name} p=${ev.p} g=${u64(ev.g)} stk=${ev.stk}`;
  desc.args.forEach((a, i) => (s += ` ${a}=${u64(ev.args[i])}`));
  return s;
}

/** Throws TraceError where the trace is inconsistent; moves some events to fake Ps and drops stacks that do not exist. */
export function checkTrace(events: Event1[], stacks: Map<number, number[]>) {
  // Go keeps these as struct values in maps: reading one copies it, and only a store changes the map.
  const gsMap = new Map<number, GDesc>();
  const psMap = new Map<number, PDesc>();
  const getG = (id: number): GDesc => ({ ...(gsMap.get(id) ?? newG()) });
  const getP = (id: number): PDesc => ({ ...(psMap.get(id) ?? newP()) });
  const tasks = new Map<number, Event1>();
  const activeRegions = new Map<number, Event1[]>();
  gsMap.set(0, { ...newG(), state: gRunning });
  let evGC: Event1 | null = null;
  let evSTW: Event1 | null = null;

  const checkRunning = (p: PDesc, g: GDesc, ev: Event1, allowG0: boolean) => {
    const name = descs[ev.type].name;
    if (g.state !== gRunning) throw new TraceError(`g ${u64(ev.g)} is not running while ${name} (time ${ev.ts})`);
    if (p.g !== ev.g) throw new TraceError(`p ${ev.p} is not running g ${u64(ev.g)} while ${name} (time ${ev.ts})`);
    if (!allowG0 && ev.g === 0) throw new TraceError(`g 0 did ${name} (time ${ev.ts})`);
  };

  for (const ev of events) {
    switch (ev.type) {
      case Ev1.ProcStart: {
        const p = getP(ev.p);
        if (p.running) throw new TraceError(`p ${ev.p} is running before start (time ${ev.ts})`);
        p.running = true;
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.ProcStop: {
        const p = getP(ev.p);
        if (!p.running) throw new TraceError(`p ${ev.p} is not running before stop (time ${ev.ts})`);
        if (p.g !== 0) throw new TraceError(`p ${ev.p} is running a goroutine ${u64(p.g)} during stop (time ${ev.ts})`);
        p.running = false;
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GCStart:
        if (evGC) throw new TraceError(`previous GC is not ended before a new one (time ${ev.ts})`);
        evGC = ev;
        // Attributed to the global GC state.
        ev.p = GCP;
        break;
      case Ev1.GCDone:
        if (!evGC) throw new TraceError(`bogus GC end (time ${ev.ts})`);
        evGC = null;
        break;
      case Ev1.STWStart:
        if (evSTW) throw new TraceError(`previous STW is not ended before a new one (time ${ev.ts})`);
        evSTW = ev;
        break;
      case Ev1.STWDone:
        if (!evSTW) throw new TraceError(`bogus STW end (time ${ev.ts})`);
        evSTW = null;
        break;
      case Ev1.GCSweepStart: {
        const p = getP(ev.p);
        if (p.evSweep) throw new TraceError(`previous sweeping is not ended before a new one (time ${ev.ts})`);
        p.evSweep = ev;
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GCMarkAssistStart: {
        const g = getG(ev.g);
        if (g.evMarkAssist) throw new TraceError(`previous mark assist is not ended before a new one (time ${ev.ts})`);
        g.evMarkAssist = ev;
        gsMap.set(ev.g, g);
        break;
      }
      case Ev1.GCMarkAssistDone: {
        // A mark assist can be in progress when tracing starts: no error for a missing start.
        const g = getG(ev.g);
        g.evMarkAssist = null;
        gsMap.set(ev.g, g);
        break;
      }
      case Ev1.GCSweepDone: {
        const p = getP(ev.p);
        if (!p.evSweep) throw new TraceError(`bogus sweeping end (time ${ev.ts})`);
        p.evSweep = null;
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GoWaiting:
      case Ev1.GoInSyscall: {
        const g = getG(ev.g);
        if (g.state !== gRunnable) throw new TraceError(`g ${u64(ev.g)} is not runnable before ${ev.type === Ev1.GoWaiting ? 'EvGoWaiting' : 'EvGoInSyscall'} (time ${ev.ts})`);
        g.state = gWaiting;
        g.ev = ev;
        gsMap.set(ev.g, g);
        break;
      }
      case Ev1.GoCreate: {
        checkRunning(getP(ev.p), getG(ev.g), ev, true);
        if (gsMap.has(ev.args[0])) throw new TraceError(`g ${u64(ev.args[0])} already exists (time ${ev.ts})`);
        gsMap.set(ev.args[0], { ...newG(), state: gRunnable, ev, evCreate: ev });
        break;
      }
      case Ev1.GoStart:
      case Ev1.GoStartLabel: {
        const g = getG(ev.g);
        const p = getP(ev.p);
        if (g.state !== gRunnable) throw new TraceError(`g ${u64(ev.g)} is not runnable before start (time ${ev.ts})`);
        if (p.g !== 0) throw new TraceError(`p ${ev.p} is already running g ${u64(p.g)} while start g ${u64(ev.g)} (time ${ev.ts})`);
        g.state = gRunning;
        g.evStart = ev;
        p.g = ev.g;
        if (g.evCreate) {
          ev.stk = g.evCreate.args[1] >>> 0;
          g.evCreate = null;
        }
        g.ev = null;
        gsMap.set(ev.g, g);
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GoEnd:
      case Ev1.GoStop: {
        const g = getG(ev.g);
        const p = getP(ev.p);
        checkRunning(p, g, ev, false);
        g.evStart = null;
        g.state = gDead;
        p.g = 0;
        // Ending flushes the goroutine's active regions.
        if (ev.type === Ev1.GoEnd) activeRegions.delete(ev.g);
        gsMap.set(ev.g, g);
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GoSched:
      case Ev1.GoPreempt: {
        const g = getG(ev.g);
        const p = getP(ev.p);
        checkRunning(p, g, ev, false);
        g.state = gRunnable;
        g.evStart = null;
        p.g = 0;
        g.ev = ev;
        gsMap.set(ev.g, g);
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GoUnblock: {
        const g = getG(ev.g);
        const p = getP(ev.p);
        if (g.state !== gRunning) throw new TraceError(`g ${u64(ev.g)} is not running while unpark (time ${ev.ts})`);
        if (ev.p !== TimerP && p.g !== ev.g) throw new TraceError(`p ${ev.p} is not running g ${u64(ev.g)} while unpark (time ${ev.ts})`);
        const g1 = getG(ev.args[0]);
        if (g1.state !== gWaiting) throw new TraceError(`g ${u64(ev.args[0])} is not waiting before unpark (time ${ev.ts})`);
        if (g1.ev && g1.ev.type === Ev1.GoBlockNet) ev.p = NetpollP;
        g1.state = gRunnable;
        g1.ev = ev;
        gsMap.set(ev.args[0], g1);
        break;
      }
      case Ev1.GoSysCall: {
        const g = getG(ev.g);
        checkRunning(getP(ev.p), g, ev, false);
        g.ev = ev;
        gsMap.set(ev.g, g);
        break;
      }
      case Ev1.GoSysBlock: {
        const g = getG(ev.g);
        const p = getP(ev.p);
        checkRunning(p, g, ev, false);
        g.state = gWaiting;
        g.evStart = null;
        p.g = 0;
        gsMap.set(ev.g, g);
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.GoSysExit: {
        const g = getG(ev.g);
        if (g.state !== gWaiting) throw new TraceError(`g ${u64(ev.g)} is not waiting during syscall exit (time ${ev.ts})`);
        g.state = gRunnable;
        g.ev = ev;
        gsMap.set(ev.g, g);
        break;
      }
      case Ev1.GoSleep:
      case Ev1.GoBlock:
      case Ev1.GoBlockSend:
      case Ev1.GoBlockRecv:
      case Ev1.GoBlockSelect:
      case Ev1.GoBlockSync:
      case Ev1.GoBlockCond:
      case Ev1.GoBlockNet:
      case Ev1.GoBlockGC: {
        const g = getG(ev.g);
        const p = getP(ev.p);
        checkRunning(p, g, ev, false);
        g.state = gWaiting;
        g.ev = ev;
        g.evStart = null;
        p.g = 0;
        gsMap.set(ev.g, g);
        psMap.set(ev.p, p);
        break;
      }
      case Ev1.UserTaskCreate: {
        const taskid = ev.args[0];
        const prev = tasks.get(taskid);
        if (prev) throw new TraceError(`task id conflicts (id:${u64(taskid)}), ${q(ev)} vs ${q(prev)}`);
        tasks.set(taskid, ev);
        break;
      }
      case Ev1.UserTaskEnd:
        tasks.delete(ev.args[0]);
        break;
      case Ev1.UserRegion: {
        const mode = ev.args[1];
        const regions = activeRegions.get(ev.g) ?? [];
        if (mode === 0) activeRegions.set(ev.g, [...regions, ev]);
        else if (mode === 1) {
          const n = regions.length;
          // Where the start is in the trace.
          if (n > 0) {
            const s = regions[n - 1];
            if (s.args[0] !== ev.args[0] || s.args[2] !== ev.args[2])
              throw new TraceError(`misuse of region in goroutine ${u64(ev.g)}: span end ${q(ev)} when the inner-most active span start event is ${q(s)}`);
            if (n > 1) activeRegions.set(ev.g, regions.slice(0, n - 1));
            else activeRegions.delete(ev.g);
          }
        } else throw new TraceError(`invalid user region mode: ${q(ev)}`);
        break;
      }
    }
    // No event may point at a stack that does not exist or has no frames.
    if (ev.stk !== 0 && (stacks.get(ev.stk)?.length ?? 0) === 0) ev.stk = 0;
  }
}
