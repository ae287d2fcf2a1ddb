// One diagnosis: capture a service's profiles and probes over a window,
// run every detector, fuse the findings into a Report.

import { runDetectors } from '../analysis/detectors/index.js';
import type { Inputs } from '../analysis/inputs.js';
import { stageBaseline, taskStages, type StageBaseline } from '../trace/stages.js';
import type { ProbeConfig } from '../config/registry.js';
import { capturePprof, type Capture, type CaptureName, type CaptureOptions } from '../sources/pprof.js';
import { runProbes, type ProbeResult } from '../sources/probes.js';
import { fuse, profileOf } from './fuse.js';
import { collectAfterWindow, planOf, type SourcePlan } from './sources.js';
import type { ServiceConfig } from '../config/registry.js';
import type { TraceOptions } from '../sources/pprof.js';
import type { TraceView } from '../trace/view.js';
import type { CaptureError, Finding, NotCaptured, Report, SourceFindings, TraceLogs } from '../model.js';
import type { ProfilesConfig } from '../config/registry.js';
import { mergePast, readPastCapture, type PastRead } from './past.js';
import { readPast, type Window } from '../sources/profiles/index.js';
import { collectSources } from './sources.js';

export interface Target {
  service: string;
  /** Base URL serving /debug/pprof/*. */
  pprof: string;
  probes: ProbeConfig[];
  /** Traces, logs and metrics to read, when the registry names any. */
  sources?: SourcePlan;
  /** The execution trace to take (0 seconds: none), and the flight recorder to read on an alert. */
  trace?: TraceOptions;
  /** The continuous profiler that keeps its profiles, and how far back its baseline window is (seconds). */
  profiles?: ProfilesConfig & { baseline: number };
}

/** The target of a service as the registry describes it. */
export function targetOf(service: string, cfg: ServiceConfig): Target {
  return {
    service,
    pprof: cfg.pprof,
    probes: cfg.probes,
    sources: planOf(service, cfg),
    trace: cfg.trace,
    ...(cfg.profiles ? { profiles: { ...cfg.profiles, baseline: cfg.baseline } } : {}),
  };
}

export interface Diagnosis {
  report: Report;
  /** The captures, with their profiles, for rendering and saving. */
  captures: Capture[];
}

const inputName: Record<CaptureName, keyof Inputs> = {
  cpu: 'cpu',
  block: 'block',
  mutex: 'mutex',
  allocs: 'allocs',
  'heap-start': 'heapStart',
  'heap-end': 'heapEnd',
  'goroutine-start': 'goroutineStart',
  'goroutine-end': 'goroutineEnd',
  goroutineleak: 'goroutineLeak',
  trace: 'trace',
  flight: 'trace',
};

// Without these the bot cannot tell a healthy service from one it could not see.
const essential: CaptureName[] = ['cpu', 'block', 'goroutine-end'];

/** Detects and fuses what a capture window produced; the analysis half of a diagnosis. */
/** `past`: the continuous profiler's window, read (an alert's minutes before, `--at`); `pastOnly`: nothing was captured live. */
export function analyse(
  target: Target,
  seconds: number,
  start: Date,
  captures: Capture[],
  probes: ProbeResult[],
  captureMs: number,
  others: SourceFindings[] = [],
  stageBaseline?: Inputs['stageBaseline'],
  past?: PastRead & { only?: boolean },
): Report {
  const t1 = performance.now();
  const inputs: Inputs = { seconds, probes, ...(stageBaseline ? { stageBaseline } : {}) };
  for (const c of captures) if (c.profile) (inputs as unknown as Record<string, unknown>)[inputName[c.name]] = c.profile;
  // The flight recorder's seconds before the alert, where there are some; else the window's own trace.
  const flight = captures.find((c) => c.name === 'flight')?.trace;
  const trace = flight ?? captures.find((c) => c.name === 'trace')?.trace;
  if (trace) inputs.trace = trace;
  const errors: CaptureError[] = captures.filter((c) => c.error).map((c) => ({ source: c.name, error: `GET ${c.path}: ${c.error}` }));
  const { found, failed } = runDetectors(inputs);
  for (const f of failed) errors.push({ source: `detector ${f.kind}`, error: `our ${f.kind} detector failed on this capture: ${f.message}` });
  for (const o of others) if (o.error) errors.push({ source: o.source, error: o.error });
  if (past) errors.push(...past.errors);
  const captured = captures.filter((c) => c.profile || c.trace).length + (past?.captures.length ?? 0);
  // Block and goroutine profiles may be absent (a Node service has none); without CPU the bot saw nothing.
  // The profiler's window has findings of its own, but says nothing of the service now: a live capture that
  // failed still makes "healthy" impossible.
  const pastCpu = past?.captures.some((c) => c.name === 'cpu') ?? false;
  const essentialFailed = past?.only ? !pastCpu : captures.some((c) => essential.includes(c.name) && (c.error !== undefined || (c.name === 'cpu' && !c.profile)));
  const fused = fuse(past ? mergePast(found, past.findings) : found, probes, errors, captured, essentialFailed, others.flatMap((o) => o.findings), target.service);
  const t2 = performance.now();
  const traceLogs = others.flatMap((o) => o.traceLogs ?? []);
  return {
    service: target.service,
    target: target.pprof,
    window: { start: start.toISOString(), seconds },
    verdict: fused.verdict,
    findings: fused.findings,
    artifacts: [],
    errors: fused.errors,
    notCaptured: notCaptured(captures),
    timings: {
      capture: Math.round(captureMs),
      decode: captures.reduce((sum, c) => sum + (c.decodeMs ?? 0), 0),
      analysis: Math.round(t2 - t1),
    },
    ...(traceLogs.length ? { traceLogs } : {}),
    ...(trace ? { executionTrace: executionTraceOf(trace, flight ? 'flight-recorder' : 'window') } : {}),
    ...(past ? { past: past.summary, ...(past.only ? { pastOnly: true } : {}) } : {}),
  };
}

