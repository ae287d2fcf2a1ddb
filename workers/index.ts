// Starts the BullMQ workers of the pipeline. They can run in the bot's own
// process or in any number of worker processes on the same Redis.
import { Worker, type Job } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import type { ChatAdapter, Platform, Stage } from '../src/chat/adapter.js';
import { queues } from '../src/queue/pipeline.js';
import { JobState } from '../src/queue/state.js';
import { analyseProcessor } from './analyse.js';
import { captureProcessor } from './capture.js';
import type { Deps } from './deps.js';
import { publishProcessor } from './publish.js';

export interface WorkerOptions {
  redisUrl: string;
  prefix: string;
  adapters: Partial<Record<Platform, ChatAdapter>>;
  /** BullMQ's lock and stalled-check timing; shorter in tests that kill workers. */
  lockDuration?: number;
  stalledInterval?: number;
}

export interface Workers {
  workers: Worker[];
  close(): Promise<void>;
}

export function startWorkers(o: WorkerOptions): Workers {
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: null } satisfies RedisOptions);
  const state = new JobState(redis, o.prefix);
  const adapter = (platform: Platform) => {
    const a = o.adapters[platform];
    if (!a) throw new Error(`no ${platform} adapter is configured`);
    return a;
  };
  const deps: Deps = {
    state,
    adapter,
    async progress(job: string, stage: Stage, detail?: string) {
      const current = await state.status(job);
      if (!current) return;
      const status = { ...current, stage, detail };
      await state.setStatus(status);
      for (const root of await state.roots(job)) await adapter(root.platform).updateStatus(root, status);
    },
  };
  const common = {
    connection: new Redis(o.redisUrl, { maxRetriesPerRequest: null }),
    prefix: o.prefix,
    ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
    ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
  };
  const workers = [
    new Worker(queues.capture, captureProcessor(deps), { ...common, concurrency: 8 }),
    new Worker(queues.analyse, analyseProcessor(deps), { ...common, concurrency: 2 }),
    new Worker(queues.publish, publishProcessor(deps), { ...common, concurrency: 4 }),
  ];
  // A job that fails for good tells the chats that asked why.
  for (const w of workers)
    w.on('failed', (job: Job | undefined, error: Error) => {
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      const data = job.data as { job?: string; service?: string; target?: { service: string } };
      const service = data.service ?? data.target?.service;
      if (!data.job) return;
      // The child's own error says why; the parents it fails only repeat "child … failed".
      if (/^child \S+ failed$/.test(error.message)) return;
      const id = data.job;
      void (async () => {
        if (!(await state.claim(id, 'failed'))) return;
        if (service) await state.releaseService(service, id);
        await deps.progress(id, 'failed', error.message.split('\n')[0]);
      })().catch(() => undefined);
    });
  return {
    workers,
    async close() {
      await Promise.all(workers.map((w) => w.close()));
      await common.connection.quit();
      await redis.quit();
    },
  };
}
