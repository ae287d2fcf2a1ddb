// Requests queue on a sync.Mutex or RWMutex: the request path's waiting is
// mostly mutex waits, the mutex profile shows where the lock is released,
// goroutines are parked on it.
import type { Detector } from '../inputs.js';
import { requestQueue } from '../queueing.js';
import { appKey, bySite, confidence, pct, seconds, stackSamples, strength, total } from '../stacks.js';

export const lockContention: Detector = {
  kind: 'lock-contention',
  detect(inputs) {
    const q = requestQueue(inputs, ['mutex'], (s) => s.frames.find((f) => f.kind === 'app')?.name, 'a mutex');
    if (!q) return [];
    const evidence = [...q.evidence];
    if (inputs.mutex) {
      const held = stackSamples(inputs.mutex, 'delay');
      const release = bySite(held, appKey)[0];
      if (release?.location && total(held) > 0)
        evidence.push({ source: 'mutex', summary: `${seconds(total(held))} of contention in ${inputs.seconds} s, ${pct(release.value / total(held))} released in ${release.location.function}` });
    }
    return [
      {
        kind: 'lock-contention',
        title: `Requests queue on a mutex in ${q.location.function}: ${q.waiting.toFixed(1)} wait for it at any time.`,
        confidence: confidence(strength(q.waiting, q.threshold), q.share),
        location: q.location,
        evidence,
      },
    ];
  },
};
