// SIGTERM to a worker process in the middle of a diagnosis: it stops taking
// jobs, lets the running ones finish within RCA_SHUTDOWN_S, hands back what is
// still running, and exits 0; another worker finishes the diagnosis, and the
// report is posted exactly once.
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { startWorkerProcess, type WorkerProcess } from './helpers/worker.js';

describe.skipIf(!hasRedis || !hasGo)('a worker stopped with SIGTERM mid-job', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let store: ConsoleStore;
  let pipeline: Pipeline;
  let target: Target;
  const workers: ChildProcess[] = [];

  /** A worker process with `shutdownS` for RCA_SHUTDOWN_S, resolved once it is up; its log lines are collected. */
  async function startWorker(shutdownS: number): Promise<WorkerProcess> {
    const w = await startWorkerProcess(prefix, { RCA_SHUTDOWN_S: String(shutdownS) });
    workers.push(w.proc);
    return w;
  }

  const reports = async () => (await store.list('incident')).filter((m) => m.text.startsWith('## order-api'));

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    store = new ConsoleStore(redis, `${prefix}:console`);
    pipeline = new Pipeline(redis, prefix, { console: new ConsoleAdapter(store) });
    target = await startLoadedTarget(['-mode', 'cpu']);
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

  it('a capture longer than the deadline is handed back, the worker exits 0, and another worker posts the report once', async () => {
    const first = await startWorker(1);
    const windowEnds = Date.now() + 10_000;
    await pipeline.submit({ target: { service: 'order-api', pprof: target.url, probes: [] }, seconds: 10, requester: { platform: 'console', channel: 'incident' }, key: 'sigterm-1' });
    await until(async () => (await store.list('incident'))[0]?.text.startsWith('📡'), 'the capture to start');
    first.proc.kill('SIGTERM');
    const [code] = (await once(first.proc, 'exit')) as [number | null];
    expect(code).toBe(0);
    // Gone before the capture it was running could have ended: the capture was cancelled, not waited for.
    expect(Date.now()).toBeLessThan(windowEnds);
    expect(first.lines.some((l) => /stopped: \d+ unfinished jobs? handed back to the queue/.test(l)), first.lines.join('\n')).toBe(true);
    // Nothing was posted as failed by the worker that stopped.
    expect((await store.list('incident'))[0].text).toMatch(/^📡/);
    const second = await startWorker(25);
    await until(async () => (await store.list('incident'))[0]?.text.startsWith('✅'), 'the verdict', 60_000);
    expect(await reports()).toHaveLength(1);
    expect((await reports())[0].text).toContain('cpu-hotspot');
    second.proc.kill('SIGTERM');
    expect(((await once(second.proc, 'exit')) as [number | null])[0]).toBe(0);
  });

  it('a capture shorter than the deadline finishes in the stopping worker before it exits 0', async () => {
    const worker = await startWorker(30);
    const { job } = await pipeline.submit({ target: { service: 'order-api', pprof: target.url, probes: [] }, seconds: 2, requester: { platform: 'console', channel: 'incident' }, key: 'sigterm-2' });
    await until(async () => (await store.list('incident')).some((m) => m.text.startsWith('📡') && !m.thread), 'the second capture to start');
    worker.proc.kill('SIGTERM');
    const [code] = (await once(worker.proc, 'exit')) as [number | null];
    expect(code).toBe(0);
    const log = worker.lines.join('\n');
    expect(log).toContain('stopped: every running job finished');
    // It finished the capture it had. (A job whose fetch was already in flight at the signal, such as the analysis
    // the capture's end releases, may still run here: BullMQ's close waits for it; it too finishes or is handed back.)
    expect(worker.lines.filter((l) => l.includes(job) && l.includes('capture done')).length, log).toBeGreaterThan(0);
    expect(log).not.toMatch(/"msg":"\w+ failed"/);
    const next = await startWorker(25);
    await until(async () => (await reports()).length === 2, 'the second report', 60_000);
    next.proc.kill('SIGTERM');
    expect(((await once(next.proc, 'exit')) as [number | null])[0]).toBe(0);
    expect(await reports()).toHaveLength(2);
  });
});
