import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, hasRedis, redisUrl, uniquePrefix } from '../test/helpers/redis.js';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { validateRegistry } from '../src/config/registry.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { createInbox } from './handler.js';
import { RateLimiter } from './limits.js';

describe.skipIf(!hasRedis)('commands from chat', () => {
  let prefix: string;
  let redis: Redis;
  let store: ConsoleStore;
  let pipeline: Pipeline;

  beforeEach(() => {
    prefix = uniquePrefix();
    redis = new Redis(redisUrl);
    store = new ConsoleStore(redis, `${prefix}:console`);
    pipeline = new Pipeline(redis, prefix, { console: new ConsoleAdapter(store) });
  });
  afterEach(async () => {
    await pipeline.close();
    await cleanup(redis, prefix);
    await redis.quit();
  });

  function inbox(services: Record<string, unknown>, limits = { perUser: 2, perService: 100, windowSeconds: 60 }) {
    const registry = validateRegistry({ services }, 'test');
    if (!registry.ok) throw new Error(registry.error);
    return createInbox({ registry: registry.value, pipeline, adapter: (p) => pipeline.adapter(p), limiter: new RateLimiter(redis, prefix, limits) });
  }
  const last = async (channel: string) => (await store.list(channel)).at(-1)?.text;
  const send = (text: string, channel = 'incident', user = 'alice', key = `${Math.random()}`) => ({ platform: 'console' as const, channel, user, text, key });

  it('answers help, services and bad input in a line', async () => {
    const box = inbox({ 'order-api': { pprof: 'http://127.0.0.1:9' } });
    await box.command(send('/rca help'));
    expect(await last('incident')).toMatch(/^`\/rca <service>/);
    await box.command(send('/rca services'));
    expect(await last('incident')).toBe('• `order-api` http://127.0.0.1:9 (10 s)');
    await box.command(send('/rca order-apo'));
    expect(await last('incident')).toBe('⚠️ unknown service "order-apo"; did you mean `order-api`?');
  });

  it('keeps a service to its allowed channels and users, for commands and buttons', async () => {
    const box = inbox({ 'order-api': { pprof: 'http://127.0.0.1:9', allowed: { channels: ['incident'], users: ['alice'] } } });
    await box.command(send('/rca order-api', 'random'));
    expect(await last('random')).toBe('⚠️ order-api cannot be diagnosed from this channel; ask in one of its incident channels.');
    await box.command(send('/rca order-api', 'incident', 'mallory'));
    expect(await last('incident')).toBe("⚠️ you are not on order-api's list of people who may diagnose it.");
    await box.action({ platform: 'console', channel: 'incident', user: 'mallory', action: 'resolve', job: 'j', service: 'order-api', key: 'k' });
    expect(await last('incident')).toBe("⚠️ you are not on order-api's list of people who may diagnose it.");
    await box.command(send('/rca order-api 2s', 'incident', 'alice'));
    expect(await last('incident')).toBe('⏳ Queued: order-api for 2 s…');
  });

  it('limits how often one person starts diagnoses, politely', async () => {
    const box = inbox({ 'order-api': { pprof: 'http://127.0.0.1:9' }, billing: { pprof: 'http://127.0.0.1:9' } });
    await box.command(send('/rca order-api'));
    await box.command(send('/rca billing'));
    await box.command(send('/rca order-api'));
    expect(await last('incident')).toBe('⚠️ you have started 2 diagnoses in the last minute; please wait a little before the next.');
    await box.command(send('/rca billing', 'incident', 'bob'));
    expect(await last('incident')).toMatch(/^⏳|^📡/);
  });

  it('limits how often one service is diagnosed, and a refused person does not use up its budget', async () => {
    const box = inbox({ 'order-api': { pprof: 'http://127.0.0.1:9' } }, { perUser: 1, perService: 2, windowSeconds: 600 });
    await box.command(send('/rca order-api', 'incident', 'alice'));
    await box.command(send('/rca order-api', 'incident', 'alice'));
    expect(await last('incident')).toBe('⚠️ you have started 1 diagnosis in the last 10 minutes; please wait a little before the next.');
    await box.command(send('/rca order-api', 'incident', 'bob'));
    expect(await last('incident')).toMatch(/^⏳|^📡/);
    await box.command(send('/rca order-api', 'incident', 'carol'));
    expect(await last('incident')).toBe('⚠️ order-api has been diagnosed 2 times in the last 10 minutes; the results in its threads are still fresh.');
    const ttl = await redis.ttl(`${prefix}:rca:rate:service:order-api`);
    expect(ttl).toBeGreaterThan(590);
  });
});