function executionTraceOf(t: TraceView, source: 'flight-recorder' | 'window'): NonNullable<Report['executionTrace']> {
  const wall = t.facts.wall;
  return {
    source,
    seconds: Math.round(t.facts.durationNs / 1e7) / 100,
    ...(wall ? { start: new Date(wall.startMs).toISOString(), end: new Date(wall.endMs).toISOString() } : {}),
  };
}

// The leak profile is an experiment of Go 1.26: a target without it says nothing about it.
const optional: CaptureName[] = ['goroutineleak'];

// What an empty contention profile means.
const profilingOff: Partial<Record<CaptureName, string>> = {
  block: 'no samples: block profiling is not enabled in the target (runtime.SetBlockProfileRate), or nothing blocked in the window',
  mutex: 'no samples: mutex profiling is not enabled in the target (runtime.SetMutexProfileFraction)',
};

function notCaptured(captures: Capture[]): NotCaptured[] {
  const out: NotCaptured[] = [];
  for (const c of captures) {
    if (optional.includes(c.name)) continue;
    // The snapshots at the start and end are one profile: said once.
    const source = profileOf(c.name);
    if (out.some((n) => n.source === source)) continue;
    const off = profilingOff[c.name];
    // An empty mutex profile with profiling on is just a service without contention.
    const empty = c.profile?.samples.count === 0 && !(c.name === 'mutex' && c.rate !== 0);
    if (c.absent) out.push({ source, reason: c.absent });
    else if (off && empty) out.push({ source, reason: off });
  }
  return out;
}

/** `stageBaseline`: the task stages of the service's last healthy capture (stagesOf a healthy diagnosis). */
export async function diagnose(target: Target, options: Omit<CaptureOptions, 'seconds'> & { seconds: number; stageBaseline?: Inputs['stageBaseline'] }): Promise<Diagnosis> {
  const start = new Date();
  const t0 = performance.now();
  const [captures, probes, others] = await Promise.all([
    capturePprof(target.pprof, { ...options, trace: target.trace }),
    runProbes(target.probes, options.seconds, options.signal),
    target.sources ? collectAfterWindow(target.sources, start, options.seconds, options.signal) : [],
  ]);
  return { captures, report: analyse(target, options.seconds, start, captures, probes, performance.now() - t0, others, options.stageBaseline) };
}

/**
 * A past window, from the service's continuous profiler (against the same window a baseline earlier)
 * and its other sources over the same window: nothing is captured live.
 */
export async function diagnosePast(target: Target & { profiles: NonNullable<Target['profiles']> }, window: Window, signal?: AbortSignal): Promise<Diagnosis> {
  const t0 = performance.now();
  const seconds = Math.max(1, Math.round((window.end - window.start) / 1000));
  const [past, others] = await Promise.all([
    readPast(target.profiles, window, target.profiles.baseline, signal ? { signal } : {}),
    target.sources ? collectSources({ ...target.sources, lookback: seconds }, new Date(window.end), signal) : [],
  ]);
  const read = readPastCapture(target.service, past);
  const report = analyse(target, seconds, new Date(window.start), [], [], performance.now() - t0, others, undefined, { ...read, only: true });
  return { report, captures: read.captures };
}

/** The task stages of a capture's own execution trace (not the flight recorder's), for later captures to be compared with. */
export function stagesOf(captures: Capture[]): StageBaseline | undefined {
  const trace = captures.find((c) => c.name === 'trace')?.trace;
  if (!trace) return undefined;
  const baseline = stageBaseline(taskStages(trace.summary));
  return Object.keys(baseline).length > 0 ? baseline : undefined;
}
