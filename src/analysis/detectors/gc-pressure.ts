// The garbage collector takes a large share of CPU because the service
// allocates fast; the finding points at the code that allocates most.
import type { Detector } from '../inputs.js';
import { appKey, bySite, confidence, megabytes, pct, stackSamples, strength, total, type StackSample } from '../stacks.js';

const gcFrames = /^runtime\.(gcBgMarkWorker|gcAssistAlloc|gcAssistAlloc1|gcDrain|gcDrainN|markroot|scanobject|scanblock|greyobject|bgsweep|sweepone|gcMarkTermination|wbBufFlush|bulkBarrierPreWrite)$/;

/** The CPU samples spent in the garbage collector, their total and their share of all CPU. */
export function gcShare(samples: StackSample[]): { gc: Set<StackSample>; collected: number; share: number } {
  const gc = new Set(samples.filter((s) => s.frames.some((f) => gcFrames.test(f.name))));
  const all = total(samples);
  const collected = total([...gc]);
  return { gc, collected, share: all > 0 ? collected / all : 0 };
}

/**
 * How far the collection outweighs the CPU of the allocating code itself (`key`, an appKey), at most 1: where the
 * code's own CPU is more, it is a hot path that allocates on the way (cpu-hotspot's story), and GC findings there
 * are scaled down by the ratio. 1 where the code has no CPU of its own in the samples. The last argument is
 * gcShare(samples), for a caller that has it already.
 */
export function collectorDominance(samples: StackSample[], key: string, { gc, collected } = gcShare(samples)): number {
  const own = total(samples.filter((s) => !gc.has(s) && appKey(s) === key));
  return own > 0 ? Math.min(1, collected / own) : 1;
}

export const gcPressure: Detector = {
  kind: 'gc-pressure',
  detect({ cpu, allocs, seconds: window }) {
    if (!cpu || !allocs) return [];
    const cpuSamples = stackSamples(cpu, 'cpu');
    const collection = gcShare(cpuSamples);
    const allocated = stackSamples(allocs, 'alloc_space');
    const rate = total(allocated) / window;
    const top = bySite(allocated, appKey)[0];
    if (!top?.location) return [];
    // A fifth of the CPU in the collector and 50 MB/s allocated: the collector is working for the code.
    const siteShare = top.value / total(allocated);
    const { share } = collection;
    const conf = confidence(Math.min(strength(share, 0.2), strength(rate, 50 << 20)) * collectorDominance(cpuSamples, top.key, collection), siteShare);
    return [
      {
        kind: 'gc-pressure',
        title: `The garbage collector takes ${pct(share)} of CPU; ${top.location.function} allocates most of the memory.`,
        confidence: conf,
        location: top.location,
        evidence: [
          { source: 'cpu', summary: `garbage collection used ${pct(share)} of ${(total(cpuSamples) / 1e9).toFixed(2)} s CPU over ${window} s` },
          { source: 'allocs', summary: `${megabytes(rate)}/s allocated; ${top.location.function} allocated ${pct(siteShare)} of it (${megabytes(top.value)} in ${window} s)` },
        ],
      },
    ];
  },
};
