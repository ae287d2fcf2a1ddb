// Captures a Go service's profiles over one window, in parallel: CPU,
// block, mutex and allocs as deltas over the window, heap and goroutine
// snapshots at its start and end, Go 1.26's goroutine leak profile at the
// end where the target serves it, and an execution trace of the window's
// first seconds, taken while the CPU profile runs so that it carries CPU
// samples. Each capture yields a profile (or trace), a one-line error, or the
// reason the target does not offer it; one failing never stops the others.

import { err, ok, type Result } from '../errors.js';
import type { Profile } from '../profile/model.js';
import { parseProfile } from '../profile/pprof.js';
import { get } from './http.js';
import { analyzeTrace } from '../trace/analyze.js';
import { traceView, type TraceView } from '../trace/view.js';
import { failed, inSpan } from '../telemetry/spans.js';

export type CaptureName = 'cpu' | 'block' | 'mutex' | 'allocs' | 'heap-start' | 'heap-end' | 'goroutine-start' | 'goroutine-end' | 'goroutineleak' | 'trace' | 'flight';

export interface TraceOptions {
  /** How long a trace to take at the start of the window; 0 for none. */
  seconds: number;
  /** Cap on the trace's bytes. */
  maxBytes: number;
  /** The path of the service's flight-recorder snapshot, if it keeps one. */
  flightRecorder?: string;
}

export interface Capture {
  name: CaptureName;
  /** The path and query that was fetched, for messages. */
  path: string;
  profile?: Profile;
  /** The execution trace, read (the trace capture only). */
  trace?: TraceView;
  /** The raw bytes, kept so they can be saved or re-read. */
  bytes?: Buffer;
  error?: string;
  /** Why the target does not offer this profile (it answered 404): not a failure. */
  absent?: string;
  /** The mutex profile's sampling fraction as the target reports it (0: mutex profiling is off). */
  rate?: number;
  /** Time from the request to the decoded profile. */
  ms: number;
  /** Of which decoding the profile. */
  decodeMs?: number;
}

export interface CaptureOptions {
  seconds: number;
  signal?: AbortSignal;
  /** Cap on each response body. */
  maxBodyBytes?: number;
  /** Cap on each decompressed profile. */
  maxProfileBytes?: number;
  /** Extra time beyond the window before a request is given up. */
  marginMs?: number;
  /** First back-off when the CPU profiler is busy (doubles each time). */
  busyBackoffMs?: number;
  /** Decode each profile (default); the pipeline leaves that to its analysis threads and keeps only the bytes. */
  decode?: boolean;
  /** The execution trace to take; by default 2 s. */
  trace?: TraceOptions;
  /** Read the flight recorder's snapshot (trace.flightRecorder) before anything else: the seconds before an alert. */
  flight?: boolean;
}

export const defaultTrace: TraceOptions = { seconds: 2, maxBytes: 64 << 20 };
const defaults = { maxBodyBytes: 64 << 20, maxProfileBytes: 256 << 20, marginMs: 10_000, busyBackoffMs: 500, decode: true, trace: defaultTrace, flight: false };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });

/** Go's answer when another CPU profile is running (net/http/pprof). */
function isBusy(status: number, headers: Headers, body: Buffer): boolean {
  return status === 500 && headers.has('x-go-pprof') && /cpu profiling already in use/i.test(body.toString('utf8', 0, 200));
}

type Options = Required<Omit<CaptureOptions, 'signal'>> & { signal?: AbortSignal };

function fetchProfile(base: string, path: string, timeoutMs: number, o: Options, maxBytes = o.maxBodyBytes) {
  return get(base + path, { timeoutMs, maxBytes, signal: o.signal });
}

/** A capture in its span: the target and the profile named, its error recorded. */
function spanned(base: string, name: CaptureName, path: string, run: () => Promise<Capture>): Promise<Capture> {
  return inSpan(`capture ${name}`, { 'rca.profile': name, 'url.full': base + path }, async (span) => {
    const c = await run();
    if (c.error) failed(span, c.error);
    else if (c.absent) span.setAttribute('rca.absent', c.absent);
    if (c.bytes) span.setAttribute('rca.bytes', c.bytes.length);
    return c;
  });
}

