// One code path dominates CPU: most of the CPU time, outside the garbage
// collector, is spent under one application function.
import type { Detector } from '../inputs.js';
import { appKey, bySite, confidence, cpuSampleType, pct, seconds, stackSamples, strength, total } from '../stacks.js';
import { gcShare } from './gc-pressure.js';

export const cpuHotspot: Detector = {
  kind: 'cpu-hotspot',
  detect({ cpu, goroutineEnd, seconds: window }) {
    if (!cpu) return [];
    const type = cpuSampleType(cpu);
    if (!type) return [];
    const samples = stackSamples(cpu, type);
    const all = total(samples);
    if (all === 0) return [];
    const cores = all / 1e9 / window;
    const { gc, collected } = gcShare(samples);
    const sites = bySite(samples.filter((s) => !gc.has(s)), appKey);
    const top = sites[0];
    if (!top?.location) return [];
    // The share of the service's own work (the collector left out). Where the collector takes
    // more than the site itself, that is gc-pressure's story and this one is scaled down by the
    // ratio; a hot path that also allocates is still a hot path.
    const share = top.value / Math.max(1, all - collected);
    const dominance = Math.min(1, top.value / Math.max(1, collected));
    const conf = confidence(strength(cores, 0.5) * dominance, share);
    const evidence = [
      { source: 'cpu', summary: `${top.location.function} and what it calls used ${seconds(top.value)} of ${seconds(all)} CPU (${pct(top.value / all)}) over ${window} s (${cores.toFixed(2)} cores)` },
    ];
    if (goroutineEnd) {
      const g = stackSamples(goroutineEnd, 'goroutine');
      const running = g.filter((s) => s.frames.some((f) => f.name === top.location!.function)).reduce((a, s) => a + s.value, 0);
      if (running >= 2) evidence.push({ source: 'goroutine', summary: `${running} of ${total(g)} goroutines were in ${top.location.function} at the end of the window` });
    }
    return [
      {
        kind: 'cpu-hotspot',
        title: `${top.location.function} takes ${pct(top.value / all)} of the service's CPU.`,
        confidence: conf,
        location: top.location,
        evidence,
      },
    ];
  },
};
