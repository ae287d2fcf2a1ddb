// Requests queueing for something (a mutex, a pool): seen in the block
// profile as time spent waiting, and in goroutine snapshots as requests
// parked at one place. The block profile is the better measure; the
// snapshots still work when the service never enabled block profiling.

import type { Inputs } from './inputs.js';
import { bySite, displayName, onRequestPath, pct, seconds, stackSamples, total, waitKind, type StackSample, type WaitKind } from './stacks.js';
import type { CodeLocation, Evidence } from '../model.js';
import { traceQueueEvidence } from './trace.js';

export interface Queue {
  /** Where requests wait: a function name. */
  site: string;
  location: CodeLocation;
  /** How many requests wait there at any time. */
  waiting: number;
  /** Its share of all request waiting (block) or of all request goroutines (snapshots). */
  share: number;
  /** The measurement's own threshold for "worth a look". */
  threshold: number;
  evidence: Evidence[];
}

export function requestQueue(inputs: Inputs, kinds: WaitKind[], siteOf: (s: StackSample) => string | undefined, what: string): Queue | undefined {
  const q = fromProfiles(inputs, kinds, siteOf, what);
  // The execution trace times every wait, not a sample of them: one more source where it agrees.
  const seen = q && traceQueueEvidence(inputs.trace, kinds, siteOf, q.site, what, q.waiting);
  if (q && seen) q.evidence.push(seen);
  return q;
}

function fromProfiles(inputs: Inputs, kinds: WaitKind[], siteOf: (s: StackSample) => string | undefined, what: string): Queue | undefined {
  const window = inputs.seconds;
  const goroutines = (p: Inputs['goroutineEnd']) => (p ? stackSamples(p, 'goroutine').filter((s) => onRequestPath(s.frames)) : []);
  const end = goroutines(inputs.goroutineEnd);
  const start = goroutines(inputs.goroutineStart);
  const parked = (gs: StackSample[], site: string) => total(gs.filter((s) => kinds.includes(waitKind(s.frames)) && siteOf(s) === site));

  const waits = inputs.block ? stackSamples(inputs.block, 'delay').filter((s) => onRequestPath(s.frames)) : [];
  const all = total(waits);
  const blocked = bySite(waits.filter((s) => kinds.includes(waitKind(s.frames))), siteOf)[0];
  if (blocked?.location && all > 0) {
    const waiting = blocked.value / 1e9 / window;
    const evidence: Evidence[] = [
      { source: 'block', summary: `requests waited ${seconds(blocked.value)} on ${what} at ${displayName(blocked.key)} in ${window} s (${waiting.toFixed(1)} waiting at any time), ${pct(blocked.value / all)} of request-path blocking` },
    ];
    const n = parked(end, blocked.key);
    if (n >= 2) evidence.push({ source: 'goroutine', summary: `${n} of ${total(end)} request goroutines were waiting at ${displayName(blocked.key)} at the end of the window` });
    return { site: blocked.key, location: blocked.location, waiting, share: blocked.value / all, threshold: 0.5, evidence };
  }

  // No block profile to go on (often: block profiling was never enabled). Use the snapshots.
  const site = bySite(end.filter((s) => kinds.includes(waitKind(s.frames))), siteOf)[0];
  if (!site?.location || end.length === 0) return undefined;
  const atEnd = site.value;
  const atStart = parked(start, site.key);
  const waiting = (atEnd + atStart) / 2;
  return {
    site: site.key,
    location: site.location,
    waiting,
    share: atEnd / total(end),
    threshold: 3,
    evidence: [
      {
        source: 'goroutine',
        summary: `${atStart} then ${atEnd} request goroutines were waiting on ${what} at ${displayName(site.key)} at the start and end of the window (of ${total(end)} serving requests); the block profile had nothing to add`,
      },
    ],
  };
}