function one(base: string, name: CaptureName, path: string, timeoutMs: number, o: Options): Promise<Capture> {
  return spanned(base, name, path, () => oneUntraced(base, name, path, timeoutMs, o));
}

async function oneUntraced(base: string, name: CaptureName, path: string, timeoutMs: number, o: Options): Promise<Capture> {
  const t0 = performance.now();
  const done = (r: Decoded): Capture => ({ name, path, ms: Math.round(performance.now() - t0), ...outcome(r) });
  const isTrace = name === 'trace' || name === 'flight';
  const res = await fetchProfile(base, path, timeoutMs, o, isTrace ? o.trace.maxBytes : o.maxBodyBytes);
  if (!res.ok) return done(res);
  if (isTrace) return done(decodeTraceCapture(res.value.status, res.value.headers, res.value.body, o.decode));
  return done(decode(res.value.status, res.value.headers, res.value.body, o));
}

/** An execution trace's answer: read it (unless the caller leaves that to its threads). */
export function decodeTraceCapture(status: number, headers: Headers, body: Buffer, read: boolean): Decoded {
  if (status === 404) return ok({ absent: `${notServed} (${statusLine(status, body)})` });
  if (status !== 200) return err(statusLine(status, body));
  if (!read) return ok({ bytes: body });
  const t0 = performance.now();
  const view = readTrace(body);
  const decodeMs = Math.round(performance.now() - t0);
  return view.ok ? ok({ trace: view.value, bytes: body, decodeMs }) : err(`${view.error} (${headers.get('content-type') ?? 'no content type'}, ${body.length} bytes)`);
}

/** A trace's bytes, read into what the detectors use; a broken trace is an error value. */
export function readTrace(body: Uint8Array): Result<TraceView> {
  const a = analyzeTrace(body);
  return a.ok ? ok(traceView(a.value)) : a;
}

const notServed = 'the target does not serve this profile';

function statusLine(status: number, body: Buffer): string {
  const text = body.toString('utf8', 0, 200).trim().split('\n')[0];
  return `HTTP ${status}${text ? `: ${text}` : ''}`;
}

type Decoded = Result<{ profile?: Profile; trace?: TraceView; bytes?: Buffer; decodeMs?: number; absent?: string }>;

const outcome = (r: Decoded) => (r.ok ? r.value : { error: r.error });

function decode(status: number, headers: Headers, body: Buffer, o: Options): Decoded {
  // net/http/pprof answers 404 for a profile it does not have (Go 1.26's goroutineleak without the
  // experiment); other servers (a Node service) have no block or mutex profile at all.
  if (status === 404) return ok({ absent: `${notServed} (${statusLine(status, body)})` });
  if (status !== 200) return err(statusLine(status, body));
  if (!o.decode) return ok({ bytes: body });
  const t0 = performance.now();
  const parsed = parseProfile(body, { maxBytes: o.maxProfileBytes });
  const decodeMs = Math.round(performance.now() - t0);
  if (!parsed.ok) {
    const type = headers.get('content-type') ?? 'no content type';
    return err(`${parsed.error} (${type}, ${body.length} bytes)`);
  }
  return ok({ profile: parsed.value, bytes: body, decodeMs });
}

// Go allows one CPU profile at a time per process: captures of one target
// from this process share the one in flight instead of starting another.
const cpuInFlight = new Map<string, Promise<Capture>>();

async function cpuCapture(base: string, o: Options): Promise<Capture> {
  const running = cpuInFlight.get(base);
  if (running) return running;
  const p = spanned(base, 'cpu', `/debug/pprof/profile?seconds=${o.seconds}`, () => cpuWithRetry(base, o)).finally(() => cpuInFlight.delete(base));
  cpuInFlight.set(base, p);
  return p;
}

