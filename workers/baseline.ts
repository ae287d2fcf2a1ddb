// The scheduled baseline job: a background capture of a service (profiles only, no probes, nothing
// posted), kept as its last healthy capture when the analysis finds it healthy. Skipped while a
// diagnosis of the service runs (its capture would compete for Go's one CPU profile), stopped when
// one starts, and skipped when the service has used its diagnosis budget (the rate limits).
import type { Job } from 'bullmq';
import type { BaselineData } from '../src/queue/baselines.js';
import type { JobState } from '../src/queue/state.js';
import { capturePprof } from '../src/sources/pprof.js';
import { captured } from './capture.js';
import type { Offload } from './offload.js';

export type BaselineResult = { kept: true; at: string } | { kept: false; why: string };

const MONTH = 30 * 24 * 3600;

export function baselineProcessor(state: JobState, offload: Offload, mayCapture?: (service: string) => Promise<string | undefined>) {
  return async (job: Job<BaselineData>, signal?: AbortSignal): Promise<BaselineResult> => {
    const { service, target, seconds } = job.data;
    const running = await state.active(service);
    if (running) return { kept: false, why: `a diagnosis of ${service} is running (${running})` };
    const refused = await mayCapture?.(service);
    if (refused) return { kept: false, why: refused };
    const at = new Date();
    const id = `baseline-${service}-${at.getTime()}`;
    // A diagnosis asked for while this runs wins: the capture stops (Go's profile handler ends with the
    // request), so the diagnosis's own CPU profile is not refused as "already in use" for long.
    const giveWay = new AbortController();
    let gaveWay: string | undefined;
    const watch = setInterval(() => {
      void state.active(service).then((job) => {
        if (job && !gaveWay) {
          gaveWay = job;
          giveWay.abort(new Error(`a diagnosis of ${service} started`));
        }
      }, () => undefined);
    }, 250);
    let captures;
    try {
      captures = await capturePprof(target.pprof, { seconds, decode: false, trace: target.trace, signal: signal ? AbortSignal.any([signal, giveWay.signal]) : giveWay.signal });
    } finally {
      clearInterval(watch);
    }
    if (gaveWay) return { kept: false, why: `a diagnosis of ${service} started (${gaveWay}); the background capture gave way` };
    const { report, profiles, stages } = await offload.analyse({ data: { job: id, service, target: target.pprof, seconds }, timestamp: at.getTime(), values: [{ source: 'pprof', captures: captures.map(captured), probes: [] }] });
    if (report.verdict !== 'healthy') return { kept: false, why: `the capture is ${report.verdict}${report.findings[0] ? ` (${report.findings[0].kind})` : ''}, not a baseline` };
    await state.saveProfiles(`healthy:${service}`, { job: id, at: at.toISOString(), profiles: profiles.map((p) => ({ name: p.name, data: Buffer.from(p.data, 'base64') })) }, MONTH);
    if (stages) await state.saveStages(service, { baseline: stages, at: at.toISOString() }, MONTH);
    return { kept: true, at: at.toISOString() };
  };
}
