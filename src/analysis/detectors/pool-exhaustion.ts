// Requests queue for a bounded resource (a connection pool, a semaphore, a
// worker channel): the request path blocks on a channel receive, select or
// semaphore acquire under one wait site, and goroutines pile up there.
import type { Detector } from '../inputs.js';
import { bySite, confidence, onRequestPath, pct, seconds, stackSamples, strength, total, waitKind, waitSite } from '../stacks.js';

export const poolExhaustion: Detector = {
  kind: 'pool-exhaustion',
  detect({ block, goroutineEnd, seconds: window }) {
    if (!block) return [];
    const waits = stackSamples(block, 'delay').filter((s) => onRequestPath(s.frames));
    const all = total(waits);
    const queued = waits.filter((s) => waitKind(s.frames) === 'channel');
    const top = bySite(queued, (s) => waitSite(s.frames))[0];
    if (!top?.location || all === 0) return [];
    const share = top.value / all;
    const waiting = top.value / 1e9 / window;
    const conf = confidence(strength(waiting, 0.5), share);
    const evidence = [
      { source: 'block', summary: `requests waited ${seconds(top.value)} in ${top.key} in ${window} s (${waiting.toFixed(1)} waiting at any time), ${pct(share)} of request-path blocking` },
    ];
    if (goroutineEnd) {
      const g = stackSamples(goroutineEnd, 'goroutine');
      const n = total(g.filter((s) => waitKind(s.frames) === 'channel' && waitSite(s.frames) === top.key));
      if (n >= 2) evidence.push({ source: 'goroutine', summary: `${n} of ${total(g)} goroutines were waiting in ${top.key} at the end of the window` });
    }
    return [
      {
        kind: 'pool-exhaustion',
        title: `Requests queue for a bounded resource in ${top.key}: ${waiting.toFixed(1)} wait at any time.`,
        confidence: conf,
        location: top.location,
        evidence,
      },
    ];
  },
};