async function cpuWithRetry(base: string, o: Options): Promise<Capture> {
  const t0 = performance.now();
  const deadline = t0 + o.seconds * 1000 + o.marginMs;
  let backoff = o.busyBackoffMs;
  let path = `/debug/pprof/profile?seconds=${o.seconds}`;
  for (;;) {
    const remaining = deadline - performance.now();
    const res = await fetchProfile(base, path, Math.max(1000, remaining), o);
    const elapsed = Math.round(performance.now() - t0);
    if (!res.ok) return { name: 'cpu', path, error: res.error, ms: elapsed };
    const { status, headers, body } = res.value;
    if (!isBusy(status, headers, body)) {
      return { name: 'cpu', path, ms: elapsed, ...outcome(decode(status, headers, body, o)) };
    }
    // Busy: someone else is profiling. Wait, then take what is left of the window;
    // never wait past the last moment a 1 s profile still fits in it.
    const room = deadline - o.marginMs - performance.now() - 1000;
    if (room < 0 || o.signal?.aborted)
      return { name: 'cpu', path, ms: elapsed, error: 'the CPU profiler stayed busy (another CPU profile was running) for the whole window' };
    const wait = Math.min(backoff, room);
    const left = Math.floor((room - wait) / 1000) + 1;
    await sleep(wait, o.signal);
    backoff = Math.min(backoff * 2, 4000);
    path = `/debug/pprof/profile?seconds=${Math.min(o.seconds, left)}`;
  }
}

// An empty mutex profile means either no contention or mutex profiling off;
// only the legacy text form says which ("sampling period=N").
async function mutexRate(base: string, timeoutMs: number, o: Options): Promise<number | undefined> {
  const res = await get(`${base}/debug/pprof/mutex?debug=1`, { timeoutMs, maxBytes: 4 << 20, signal: o.signal });
  if (!res.ok || res.value.status !== 200) return undefined;
  const m = /^sampling period=(\d+)$/m.exec(res.value.body.toString('utf8', 0, 4096));
  return m ? Number(m[1]) : undefined;
}

/** Captures every profile over `seconds`; the results come back in a fixed order. */
export async function capturePprof(base: string, options: CaptureOptions): Promise<Capture[]> {
  const o = { ...defaults, ...options, trace: options.trace ?? defaultTrace };
  const root = base.replace(/\/+$/, '');
  // The seconds before an alert are in the flight recorder now and gone soon: read it before the window opens.
  const flight = o.flight && o.trace.flightRecorder ? [await one(root, 'flight', o.trace.flightRecorder, o.marginMs, o)] : [];
  const s = o.seconds;
  const windowMs = s * 1000 + o.marginMs;
  // Every request is given up by the end of the window plus the margin.
  const startSnapshots = [one(root, 'heap-start', '/debug/pprof/heap?gc=1', windowMs, o), one(root, 'goroutine-start', '/debug/pprof/goroutine', windowMs, o)];
  const traceSeconds = Math.min(o.trace.seconds, s);
  const deltas = [
    cpuCapture(root, o),
    // Started with the CPU profile, so the trace carries its samples.
    ...(traceSeconds > 0 ? [one(root, 'trace', `/debug/pprof/trace?seconds=${traceSeconds}`, windowMs, o)] : []),
    one(root, 'block', `/debug/pprof/block?seconds=${s}`, windowMs, o),
    Promise.all([one(root, 'mutex', `/debug/pprof/mutex?seconds=${s}`, windowMs, o), mutexRate(root, windowMs, o)]).then(([c, rate]) => (rate === undefined ? c : { ...c, rate })),
    one(root, 'allocs', `/debug/pprof/allocs?seconds=${s}`, windowMs, o),
  ];
  const endSnapshots = sleep(s * 1000, o.signal).then(() =>
    Promise.all([
      one(root, 'heap-end', '/debug/pprof/heap?gc=1', o.marginMs, o),
      one(root, 'goroutine-end', '/debug/pprof/goroutine', o.marginMs, o),
      one(root, 'goroutineleak', '/debug/pprof/goroutineleak', o.marginMs, o),
    ]),
  );
  const [starts, ds, ends] = await Promise.all([Promise.all(startSnapshots), Promise.all(deltas), endSnapshots]);
  const all = [...flight, ...ds, ...starts, ...ends];
  // Not one profile there, and 404s: the URL is wrong or pprof is not mounted. That is a failure, not a choice.
  if (all.every((c) => !c.bytes) && all.some((c) => c.absent))
    return all.map(({ absent, ...c }) => (absent ? { ...c, error: absent.slice(notServed.length + 2, -1) } : c));
  return all;
}
