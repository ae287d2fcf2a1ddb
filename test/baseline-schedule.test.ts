// Scheduled healthy baselines: BullMQ job schedulers from the registry, on a real Redis, capturing
// real Go targets in the background. A healthy capture is kept as the service's last healthy one
// (what Compare compares with); a faulty one, one whose service is being diagnosed and one over the
// service's rate limit are not, each saying why. Nothing is posted.
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../commands/limits.js';
import { validateRegistry } from '../src/config/registry.js';
import { Baselines, baselineQueue } from '../src/queue/baselines.js';
import { JobState } from '../src/queue/state.js';
import { startWorkers, type Workers } from '../workers/index.js';
import type { BaselineResult } from '../workers/baseline.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';

describe.skipIf(!hasRedis || !hasGo)('scheduled healthy baselines', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let healthy: Target;
  let hot: Target;
  let workers: Workers;
  let baselines: Baselines;
  let state: JobState;

  const registry = (names: string[]) => {
    const every = { every: '1h', seconds: 2 };
    const all: Record<string, unknown> = {
      'order-api': { pprof: healthy.url, baseline: every },
      'hot-api': { pprof: hot.url, baseline: every },
      'busy-api': { pprof: healthy.url, baseline: every },
      'limited-api': { pprof: healthy.url, baseline: every },
      'plain-api': { pprof: healthy.url },
      'giveway-api': { pprof: healthy.url, baseline: { every: '1h', seconds: 30 } },
    };
    const r = validateRegistry({ services: Object.fromEntries(names.map((n) => [n, all[n]])) }, 'test');
    if (!r.ok) throw new Error(r.error);
    return r.value;
  };

  beforeAll(async () => {
    [healthy, hot] = await Promise.all([startLoadedTarget(['-mode', 'healthy']), startLoadedTarget(['-mode', 'cpu'])]);
    redis = new Redis(redisUrl);
    state = new JobState(redis, prefix);
    const limiter = new RateLimiter(redis, prefix, { perUser: 10, perService: 1, windowSeconds: 600 });
    // limited-api has used its budget; busy-api is being diagnosed.
    expect(await limiter.takeService('limited-api')).toBeUndefined();
    await state.claimService('busy-api', 'rca-console-busy', 60);
    workers = startWorkers({ redisUrl, prefix, adapters: {}, mayCapture: (s) => limiter.takeService(s), baselineSpacingMs: 200 });
    baselines = new Baselines(redis, prefix);
  });

  afterAll(async () => {
    await baselines?.close();
    await workers?.close();
    await Promise.all([healthy?.stop(), hot?.stop()]);
    await cleanup(redis, prefix);
    await redis.quit();
  });

  it('captures each scheduled service at once, keeps the healthy capture, and says why it kept none of the others', async () => {
    expect(await baselines.schedule(registry(['order-api', 'hot-api', 'busy-api', 'limited-api', 'plain-api']))).toEqual(['order-api', 'hot-api', 'busy-api', 'limited-api']);
    const queue = new Queue(baselineQueue, { connection: redis, prefix });
    const done = await until(async () => {
      const jobs = await queue.getJobs(['completed', 'failed']);
      return jobs.length >= 4 ? jobs : undefined;
    }, 'the four background captures', 60_000);
    const results = Object.fromEntries(done.map((j) => [j.data.service as string, j.returnvalue as BaselineResult]));
    expect(done.filter((j) => j.failedReason)).toEqual([]);
    expect(results['order-api']).toMatchObject({ kept: true });
    expect(results['hot-api']).toEqual({ kept: false, why: expect.stringMatching(/^the capture is (needs-review|likely|confirmed) \(cpu-hotspot\), not a baseline$/) });
    expect(results['busy-api']).toEqual({ kept: false, why: 'a diagnosis of busy-api is running (rca-console-busy)' });
    expect(results['limited-api']).toEqual({ kept: false, why: 'limited-api has been diagnosed 1 times in the last 10 minutes; the background capture waits for the next turn' });
    // What Compare reads: the newest healthy capture of order-api, with its CPU profile.
    const kept = await state.loadProfiles('healthy:order-api');
    expect(kept?.job).toMatch(/^baseline-order-api-\d+$/);
    expect(kept?.profiles.map((p) => p.name)).toContain('cpu');
    expect(await state.loadProfiles('healthy:hot-api')).toBeUndefined();
    // Each is scheduled to come back an hour later.
    const next = await queue.getJobs(['delayed']);
    expect(next.map((j) => j.data.service).sort()).toEqual(['busy-api', 'hot-api', 'limited-api', 'order-api']);
    await queue.close();
  });

  it('a diagnosis asked for during a background capture stops it: the capture gives way', async () => {
    await baselines.schedule(registry(['giveway-api']));
    const queue = new Queue(baselineQueue, { connection: redis, prefix });
    await until(async () => (await queue.getJobs(['active'])).some((j) => j.data.service === 'giveway-api'), 'the background capture to start');
    await state.claimService('giveway-api', 'rca-slack-asked', 60);
    const done = await until(async () => (await queue.getJobs(['completed'])).find((j) => j.data.service === 'giveway-api'), 'the background capture to give way');
    expect(done.returnvalue).toEqual({ kept: false, why: 'a diagnosis of giveway-api started (rca-slack-asked); the background capture gave way' });
    await queue.close();
  });

  it('the schedulers follow the registry: a service dropped from it loses its scheduler', async () => {
    await baselines.schedule(registry(['order-api', 'plain-api']));
    const queue = new Queue(baselineQueue, { connection: redis, prefix });
    expect((await queue.getJobSchedulers()).map((s) => s.key)).toEqual(['baseline:order-api']);
    await queue.close();
  });
});
