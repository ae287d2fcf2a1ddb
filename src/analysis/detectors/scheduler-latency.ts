// Runnable goroutines wait for a P. Two stories tell apart:
// - a goroutine off the request path holds the Ps (a background job on a
//   service with few Ps): that is this finding's own cause, located at the
//   goroutine's start function, the CPU profile saying what it burns;
// - the requests themselves keep every P busy: then waiting is the symptom of
//   the CPU hot path, located where the CPU goes, and fusion folds it into the
//   cpu-hotspot or gc-pressure finding at the same place as one more source.
// Or the Ps sit idle while goroutines wait: the process itself is not running
// (a container CPU limit throttling it, an overloaded host).
import type { Detector } from '../inputs.js';
import type { Evidence } from '../../model.js';
import { appKey, bySite, confidence, cpuSampleType, pct, round, seconds, stackSamples, strength, total } from '../stacks.js';
import { busiestGoroutines, ms, quantile } from '../trace.js';

/** The trace's confidence, raised by the CPU profile's agreement only where the trace saw real waiting. */
function combined(trace: number, cpu: number): number {
  if (trace < 0.2) return trace;
  return round(Math.min(0.95, 1 - (1 - trace) * (1 - cpu)));
}

export const schedulerLatency: Detector = {
  kind: 'scheduler-latency',
  detect({ trace, cpu }) {
    if (!trace || trace.facts.schedWaits.length < 10 || trace.facts.durationNs <= 0) return [];
    const f = trace.facts;
    const waits = [...f.schedWaits].sort((a, b) => a - b);
    const p99 = quantile(waits, 0.99);
    const waited = waits.reduce((a, b) => a + b, 0);
    const waiting = waited / f.durationNs;
    const allBusy = f.runnableNs > 0 ? f.runnableAllBusyNs / f.runnableNs : 0;
    // Waits of a few hundred microseconds are how a busy scheduler looks; nothing to report.
    if (p99 < 1e6 && waiting < 0.1) return [];
    const procs = f.gomaxprocs > 0 ? `GOMAXPROCS=${f.gomaxprocs}` : 'GOMAXPROCS unknown';
    const pTime = f.gomaxprocs > 0 ? f.durationNs * f.gomaxprocs : Infinity;
    // A goroutine started by the service itself (not a request, not the runtime) that ran most of the P time.
    const holder = busiestGoroutines(trace).find((g) => g.location);
    const holderShare = holder ? holder.execNs / pTime : 0;
    const evidence: Evidence[] = [];
    const why =
      allBusy >= 0.8
        ? `every P was busy ${pct(allBusy)} of the time goroutines waited: too few Ps for the work (${procs})`
        : `Ps sat idle ${pct(1 - allBusy)} of the time goroutines waited: the process was not running, as under a container CPU limit (throttling) or an overloaded host (${procs})`;
    evidence.push({ source: 'trace', summary: `${waits.length} waits for a P in ${(f.durationNs / 1e9).toFixed(1)} s, p99 ${ms(p99)}, ${ms(waited)} in all; ${why}` });
    const cpuSamples = cpu && cpuSampleType(cpu) ? stackSamples(cpu, cpuSampleType(cpu)!) : [];
    let location;
    let title: string;
    // The CPU profile agreeing that the holder burns the CPU: a second, independent source.
    let cpuAgrees = 0;
    if (holder?.location && holderShare >= 0.3) {
      location = holder.location;
      evidence[0].summary += `; ${holder.name} ran ${pct(holderShare)} of the P time`;
      const under = cpuSamples.filter((s) => s.frames.some((fr) => fr.name === holder.name));
      if (total(under) > 0) {
        const leaf = bySite(under, appKey)[0];
        const share = total(under) / total(cpuSamples);
        cpuAgrees = confidence(strength(share, 0.5), share);
        evidence.push({ source: 'cpu', summary: `${pct(total(under) / total(cpuSamples))} of the CPU (${seconds(total(under))}) was under ${holder.name}${leaf?.location && leaf.location.function !== holder.name ? `, most in ${leaf.location.function}` : ''}` });
      }
      title = `Requests wait for a P while ${holder.name} holds it: p99 ${ms(p99)}, ${waiting.toFixed(1)} waiting at any time (${procs}).`;
    } else {
      // Where the CPU went is where the waiting comes from.
      location = bySite(cpuSamples, appKey)[0]?.location;
      title = `Runnable goroutines wait for a P: p99 ${ms(p99)}, ${waiting.toFixed(1)} waiting at any time; ${allBusy >= 0.8 ? 'every P is busy' : 'the process is throttled or starved of CPU'} (${procs}).`;
    }
    return [
      {
        kind: 'scheduler-latency',
        title,
        confidence: combined(confidence(strength(p99 / 1e6, 10), Math.min(1, Math.max(waiting / 0.5, holderShare))), cpuAgrees),
        ...(location ? { location } : {}),
        evidence,
      },
    ];
  },
};
