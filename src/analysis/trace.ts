// Reading an execution trace the way the detectors read profiles: its stacks
// as frames with their kind, goroutines grouped by start function, and the
// time requests spent waiting at one site according to the trace.
import { frameKind } from '../profile/frames.js';
import type { StackFrame } from '../trace/event.js';
import { isSystemGoroutine } from '../trace/summary.js';
import type { TraceView } from '../trace/view.js';
import type { CodeLocation, Evidence } from '../model.js';
import { displayName, onRequestPath, seconds, stackSamples, total, waitKind, type Frame, type StackSample, type WaitKind } from './stacks.js';

export function traceFrames(stack: StackFrame[]): Frame[] {
  return stack.map((f) => ({ name: f.func, file: f.file, line: f.line, kind: frameKind(f.func, f.file) }));
}

/** Execution time per start function, application goroutines only, most first. */
export function busiestGoroutines(t: TraceView): { name: string; execNs: number; location?: CodeLocation }[] {
  const by = new Map<string, { name: string; execNs: number; location?: CodeLocation }>();
  for (const g of t.summary.goroutines.values()) {
    if (isSystemGoroutine(g.name)) continue;
    let e = by.get(g.name);
    if (!e) by.set(g.name, (e = { name: g.name, execNs: 0, ...(frameKind(g.name) === 'app' ? { location: { function: g.name, file: g.file, line: g.line } } : {}) }));
    e.execNs += g.stats.execTime;
  }
  return [...by.values()].sort((a, b) => b.execNs - a.execNs);
}

export const quantile = (sorted: number[], q: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]);

export const ms = (ns: number) => (ns >= 10e6 ? `${(ns / 1e6).toFixed(0)} ms` : ns >= 1e6 ? `${(ns / 1e6).toFixed(1)} ms` : `${(ns / 1e3).toFixed(0)} µs`);

/**
 * The execution trace's word on requests queueing at `site`: its sync-blocking
 * profile (every wait, not a sample of them) filtered as the block profile is.
 */
export function traceQueueEvidence(
  t: TraceView | undefined,
  kinds: WaitKind[],
  siteOf: (s: StackSample) => string | undefined,
  site: string,
  what: string,
  waitingSeen: number,
): Evidence | undefined {
  if (!t) return undefined;
  const waits = stackSamples(t.latency.sync, 'delay').filter((s) => onRequestPath(s.frames) && kinds.includes(waitKind(s.frames)));
  // Profiles name generic code by its shape (Pool[go.shape.*uint8]), traces as Pool[...]: compared as displayed.
  const shown = displayName(site);
  const here = waits.filter((s) => {
    const k = siteOf(s);
    return k !== undefined && displayName(k) === shown;
  });
  const ns = total(here);
  // A source agrees when it sees a good part of what the profiles saw, not a stray wait.
  if (ns <= 0 || ns / t.facts.durationNs < Math.max(0.5, 0.2 * waitingSeen)) return undefined;
  const span = t.facts.durationNs / 1e9;
  return { source: 'trace', summary: `the execution trace saw requests wait ${seconds(ns)} on ${what} at ${displayName(site)} in its ${span.toFixed(1)} s (${(ns / t.facts.durationNs).toFixed(1)} waiting at any time)` };
}
