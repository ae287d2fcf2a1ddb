// Requests queue for a bounded resource (a connection pool, a semaphore, a
// worker channel): the request path waits on a channel receive, select or
// semaphore acquire under one wait site, and goroutines pile up there.
import type { Detector } from '../inputs.js';
import { requestQueue } from '../queueing.js';
import { confidence, displayName, isClientWait, strength, waitSite } from '../stacks.js';

export const poolExhaustion: Detector = {
  kind: 'pool-exhaustion',
  detect(inputs) {
    const q = requestQueue(
      inputs,
      ['channel', 'cond'],
      (s) => {
        const site = waitSite(s.frames);
        return isClientWait(site) ? undefined : site;
      },
      'a channel, semaphore or condition',
    );
    if (!q) return [];
    return [
      {
        kind: 'pool-exhaustion',
        title: `Requests queue for a bounded resource in ${displayName(q.site)}: ${q.waiting.toFixed(1)} wait at any time.`,
        confidence: confidence(strength(q.waiting, q.threshold), q.share),
        location: q.location,
        evidence: q.evidence,
      },
    ];
  },
};
