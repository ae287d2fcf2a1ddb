// The BullMQ pipeline end to end on a real Redis, against the Go target:
// /rca as the console sends it, captured, analysed and posted in the thread.
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { createInbox } from '../commands/handler.js';
import { validateRegistry } from '../src/config/registry.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';

describe.skipIf(!hasRedis || !hasGo)('diagnosis pipeline', () => {
  let prefix: string;
  let redis: Redis;
  let store: ConsoleStore;
  let pipeline: Pipeline;
  let workers: Workers;
  let target: Target;

  beforeEach(async () => {
    prefix = uniquePrefix();
    redis = new Redis(redisUrl);
    store = new ConsoleStore(redis, `${prefix}:console`);
    const adapters = { console: new ConsoleAdapter(store) };
    pipeline = new Pipeline(redis, prefix, adapters);
    workers = startWorkers({ redisUrl, prefix, adapters });
    target = await startLoadedTarget(['-mode', 'pool']);
  });

  afterEach(async () => {
    await target?.stop();
    await workers?.close();
    await pipeline?.close();
    await cleanup(redis, prefix);
    await redis.quit();
  });

  const request = (key: string, channel = 'incident') => ({
    target: { service: 'order-api', pprof: target.url, probes: [{ name: 'db', url: `${target.url}/health`, expect: { json: { status: 'OK' } } }] },
    seconds: 2,
    requester: { platform: 'console' as const, channel },
    key,
  });

  it('posts the root message, edits it to the verdict, and puts the report and flame graphs in its thread', async () => {
    const submitted = await pipeline.submit(request('m1'));
    expect(submitted).toMatchObject({ joined: false, duplicate: false });
    const messages = await until(async () => {
      const all = await store.list('incident');
      return all.some((m) => m.text.startsWith('✅')) && all.filter((m) => m.image).length >= 2 ? all : undefined;
    }, 'the published report');
    const [root, ...thread] = messages;
    expect(root.text).toBe('✅ order-api: confirmed (details in the thread)');
    expect(thread.every((m) => m.thread === root.id)).toBe(true);
    const report = thread.find((m) => m.text.startsWith('## order-api'));
    expect(report?.text).toContain('**pool-exhaustion**');
    expect(report?.text).toContain('"status":"CRITICAL"');
    expect(report?.buttons?.map((b) => b.action)).toEqual(['rerun', 'compare', 'resolve']);
    const images = thread.filter((m) => m.image);
    expect(images.map((m) => m.text)).toEqual(['order-api-block.png', 'order-api-cpu.png']);
    const png = await store.image(images[0].image as string);
    expect(png?.subarray(1, 4).toString()).toBe('PNG');
  });

  it('a failing child fails the flow and the root message says why', async () => {
    const bad = request('m9');
    bad.target = { ...bad.target, pprof: 'not a url' };
    await pipeline.submit(bad);
    const root = await until(async () => (await store.list('incident')).find((m) => m.text.startsWith('❌')), 'the failed status');
    expect(root.text).toBe('❌ order-api: the diagnosis failed: Invalid URL');
    // The service is released, so the next request starts afresh.
    expect((await pipeline.submit(request('m10'))).joined).toBe(false);
  });

  it('a redelivered request runs once; a second request while running joins and gets the result too', async () => {
    const first = await pipeline.submit(request('m1', 'incident'));
    expect(await pipeline.submit(request('m1', 'incident'))).toEqual({ job: first.job, joined: false, duplicate: true });
    const second = await pipeline.submit(request('m2', 'other-channel'));
    expect(second).toEqual({ job: first.job, joined: true, duplicate: false });
    for (const channel of ['incident', 'other-channel'])
      await until(async () => (await store.list(channel))[0]?.text.startsWith('✅'), `the verdict in ${channel}`);
    expect((await store.list('incident')).filter((m) => m.text.startsWith('## order-api'))).toHaveLength(1);
    // Done: the service is free again, so a new request starts a new diagnosis.
    const third = await pipeline.submit(request('m3'));
    expect(third.joined).toBe(false);
    expect(third.job).not.toBe(first.job);
  });

  it('/rca status lists the diagnoses running now, and none once they are done', async () => {
    const registry = validateRegistry({ services: { 'order-api': { pprof: target.url } } }, 'test');
    if (!registry.ok) throw new Error(registry.error);
    const inbox = createInbox({ registry: registry.value, pipeline, adapter: (p) => pipeline.adapter(p) });
    const { job } = await pipeline.submit(request('m1', 'incident'));
    await inbox.command({ platform: 'console', channel: 'ops', user: 'u1', text: '/rca status', key: 's1' });
    const listing = await until(async () => (await store.list('ops'))[0], 'the status reply');
    expect(listing.text).toMatch(new RegExp(`^Running now \\(1\\):\\n• \`${job}\`: order-api is (queued|capturing|analysing), a 2 s window, asked \\d+ s ago$`));
    await until(async () => (await store.list('incident'))[0]?.text.startsWith('✅'), 'the verdict');
    await inbox.command({ platform: 'console', channel: 'ops', user: 'u1', text: '/rca status', key: 's2' });
    const after = await until(async () => (await store.list('ops'))[1], 'the second status reply');
    expect(after.text).toBe('Nothing is being diagnosed right now.');
  });
});
