// A worker process killed in the middle of a diagnosis: BullMQ's stalled-job
// handling gives the job to another worker process, and the result is still
// posted exactly once.
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { startWorkerProcess } from './helpers/worker.js';

describe.skipIf(!hasRedis || !hasGo)('a worker killed mid-job', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let store: ConsoleStore;
  let pipeline: Pipeline;
  let target: Target;
  const workers: ChildProcess[] = [];

  /** A worker process with short lock and stalled-check times, resolved once it is up. */
  async function startWorker(): Promise<ChildProcess> {
    const { proc } = await startWorkerProcess(prefix, { RCA_WORKER_LOCK_MS: '1500', RCA_WORKER_STALLED_MS: '1000' });
    workers.push(proc);
    return proc;
  }

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    store = new ConsoleStore(redis, `${prefix}:console`);
    pipeline = new Pipeline(redis, prefix, { console: new ConsoleAdapter(store) });
    target = await startLoadedTarget(['-mode', 'pool']);
  });

  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    await pipeline?.close();
    await target?.stop();
    if (redis) {
      await cleanup(redis, prefix);
      await redis.quit();
    }
  });

  it('the job is recovered by another worker and the report is posted once', async () => {
    const first = await startWorker();
    const { job } = await pipeline.submit({
      target: { service: 'order-api', pprof: target.url, probes: [] },
      seconds: 3,
      requester: { platform: 'console', channel: 'incident' },
      key: 'crash-1',
    });
    // Kill it hard once it is capturing: its lock is never released.
    await until(async () => (await store.list('incident'))[0]?.text.startsWith('📡'), 'the capture to start');
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    await startWorker();
    await until(async () => (await store.list('incident'))[0]?.text.startsWith('✅'), 'the verdict', 60_000);
    const reports = (await store.list('incident')).filter((m) => m.text.startsWith('## order-api'));
    expect(reports).toHaveLength(1);
    expect(reports[0].text).toContain('pool-exhaustion');
    expect(job).toMatch(/^rca-console-/);
  });
});
