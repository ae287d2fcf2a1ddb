// The goroutine-leak detector against a real Go service: requests in flight are not a leak.
import { afterEach, describe, expect, it } from 'vitest';
import { parseProfile } from '../../profile/pprof.js';
import type { Profile } from '../../profile/model.js';
import { hasGo, servedAtLeast, startLoad, startTarget, type Target } from '../../../test/helpers/go.js';
import { stackSamples } from '../stacks.js';
import { goroutineLeak } from './goroutine-leak.js';

async function goroutines(target: Target): Promise<Profile> {
  const body = new Uint8Array(await (await fetch(`${target.url}/debug/pprof/goroutine`)).arrayBuffer());
  const p = parseProfile(body);
  if (!p.ok) throw new Error(p.error);
  return p.value;
}

describe.skipIf(!hasGo)('goroutine-leak on a live Go service', () => {
  let stop: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const s of stop.reverse()) await s();
    stop = [];
  });

  it('does not count the background readers of requests in flight as a leak', async () => {
    // CPU-bound handlers (regexp mode) and more load than two cores serve: the window ends with
    // the load generator's 32 requests in flight, each with net/http's background reader parked in a read.
    const target = await startTarget(['-mode', 'regexp']);
    stop.push(target.stop);
    const start = await goroutines(target);
    const load = startLoad(`${target.url}/work`, 5000);
    stop.push(load.stop);
    await servedAtLeast(target, 200);
    const end = await goroutines(target);
    const readers = stackSamples(end, 'goroutine').filter((s) => s.frames.some((f) => f.name === 'net/http.(*connReader).backgroundRead'));
    expect(readers.reduce((n, s) => n + s.value, 0)).toBeGreaterThanOrEqual(10);
    expect(goroutineLeak.detect({ seconds: 3, goroutineStart: start, goroutineEnd: end, probes: [] })).toEqual([]);
  });
});
