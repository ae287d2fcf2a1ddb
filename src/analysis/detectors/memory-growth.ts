// In-use heap grows between the start and the end of the window, and one
// allocation site holds most of the growth.
import type { Detector } from '../inputs.js';
import { appKey, bySite, confidence, megabytes, pct, stackSamples, strength, total } from '../stacks.js';

export const memoryGrowth: Detector = {
  kind: 'memory-growth',
  detect({ heapStart, heapEnd, allocs, seconds: window }) {
    if (!heapStart || !heapEnd) return [];
    const before = stackSamples(heapStart, 'inuse_space');
    const after = stackSamples(heapEnd, 'inuse_space');
    const b0 = total(before);
    const b1 = total(after);
    const growth = b1 - b0;
    if (growth <= 0) return [];
    const start = new Map(bySite(before, appKey).map((s) => [s.key, s.value]));
    const sites = bySite(after, appKey)
      .map((s) => ({ ...s, growth: s.value - (start.get(s.key) ?? 0) }))
      .sort((a, b) => b.growth - a.growth);
    const top = sites[0];
    if (!top?.location || top.growth <= 0) return [];
    const share = Math.min(1, top.growth / growth);
    const rate = growth / window;
    const evidence = [
      {
        source: 'heap',
        summary: `in-use heap ${megabytes(b0)} → ${megabytes(b1)} in ${window} s (+${megabytes(rate)}/s); ${top.location.function} holds ${megabytes(top.growth)} more (${pct(share)} of the growth)`,
      },
    ];
    // A leak keeps what it allocates; a busy allocator that frees it again only makes the snapshots wobble.
    let kept = 1;
    if (allocs) {
      const allocated = bySite(stackSamples(allocs, 'alloc_space'), appKey).find((s) => s.key === top.key);
      if (allocated) {
        kept = Math.min(1, top.growth / allocated.value);
        evidence.push({ source: 'allocs', summary: `${top.location.function} allocated ${megabytes(allocated.value)} in the window and kept ${pct(kept)} of it` });
      }
    }
    // 2 MB/s, or a tenth of the heap in the window, mostly from one site that keeps what it allocates.
    const conf = confidence(Math.min(strength(rate, 2 << 20), strength(growth / Math.max(b0, 1), 0.1), strength(kept, 0.1)), share);
    return [
      {
        kind: 'memory-growth',
        title: `In-use memory grows by ${megabytes(rate)}/s, held by ${top.location.function}.`,
        confidence: conf,
        location: top.location,
        evidence,
      },
    ];
  },
};
