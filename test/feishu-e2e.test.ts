// "@bot /rca order-api" from Feishu end to end: an event signed as Feishu
// signs it, our webhook, the BullMQ pipeline on a real Redis, the Go target,
// and a loopback fake of Feishu's open API that records every call.
import { createHash, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInbox } from '../commands/handler.js';
import type { ChatAdapter, Platform } from '../src/chat/adapter.js';
import { createFeishu } from '../src/chat/feishu/events.js';
import { readEnv } from '../src/config/env.js';
import { validateRegistry } from '../src/config/registry.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { startServer } from '../src/server/http.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { FAKE_BOT_OPEN_ID, startFakeOpenApi, type FakeOpenApi } from './helpers/feishu-fake.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';

const TOKEN = 'vt-e2e';
const KEY = 'ek-e2e';

function mention(text: string, eventId: string) {
  const now = String(Date.now());
  return {
    schema: '2.0',
    header: { event_id: eventId, event_type: 'im.message.receive_v1', create_time: now, token: TOKEN, app_id: 'cli_e2e', tenant_key: 't1' },
    event: {
      sender: { sender_id: { open_id: 'ou_alice', user_id: 'alice', union_id: 'on_alice' }, sender_type: 'user', tenant_key: 't1' },
      message: {
        message_id: 'om_question',
        create_time: now,
        chat_id: 'oc_incident',
        chat_type: 'group',
        message_type: 'text',
        content: JSON.stringify({ text }),
        mentions: [{ key: '@_user_1', id: { open_id: FAKE_BOT_OPEN_ID, union_id: 'on_bot', user_id: '' }, name: 'rca-bot', tenant_key: 't1' }],
      },
    },
  };
}

describe.skipIf(!hasRedis || !hasGo)('@bot /rca from Feishu, end to end', () => {
  const prefix = uniquePrefix();
  let api: FakeOpenApi;
  let redis: Redis;
  let pipeline: Pipeline;
  let workers: Workers;
  let target: Target;
  let url: string;
  let close: () => void;

  beforeAll(async () => {
    api = await startFakeOpenApi();
    target = await startLoadedTarget(['-mode', 'pool']);
    const env = readEnv({ FEISHU_APP_ID: 'cli_e2e', FEISHU_APP_SECRET: 'secret', FEISHU_VERIFICATION_TOKEN: TOKEN, FEISHU_ENCRYPT_KEY: KEY, FEISHU_DOMAIN: api.url });
    if (!env.ok) throw new Error(env.error);
    const registry = validateRegistry({ services: { 'order-api': { pprof: target.url, seconds: 2 } } }, 'test');
    if (!registry.ok) throw new Error(registry.error);
    redis = new Redis(redisUrl);
    const adapters: Partial<Record<Platform, ChatAdapter>> = {};
    pipeline = new Pipeline(redis, prefix, adapters);
    const feishu = createFeishu(env.value, createInbox({ registry: registry.value, pipeline, adapter: (p) => pipeline.adapter(p) }), redis, prefix);
    adapters.feishu = feishu.adapter;
    workers = startWorkers({ redisUrl, prefix, adapters });
    const server = await startServer([feishu.route], 0, '127.0.0.1');
    url = `http://127.0.0.1:${server.port}/feishu/events`;
    close = () => server.server.close();
  });

  afterAll(async () => {
    close?.();
    await workers?.close();
    await pipeline?.close();
    await target?.stop();
    await api?.close();
    if (redis) {
      await cleanup(redis, prefix);
      await redis.quit();
    }
  });

  async function deliver(body: unknown) {
    const raw = JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signature = createHash('sha256').update(timestamp + nonce + KEY + raw).digest('hex');
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'X-Lark-Request-Timestamp': timestamp, 'X-Lark-Request-Nonce': nonce, 'X-Lark-Signature': signature },
      body: raw,
    });
  }

  it('replies in the thread with a card patched in place, then the report card and the flame graphs', async () => {
    const res = await deliver(mention('@_user_1 /rca order-api 2s', 'ev-1'));
    expect(res.status).toBe(200);
    // The same event pushed again is acknowledged and ignored.
    expect((await deliver(mention('@_user_1 /rca order-api 2s', 'ev-1'))).status).toBe(200);
    const done = () => api.apiCalls().some((c) => c.method === 'PATCH' && JSON.stringify(c.body).includes('✅ order-api'));
    await until(async () => done(), 'the status card patched to the verdict');
    const calls = api.apiCalls();
    const replies = calls.filter((c) => c.method === 'POST' && /\/messages\/[^/]+\/reply$/.test(c.path));
    const statusReply = replies[0];
    expect(statusReply.path).toBe('/open-apis/im/v1/messages/om_question/reply');
    expect(statusReply.body).toMatchObject({ msg_type: 'interactive', reply_in_thread: true });
    expect(JSON.parse(statusReply.body.content).config).toEqual({ update_multi: true });
    const patches = calls.filter((c) => c.method === 'PATCH');
    expect(new Set(patches.map((p) => p.path)).size).toBe(1);
    const report = replies.find((r) => r.body.msg_type === 'interactive' && JSON.parse(r.body.content).schema === '2.0' && JSON.stringify(r.body.content).includes('pool-exhaustion'));
    expect(report?.body.uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(calls.filter((c) => c.path === '/open-apis/im/v1/images')).toHaveLength(2);
    expect(replies.filter((r) => r.body.msg_type === 'image')).toHaveLength(2);
    // One diagnosis, one status card: the re-pushed event started nothing.
    expect(replies.filter((r) => String(r.body.content).includes('Queued: order-api'))).toEqual([statusReply]);
  });
});
