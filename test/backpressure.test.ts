// Backpressure on a real Redis: with the registry's cap of one capture at a time (across every
// process), three diagnoses asked for at once run one after another; those waiting say how many are
// ahead of them, and move up as the others start; no two captures of the Go target overlap.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter, slackClient } from '../src/chat/slack/adapter.js';
import { Queue } from 'bullmq';
import { capCaptures, Pipeline, queues } from '../src/queue/pipeline.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { envOf, FakeSlack } from './helpers/slack-fake.js';

describe.skipIf(!hasRedis || !hasGo)('backpressure: a cap on captures at once', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let slackApi: FakeSlack;
  let pipeline: Pipeline;
  let workers: Workers[];
  let target: Target;

  beforeAll(async () => {
    target = await startLoadedTarget(['-mode', 'pool']);
    slackApi = new FakeSlack();
    await slackApi.start();
    redis = new Redis(redisUrl);
    const adapters = { slack: new SlackAdapter(slackClient(envOf({ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: `${slackApi.url}api/` }))) };
    await capCaptures(redis, prefix, 1);
    pipeline = new Pipeline(redis, prefix, adapters);
    // Two worker processes' worth of workers, eight capture slots each: the cap holds across them.
    workers = [startWorkers({ redisUrl, prefix, adapters, positionsEveryMs: 200 }), startWorkers({ redisUrl, prefix, adapters, positionsEveryMs: 200 })];
  });

  afterAll(async () => {
    for (const w of workers ?? []) await w.close();
    await pipeline?.close();
    await target?.stop();
    await slackApi?.close();
    await cleanup(redis, prefix);
    await redis.quit();
  });

  it('runs them one at a time, each waiting one told its place', async () => {
    const services = ['a-api', 'b-api', 'c-api'];
    for (const [i, service] of services.entries())
      await pipeline.submit({ target: { service, pprof: target.url, probes: [] }, seconds: 2, requester: { platform: 'slack', channel: `C-${service}` }, key: `k-${i}` });
    const texts = (service: string) => slackApi.calls.filter((c) => c.body.channel === `C-${service}` && (c.method === 'chat.update' || (c.method === 'chat.postMessage' && !c.body.thread_ts))).map((c) => ({ text: String(c.body.text), at: c.at }));
    await until(async () => services.every((s) => texts(s).some((t) => t.text.startsWith(`✅ ${s}`))), 'the three diagnoses', 60_000);
    // The last asked waited behind two, then one, then started.
    const c = texts('c-api').map((t) => t.text);
    expect(c).toContain('⏳ Queued: c-api for 2 s… (1 ahead)');
    expect(c).toContain('⏳ Queued: c-api for 2 s… (next in line)');
    expect(c.indexOf('⏳ Queued: c-api for 2 s… (1 ahead)')).toBeLessThan(c.indexOf('⏳ Queued: c-api for 2 s… (next in line)'));
    expect(c.indexOf('⏳ Queued: c-api for 2 s… (next in line)')).toBeLessThan(c.indexOf('📡 Capturing c-api for 2 s…'));
    // One capture at a time: by BullMQ's own times, each capture job started after the one before it finished.
    const queue = new Queue(queues.capture, { connection: redis, prefix });
    const runs = (await queue.getJobs(['completed'])).map((j) => [j.processedOn ?? NaN, j.finishedOn ?? NaN] as const).sort((x, y) => x[0] - y[0]);
    await queue.close();
    expect(runs).toHaveLength(3);
    for (let i = 1; i < runs.length; i++) expect(runs[i][0]).toBeGreaterThanOrEqual(runs[i - 1][1]);
  });
});
