// /rca from Slack end to end: a request signed as Slack signs it, the real
// Bolt receiver on our server, the BullMQ pipeline on a real Redis, the Go
// target, and a loopback fake of Slack's Web API that records every call.
import { createHmac } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from '../commands/handler.js';
import type { ChatAdapter, Platform } from '../src/chat/adapter.js';
import { createSlack } from '../src/chat/slack/app.js';
import { readEnv } from '../src/config/env.js';
import { validateRegistry } from '../src/config/registry.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { startServer } from '../src/server/http.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { FakeSlack } from './helpers/slack-fake.js';

const SECRET = 'e2e-signing-secret';

function signed(body: string, age = 0) {
  const ts = String(Math.floor(Date.now() / 1000) - age);
  const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig };
}

describe.skipIf(!hasRedis || !hasGo)('/rca from Slack, end to end', () => {
  const prefix = uniquePrefix();
  let slackApi: FakeSlack;
  let redis: Redis;
  let pipeline: Pipeline;
  let workers: Workers;
  let target: Target;
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    slackApi = new FakeSlack();
    await slackApi.start();
    target = await startLoadedTarget(['-mode', 'pool']);
    const env = readEnv({ SLACK_BOT_TOKEN: 'xoxb-e2e', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `${slackApi.url}api/` });
    if (!env.ok) throw new Error(env.error);
    const registry = validateRegistry({ services: { 'order-api': { pprof: target.url, seconds: 2 } } }, 'test');
    if (!registry.ok) throw new Error(registry.error);
    redis = new Redis(redisUrl);
    const adapters: Partial<Record<Platform, ChatAdapter>> = {};
    pipeline = new Pipeline(redis, prefix, adapters);
    const inbox = createInbox({ registry: registry.value, pipeline, adapter: (p) => pipeline.adapter(p) });
    const slack = createSlack(env.value, inbox);
    adapters.slack = slack.adapter;
    workers = startWorkers({ redisUrl, prefix, adapters });
    const server = await startServer([slack.route], 0, '127.0.0.1');
    url = `http://127.0.0.1:${server.port}/slack/events`;
    close = () => server.server.close();
  });

  afterAll(async () => {
    close?.();
    await workers?.close();
    await pipeline?.close();
    await target?.stop();
    await slackApi?.close();
    if (redis) {
      await cleanup(redis, prefix);
      await redis.quit();
    }
  });

  const command = (text: string, trigger = 'trig-1') =>
    new URLSearchParams({ command: '/rca', text, channel_id: 'C123', user_id: 'U42', trigger_id: trigger, team_id: 'T1', response_url: 'http://127.0.0.1:9/none' }).toString();

  it('forged and stale requests get 401 and start nothing', async () => {
    const body = command('order-api 2s', 'forged');
    const forged = await fetch(url, { method: 'POST', headers: { ...signed(body), 'x-slack-signature': 'v0=00' }, body });
    const stale = await fetch(url, { method: 'POST', headers: signed(body, 6 * 60), body });
    expect([forged.status, stale.status]).toEqual([401, 401]);
    expect(slackApi.calls.filter((c) => c.method.startsWith('chat.'))).toEqual([]);
  });

  it('a signed /rca is acked at once, and the thread gets the verdict, the report and the flame graphs', async () => {
    const body = command('order-api 2s');
    const t0 = performance.now();
    const res = await fetch(url, { method: 'POST', headers: signed(body), body });
    const ackMs = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(ackMs).toBeLessThan(3000);
    await until(async () => slackApi.calls.some((c) => c.method === 'chat.update' && c.body.text?.startsWith('✅')), 'the verdict', 20_000).catch((e) => {
      throw new Error(`${e.message}: ${JSON.stringify(slackApi.calls.map((c) => [c.method, c.body.text ?? c.body.thread_ts]))}`);
    });
    const posts = slackApi.calls.filter((c) => c.method === 'chat.postMessage');
    const root = posts[0];
    expect(root.body).toMatchObject({ channel: 'C123', text: '⏳ Queued: order-api for 2 s…' });
    const rootTs = '1700000000.000001';
    const updates = slackApi.calls.filter((c) => c.method === 'chat.update');
    expect(updates.every((u) => u.body.ts === rootTs && u.body.channel === 'C123')).toBe(true);
    expect(updates.map((u) => u.body.text)).toEqual(['📡 Capturing order-api for 2 s…', '🔎 Analysing order-api…', '✅ order-api: confirmed (details in the thread)']);
    const report = posts.find((p) => p.body.thread_ts === rootTs);
    expect(report?.body.text).toMatch(/^🔴 order-api: confirmed: 3 independent sources agree: Requests queue for a bounded resource in github\.com\/jackc\/puddle\/v2\.\(\*Pool\[\.\.\.\]\)\.acquire/);
    expect(JSON.parse(report?.body.blocks ?? '[]').map((b: { type: string }) => b.type)).toContain('actions');
    const uploads = slackApi.calls.filter((c) => c.method === 'files.completeUploadExternal');
    expect(uploads.map((u) => [u.body.channel_id, u.body.thread_ts])).toEqual([
      ['C123', rootTs],
      ['C123', rootTs],
    ]);
    expect(slackApi.calls.filter((c) => c.method === 'upload').every((u) => u.bytes?.subarray(1, 4).toString() === 'PNG')).toBe(true);
  });

  it('the same delivery retried runs nothing new', async () => {
    const before = slackApi.calls.length;
    const body = command('order-api 2s');
    const res = await fetch(url, { method: 'POST', headers: signed(body), body });
    expect(res.status).toBe(200);
    // A fresh request afterwards is the next thing Slack sees: the retry posted nothing in between.
    const next = command('help', 'trig-2');
    await fetch(url, { method: 'POST', headers: signed(next), body: next });
    await until(async () => slackApi.calls.length > before, 'the help reply');
    expect(slackApi.calls.slice(before)[0].body.text).toMatch(/^`\/rca <service>/);
  });
});
