// Requests queue on a sync.Mutex or RWMutex: the block profile's waiting
// time on the request path is mostly in mutex waits, the mutex profile shows
// where the lock is released, goroutines are parked on it.
import type { Detector } from '../inputs.js';
import { appKey, bySite, confidence, onRequestPath, pct, seconds, stackSamples, strength, total, waitKind } from '../stacks.js';

export const lockContention: Detector = {
  kind: 'lock-contention',
  detect({ block, mutex, goroutineEnd, seconds: window }) {
    if (!block) return [];
    const waits = stackSamples(block, 'delay').filter((s) => onRequestPath(s.frames));
    const all = total(waits);
    const onMutex = waits.filter((s) => waitKind(s.frames) === 'mutex');
    const locked = total(onMutex);
    const top = bySite(onMutex, appKey)[0];
    if (!top?.location || all === 0) return [];
    const share = locked / all;
    // Goroutine-seconds of waiting per second of window: how many requests wait on the lock at any moment.
    const waiting = locked / 1e9 / window;
    const conf = confidence(strength(waiting, 0.5), share);
    const evidence = [
      { source: 'block', summary: `requests waited ${seconds(locked)} on mutexes in ${window} s (${waiting.toFixed(1)} waiting at any time), ${pct(share)} of request-path blocking; most at ${top.location.function}` },
    ];
    if (mutex) {
      const held = stackSamples(mutex, 'delay');
      const release = bySite(held, appKey)[0];
      if (release?.location && total(held) > 0)
        evidence.push({ source: 'mutex', summary: `${seconds(total(held))} of contention in ${window} s, ${pct(release.value / total(held))} released in ${release.location.function}` });
    }
    if (goroutineEnd) {
      const parked = stackSamples(goroutineEnd, 'goroutine').filter((s) => waitKind(s.frames) === 'mutex');
      const n = total(parked);
      if (n >= 2) evidence.push({ source: 'goroutine', summary: `${n} goroutines were parked on a mutex at the end of the window` });
    }
    return [
      {
        kind: 'lock-contention',
        title: `Requests queue on a mutex in ${top.location.function}: ${waiting.toFixed(1)} wait for it at any time.`,
        confidence: conf,
        location: top.location,
        evidence,
      },
    ];
  },
};
