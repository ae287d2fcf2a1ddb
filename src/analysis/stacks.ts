// Reading stacks the way the detectors need them: frames with their kind
// and line, what a stack is waiting on, and where the application is in it.

import { frameKind, isProfilerFrame, type FrameKind } from '../profile/frames.js';
import type { Profile } from '../profile/model.js';
import { resolveSampleIndex } from '../profile/top.js';
import type { CodeLocation } from '../model.js';

export interface Frame {
  name: string;
  file: string;
  line: number;
  kind: FrameKind;
}

export interface StackSample {
  /** Leaf first. */
  frames: Frame[];
  value: number;
}

/** The CPU time of a profile: Go's "cpu", or the wall time of a Node.js thread. */
export function cpuSampleType(p: Profile): string | undefined {
  return ['cpu', 'wall'].find((t) => p.sampleTypes.some((s) => s.type === t));
}

/** The samples of one sample type with their frames, leaving out rca-bot's own capture requests. */
export function stackSamples(p: Profile, sampleType: string): StackSample[] {
  const index = resolveSampleIndex(p, sampleType);
  if (!index.ok) return [];
  const locs = p.locations;
  const perLocation: Frame[][] = new Array(locs.count);
  for (let i = 0; i < locs.count; i++) {
    const frames: Frame[] = [];
    for (let j = locs.lineStart[i]; j < locs.lineEnd[i]; j++) {
      const fn = p.functions[locs.lineFunc[j]];
      frames.push({ name: fn.name, file: fn.filename, line: locs.lineNumber[j], kind: frameKind(fn.name, fn.filename) });
    }
    if (frames.length === 0) {
      const m = locs.mapping[i] >= 0 ? p.mappings[locs.mapping[i]].file : '';
      frames.push({ name: m ? `[${m.split('/').pop()}]` : '<unknown>', file: '', line: 0, kind: 'native' });
    }
    perLocation[i] = frames;
  }
  const n = p.sampleTypes.length;
  const out: StackSample[] = [];
  const { stack, stackStart, stackEnd, values, count } = p.samples;
  for (let s = 0; s < count; s++) {
    const value = values[s * n + index.value];
    if (value === 0) continue;
    const frames: Frame[] = [];
    for (let i = stackStart[s]; i < stackEnd[s]; i++) frames.push(...perLocation[stack[i]]);
    if (frames.some(isOwnCapture)) continue;
    out.push({ frames, value });
  }
  return out;
}

const isOwnCapture = (f: Frame) => isProfilerFrame(f.name, f.file);

export function total(samples: StackSample[]): number {
  let t = 0;
  for (const s of samples) t += s.value;
  return t;
}

// Waits inside HTTP and gRPC clients are a slow downstream call, not a queue of ours.
const clientWait = /^net\/http\.\(\*(persistConn|http2clientStream|http2ClientConn)\)\.|^google\.golang\.org\/grpc\/internal\/transport\.|^google\.golang\.org\/grpc\.\(\*clientStream\)\./;

export function isClientWait(site: string): boolean {
  return clientWait.test(site);
}

/** The first application frame from the leaf, as a code location. */
export function firstAppFrame(frames: Frame[]): CodeLocation | undefined {
  const f = frames.find((x) => x.kind === 'app');
  return f ? { function: f.name, file: f.file, line: f.line } : undefined;
}

const requestRoots = [
  'net/http.(*conn).serve',
  'net/http.HandlerFunc.ServeHTTP',
  'google.golang.org/grpc.(*Server).handleStream',
  'google.golang.org/grpc.(*Server).processUnaryRPC',
  'github.com/valyala/fasthttp.(*Server).serveConn',
];

/** True for a goroutine whose start function serves requests (net/http's per-connection goroutine). */
export const isRequestRoot = (fn: string) => requestRoots.includes(fn);

/** True when the stack serves a request (HTTP or gRPC handler below it). */
export function onRequestPath(frames: Frame[]): boolean {
  return frames.some((f) => requestRoots.includes(f.name));
}

/** A frame of the code that waits, not of the runtime or the sync primitives it waits in. */
export function isOwnFrame(f: Frame): boolean {
  return f.kind !== 'runtime' && !f.name.startsWith('sync.') && !f.name.startsWith('internal/');
}

export type WaitKind = 'mutex' | 'channel' | 'cond' | 'io' | 'idle' | 'sleep' | 'running';

