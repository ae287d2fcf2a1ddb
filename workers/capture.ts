// Capture jobs: one per source of a diagnosis. Profiles travel to the
// analyse job as their raw bytes; errors travel as values.
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job } from 'bullmq';
import type { CaptureData } from '../src/queue/pipeline.js';
import { capturePprof, type Capture } from '../src/sources/pprof.js';
import { runProbes, type ProbeResult } from '../src/sources/probes.js';
import type { SourceFindings } from '../src/model.js';
import type { SourcePlan } from '../src/rca/sources.js';
import { readPast, type PastCapture } from '../src/sources/profiles/index.js';

export interface CapturedProfile {
  name: Capture['name'];
  path: string;
  error?: string;
  absent?: string;
  rate?: number;
  ms: number;
  /** The profile's bytes, base64. */
  data?: string;
}

export type CaptureResult =
  | { source: 'pprof'; captures: CapturedProfile[]; probes: ProbeResult[] }
  | { source: 'sources'; results: SourceFindings[] }
  | { source: 'past'; past?: PastCapture };

/**
 * The capture job's processor: waiting on the target over the window; the
 * bytes are decoded later, off the event loop. Traces, logs and metrics are
 * read and analysed by `sources` (the analysis threads).
 */
export async function captureJob(
  job: Pick<Job<CaptureData>, 'data' | 'timestamp'>,
  sources: (plan: SourcePlan, now: number) => Promise<SourceFindings[]>,
  signal?: AbortSignal,
): Promise<CaptureResult> {
  const { source, target, seconds } = job.data;
  if (source === 'past') {
    const { profiles } = target;
    const past = job.data.past;
    if (!profiles || !past) return { source };
    return { source, past: await readPast(profiles, past, profiles.baseline, signal ? { signal } : {}) };
  }
  if (source === 'sources') {
    if (!target.sources) return { source, results: [] };
    // A past window: the sources read that window, at once.
    const past = job.data.past;
    if (past) return { source, results: await sources({ ...target.sources, lookback: Math.max(1, Math.round((past.end - past.start) / 1000)) }, past.end) };
    // Up to the end of the capture window (rca/sources.ts collectAfterWindow): waited for here, not in a thread.
    const end = job.timestamp + seconds * 1000;
    if (end > Date.now()) await sleep(end - Date.now(), undefined, signal ? { signal } : undefined);
    return { source, results: await sources(target.sources, Math.min(end, Date.now())) };
  }
  const [captures, probes] = await Promise.all([
    capturePprof(target.pprof, { seconds, decode: false, trace: target.trace, flight: job.data.flight, ...(signal ? { signal } : {}) }),
    runProbes(target.probes, seconds, signal),
  ]);
  return { source, captures: captures.map(captured), probes };
}

/** A capture as it travels to the analysis: its bytes as base64. */
export function captured(c: Capture): CapturedProfile {
  return { name: c.name, path: c.path, error: c.error, absent: c.absent, rate: c.rate, ms: c.ms, data: c.bytes?.toString('base64') };
}
