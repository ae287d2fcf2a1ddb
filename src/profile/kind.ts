// Which Go profile a pprof file is, from its sample types, and what an empty
// one means.

import type { Profile } from './model.js';

export type ProfileKind = 'cpu' | 'heap' | 'allocs' | 'contention' | 'goroutine' | 'threadcreate' | 'wall' | 'other';

export function profileKind(p: Profile): ProfileKind {
  const types = p.sampleTypes.map((t) => t.type).join(',');
  if (/(^|,)cpu(,|$)/.test(types) || p.periodType.type === 'cpu') return 'cpu';
  if (types.includes('inuse_space') || types.includes('alloc_space')) return p.defaultSampleType === 'alloc_space' ? 'allocs' : 'heap';
  if (types === 'contentions,delay' || types === 'contentions' || types === 'delay') return 'contention';
  if (types === 'goroutine' || types === 'goroutineleak') return 'goroutine';
  if (types === 'threadcreate') return 'threadcreate';
  if (types.includes('wall') || p.periodType.type === 'wallclock') return 'wall';
  return 'other';
}

export const kindLabel: Record<ProfileKind, string> = {
  cpu: 'CPU',
  heap: 'heap',
  allocs: 'allocs',
  contention: 'block/mutex',
  goroutine: 'goroutine',
  threadcreate: 'threadcreate',
  wall: 'wall-clock',
  other: 'profile',
};

/** A sentence for a profile with no samples, or undefined when it has some. */
export function emptyNote(p: Profile): string | undefined {
  if (p.samples.count > 0) return undefined;
  if (profileKind(p) === 'contention')
    return 'the profile has no samples: block or mutex profiling is not enabled in the target (runtime.SetBlockProfileRate / runtime.SetMutexProfileFraction)';
  return 'the profile has no samples';
}