// Go 1.24 moved sync.Mutex's slow path into internal/sync; the semaphore it parks on is the same.
const mutexFrames = /^(internal\/)?sync\.\(\*(Mutex|RWMutex)\)\.(Lock|RLock|lockSlow|rLockSlow)$|^(internal\/)?sync\.runtime_Semacquire(Mutex|RWMutexR?)$|^runtime\.semacquire(Mutex|RWMutex)/;
const channelFrames = /^runtime\.(chanrecv[12]?|chansend1?|selectgo|block)$|^sync\.runtime_Semacquire$|^golang\.org\/x\/sync\/semaphore\.\(\*Weighted\)\.Acquire$/;
const condFrames = /^sync\.\(\*Cond\)\.Wait$|^sync\.runtime_notifyListWait$/;
const idleFrames = /^runtime\.gcBgMarkWorker$|^runtime\.bgsweep$|^runtime\.bgscavenge$|^runtime\.forcegchelper$|^runtime\.runfinq$|^os\/signal\.signal_recv$|^runtime\.(timerproc|sysmon)$/;

/**
 * What the stack waits on, judged from the frames nearest the leaf: a mutex,
 * a channel or semaphore, a condition variable, the network, a background
 * loop of the runtime, a sleep, or nothing. Whether a wait is idle or a
 * queue depends on where it is: on a request path it is a queue.
 */
export function waitKind(frames: Frame[]): WaitKind {
  for (const f of frames) {
    if (mutexFrames.test(f.name)) return 'mutex';
    if (condFrames.test(f.name)) return 'cond';
    if (idleFrames.test(f.name)) return 'idle';
    if (f.name === 'internal/poll.runtime_pollWait' || f.name === 'runtime.netpollblock') return 'io';
    if (f.name === 'time.Sleep' || f.name === 'runtime.timeSleep') return 'sleep';
    if (channelFrames.test(f.name)) return 'channel';
    if (isOwnFrame(f)) break;
  }
  return 'running';
}

/** A function name for people: generic instantiations (`[go.shape.…]`, brackets nested) as Go prints them in tracebacks, `[...]`. */
export function displayName(name: string): string {
  let out = '';
  for (let i = 0; i < name.length; i++) {
    if (!name.startsWith('[go.shape.', i)) {
      out += name[i];
      continue;
    }
    let depth = 0;
    let j = i;
    for (; j < name.length; j++) {
      if (name[j] === '[') depth++;
      else if (name[j] === ']' && --depth === 0) break;
    }
    out += '[...]';
    i = j;
  }
  return out;
}

/** The first frame above the waiting primitive: what the stack is waiting for (e.g. database/sql.(*DB).conn). */
export function waitSite(frames: Frame[]): string {
  const f = frames.find((x) => isOwnFrame(x) && !channelFrames.test(x.name));
  return f?.name ?? frames[0]?.name ?? '<unknown>';
}

export interface Site {
  key: string;
  location?: CodeLocation;
  value: number;
  samples: number;
}

/** Sums samples by a key; each site keeps the location of its heaviest sample. */
export function bySite(samples: StackSample[], key: (s: StackSample) => string | undefined): Site[] {
  const sites = new Map<string, Site & { heaviest: number }>();
  for (const s of samples) {
    const k = key(s);
    if (k === undefined) continue;
    let site = sites.get(k);
    if (!site) sites.set(k, (site = { key: k, value: 0, samples: 0, heaviest: -Infinity }));
    site.value += s.value;
    site.samples++;
    if (s.value > site.heaviest) {
      site.heaviest = s.value;
      site.location = firstAppFrame(s.frames);
    }
  }
  return [...sites.values()].map(({ heaviest: _, ...site }) => site).sort((a, b) => b.value - a.value);
}

/** The key of the first application frame (function and file), or undefined when the stack has none. */
export function appKey(s: StackSample): string | undefined {
  const f = s.frames.find((x) => x.kind === 'app');
  return f ? siteKey({ function: f.name, file: f.file }) : undefined;
}

/** The key appKey gives the samples whose first app frame is at `l`. */
export const siteKey = (l: { function: string; file?: string }) => `${l.function}\u0000${l.file}`;

/** How strong a signal is: 0.5 when `x` reaches `threshold`, nearing 1 as it grows past it. */
export function strength(x: number, threshold: number): number {
  if (!(x > 0) || !(threshold > 0)) return 0;
  return 1 - 0.5 ** (x / threshold);
}

/**
 * A finding's confidence: how strong its signal is, weighed by how much of
 * the picture it explains (its share of the CPU, of the waiting, of the
 * growth). Never certain: at most 0.95.
 */
export function confidence(signal: number, share: number): number {
  return round(Math.min(0.95, signal * Math.sqrt(Math.max(0, Math.min(1, share)))));
}

export const round = (x: number, digits = 2) => Number(x.toFixed(digits));

export const pct = (x: number) => `${Math.round(x * 100)}%`;

export function seconds(ns: number): string {
  const s = ns / 1e9;
  return s >= 10 ? `${s.toFixed(0)} s` : s >= 0.1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(0)} ms`;
}

export function megabytes(bytes: number): string {
  const mb = bytes / (1 << 20);
  return `${Math.abs(mb) >= 10 ? mb.toFixed(0) : mb.toFixed(1)} MB`;
}
