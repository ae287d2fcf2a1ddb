// "Compare with last healthy capture": a healthy diagnosis becomes the
// service's baseline; the button on a later report posts what moved since,
// with a differential flame graph, in that report's thread.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from '../commands/handler.js';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { validateRegistry } from '../src/config/registry.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';

describe.skipIf(!hasRedis || !hasGo)('compare with the last healthy capture', () => {
  const prefix = uniquePrefix();
  let redis: Redis;
  let store: ConsoleStore;
  let pipeline: Pipeline;
  let workers: Workers;
  const targets: Target[] = [];

  beforeAll(async () => {
    redis = new Redis(redisUrl);
    store = new ConsoleStore(redis, `${prefix}:console`);
    const adapters = { console: new ConsoleAdapter(store) };
    pipeline = new Pipeline(redis, prefix, adapters);
    workers = startWorkers({ redisUrl, prefix, adapters });
  });

  afterAll(async () => {
    for (const t of targets) await t.stop();
    await workers?.close();
    await pipeline?.close();
    await cleanup(redis, prefix);
    await redis.quit();
  });

  const diagnose = async (url: string, channel: string, service = 'order-api') => {
    await pipeline.submit({ target: { service, pprof: url, probes: [] }, seconds: 2, requester: { platform: 'console', channel }, key: channel });
    return until(async () => {
      const all = await store.list(channel);
      return /^(✅|❌)/.test(all[0]?.text ?? '') && all.some((m) => m.buttons) ? all : undefined;
    }, `the report in ${channel}`);
  };

  it('says there is no baseline yet, then compares a CPU hotspot with the healthy capture', async () => {
    const registry = validateRegistry({ services: { 'order-api': { pprof: 'http://127.0.0.1:9' } } }, 'test');
    if (!registry.ok) throw new Error(registry.error);
    const inbox = createInbox({ registry: registry.value, pipeline, adapter: (p) => pipeline.adapter(p) });
    const press = async (messages: Awaited<ReturnType<typeof diagnose>>, channel: string, key: string) => {
      const report = messages.find((m) => m.buttons) as (typeof messages)[number];
      const { job } = JSON.parse(report.buttons?.find((b) => b.action === 'compare')?.value ?? '{}') as { job: string };
      await inbox.action({ platform: 'console', channel, user: 'u1', action: 'compare', job, service: 'order-api', key, thread: messages[0].id });
    };

    const hot = await startLoadedTarget(['-mode', 'cpu']);
    targets.push(hot);
    const first = await diagnose(hot.url, 'first');
    await press(first, 'first', 'press-1');
    const refused = await until(async () => (await store.list('first')).find((m) => m.text.startsWith('⚠️')), 'the refusal');
    expect(refused.text).toBe('⚠️ No comparison: no healthy capture of order-api is on record yet: the newest diagnosis that finds it healthy becomes the baseline.');
    expect(refused.thread).toBe(first[0].id);

    const calm = await startLoadedTarget(['-mode', 'healthy']);
    targets.push(calm);
    const healthy = await diagnose(calm.url, 'healthy');
    expect(healthy[0].text).toBe('✅ order-api: healthy (details in the thread)');

    await press(first, 'first', 'press-2');
    const thread = await until(async () => {
      const all = await store.list('first');
      return all.some((m) => m.text.startsWith('📊')) && all.some((m) => m.text === 'order-api-cpu-diff.png') ? all : undefined;
    }, 'the comparison');
    const text = thread.find((m) => m.text.startsWith('📊'))?.text ?? '';
    expect(text).toMatch(/^📊 order-api: cpu profile \(cpu\) against the last healthy capture, `rca-console-\w+` at \d{4}-/);
    // The fault's hashing (main.checksumRecords → sha256) is where the time grew most.
    const moved = text.split('\n').filter((l) => l.startsWith('• '));
    // Go 1.24 moved the hashing into crypto/internal/fips140 (sha256.blockSHANI and kin).
    expect(moved[0]).toMatch(/^• `crypto\/(internal\/fips140\/)?sha256\.block\w*` \+\d/);
    expect(thread.filter((m) => m.text.startsWith('📊') || m.text.endsWith('-diff.png')).every((m) => m.thread === first[0].id)).toBe(true);
    const png = await store.image(thread.find((m) => m.text === 'order-api-cpu-diff.png')?.image as string);
    expect(png?.subarray(1, 4).toString()).toBe('PNG');
  });

  it('a healthy capture leaves its request stages behind: a later one names the stage that grew against it', async () => {
    const pipelined = await startLoadedTarget(['-mode', 'pipeline', '-fault-off'], 100);
    targets.push(pipelined);
    const calm = await diagnose(pipelined.url, 'stages-calm', 'checkout-api');
    expect(calm[0].text).toBe('✅ checkout-api: healthy (details in the thread)');
    expect((await fetch(`${pipelined.url}/fault?on=true`, { method: 'POST' })).status).toBe(200);
    const stalled = await diagnose(pipelined.url, 'stages-stalled', 'checkout-api');
    const report = stalled.find((m) => m.buttons)?.text ?? '';
    expect(report).toMatch(/The execute stage of order requests grew from [\d.]+ ms to [\d.]+ ms against the last healthy capture/);
  });
});
