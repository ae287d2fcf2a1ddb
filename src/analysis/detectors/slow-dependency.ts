// Requests wait on a downstream call: the request path blocks inside an HTTP
// or gRPC client, under one application function. This is the dependency
// being slow, not a queue of ours (pool-exhaustion leaves client waits out).
import type { Detector } from '../inputs.js';
import { requestQueue } from '../queueing.js';
import { confidence, firstAppFrame, isClientWait, strength, waitSite, type StackSample } from '../stacks.js';

function protocol(site: string): string {
  return site.startsWith('google.golang.org/grpc') ? 'gRPC' : 'HTTP';
}

export const slowDependency: Detector = {
  kind: 'slow-dependency',
  detect(inputs) {
    const sites = new Map<string, string>();
    const siteOf = (s: StackSample) => {
      const site = waitSite(s.frames);
      if (!isClientWait(site)) return undefined;
      const caller = firstAppFrame(s.frames)?.function;
      if (caller) sites.set(caller, site);
      return caller;
    };
    const q = requestQueue(inputs, ['channel', 'cond', 'io'], siteOf, 'a downstream call');
    if (!q) return [];
    const what = protocol(sites.get(q.site) ?? '');
    // Every service that calls another has requests in flight there; a few
    // at once is normal. Four or more waiting all the time is a slow dependency.
    const threshold = Math.max(q.threshold, 4);
    return [
      {
        kind: 'slow-dependency',
        title: `Requests wait on a slow downstream ${what} call in ${q.location.function}: ${q.waiting.toFixed(1)} waiting at any time.`,
        confidence: confidence(strength(q.waiting, threshold), q.share),
        location: q.location,
        evidence: q.evidence,
      },
    ];
  },
};
