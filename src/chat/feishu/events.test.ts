// The webhook end to end: requests built as Feishu builds them (schema 2.0
// envelopes, X-Lark-* signature headers, an AES-encrypted body) into a real
// HTTP server with the route mounted, a real Redis for deduplication, and a
// fake open API behind the adapter.
import { createCipheriv, createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, hasRedis, redisUrl, uniquePrefix } from '../../../test/helpers/redis.js';
import { readEnv, type Env } from '../../config/env.js';
import { startServer } from '../../server/http.js';
import type { Inbox, IncomingAction, IncomingCommand } from '../adapter.js';
import { createFeishu, type Feishu } from './events.js';
import { FAKE_BOT_OPEN_ID, startFakeOpenApi, type FakeOpenApi } from '../../../test/helpers/feishu-fake.js';

const APP_ID = 'cli_a1b2c3d4e5f60718';
const TOKEN = 'vt-3f9a0c1b2d';
const KEY = 'ek-7d5e1f0a9b';

function env(over: Record<string, string>): Env {
  const r = readEnv({ FEISHU_APP_ID: APP_ID, FEISHU_APP_SECRET: 'app-secret', FEISHU_VERIFICATION_TOKEN: TOKEN, FEISHU_ENCRYPT_KEY: KEY, ...over });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

// ---- Feishu's side -------------------------------------------------------

function envelope(type: string, event: unknown, opts: { id?: string; token?: string } = {}) {
  return {
    schema: '2.0',
    header: { event_id: opts.id ?? randomUUID().replace(/-/g, ''), event_type: type, create_time: String(Date.now()), token: opts.token ?? TOKEN, app_id: APP_ID, tenant_key: '736588c9260f175d' },
    event,
  };
}

const botMention = { key: '@_user_1', id: { union_id: 'on_bot', user_id: '', open_id: FAKE_BOT_OPEN_ID }, name: 'rca-bot', tenant_key: '736588c9260f175d' };

function mentionEvent(text: string, opts: { mentions?: unknown[]; messageId?: string } = {}) {
  const now = String(Date.now());
  return {
    sender: { sender_id: { union_id: 'on_alice', user_id: 'alice', open_id: 'ou_alice' }, sender_type: 'user', tenant_key: '736588c9260f175d' },
    message: {
      message_id: opts.messageId ?? 'om_user_1',
      create_time: now,
      update_time: now,
      chat_id: 'oc_incident',
      chat_type: 'group',
      message_type: 'text',
      content: JSON.stringify({ text }),
      mentions: opts.mentions ?? [botMention],
      user_agent: 'Mozilla/5.0 Lark/7.20',
    },
  };
}

function buttonPress(value: unknown) {
  return {
    operator: { tenant_key: '736588c9260f175d', user_id: 'alice', open_id: 'ou_alice', union_id: 'on_alice' },
    token: 'c-card-update-token',
    action: { value, tag: 'button' },
    host: 'im_message',
    context: { open_message_id: 'om_report', open_chat_id: 'oc_incident' },
  };
}

/** {encrypt: base64(iv + AES-256-CBC(sha256(key), json))} */
function encrypt(key: string, value: unknown): { encrypt: string } {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv);
  return { encrypt: Buffer.concat([iv, cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]).toString('base64') };
}

interface Sent {
  status: number;
  body: string;
  ms: number;
}

// ---- the bot's side ------------------------------------------------------

function recordingInbox(gate: Promise<void> = Promise.resolve()) {
  const commands: IncomingCommand[] = [];
  const actions: IncomingAction[] = [];
  const inbox: Inbox = {
    command: async (c) => {
      commands.push(c);
      await gate;
    },
    action: async (a) => {
      actions.push(a);
      await gate;
    },
  };
  return { inbox, commands, actions };
}

describe.skipIf(!hasRedis)('Feishu events webhook', () => {
  let fake: FakeOpenApi;
  let redis: Redis;
  let server: Server;
  let base: string;
  let feishu: Feishu;
  let prefix: string;
  let rec: ReturnType<typeof recordingInbox>;
  let release: () => void;

  /** POSTs a body as Feishu does: signed with the encrypt key unless told otherwise. */
  async function deliver(body: unknown, opts: { timestamp?: number; signWith?: string; signature?: string; path?: string } = {}): Promise<Sent> {
    const raw = typeof body === 'string' ? body : JSON.stringify(body);
    const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signature = opts.signature ?? createHash('sha256').update(timestamp + nonce + (opts.signWith ?? KEY) + raw).digest('hex');
    const started = performance.now();
    const res = await fetch(`${base}${opts.path ?? '/feishu/events'}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', 'X-Lark-Request-Timestamp': timestamp, 'X-Lark-Request-Nonce': nonce, 'X-Lark-Signature': signature },
      body: raw,
    });
    const text = await res.text();
    return { status: res.status, body: text, ms: performance.now() - started };
  }

  async function mount(e: Env) {
    feishu = createFeishu(e, rec.inbox, redis, prefix);
    ({ server } = await startServer([feishu.route], 0, '127.0.0.1').then(({ server, port }) => {
      base = `http://127.0.0.1:${port}`;
      return { server };
    }));
  }

  beforeAll(async () => {
    fake = await startFakeOpenApi();
    redis = new Redis(redisUrl);
  });
  afterAll(async () => {
    await fake.close();
    await redis.quit();
  });
  beforeEach(async () => {
    prefix = uniquePrefix();
    rec = recordingInbox(new Promise<void>((r) => (release = r)));
    await mount(env({ FEISHU_DOMAIN: fake.url }));
  });
  afterEach(async () => {
    release();
    await feishu.stop();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    await cleanup(redis, prefix);
  });

  it('answers the URL check, plain or encrypted, and only with the right token', async () => {
    const plain = await deliver({ challenge: 'ajls384kdjx98XX', token: TOKEN, type: 'url_verification' }, { signature: '' });
    expect(plain).toMatchObject({ status: 200, body: '{"challenge":"ajls384kdjx98XX"}' });
    expect(plain.ms).toBeLessThan(1000);
    const sealed = await deliver(encrypt(KEY, { challenge: 'c2', token: TOKEN, type: 'url_verification' }));
    expect(sealed).toMatchObject({ status: 200, body: '{"challenge":"c2"}' });
    expect((await deliver({ challenge: 'c3', token: 'guess', type: 'url_verification' })).status).toBe(401);
  });

  it('acks a signed mention at once and hands "/rca order-api" to the inbox with the thread set', async () => {
    const ev = envelope('im.message.receive_v1', mentionEvent('@_user_1 /rca order-api'));
    // The inbox never finishes here (the gate stays shut until afterEach): the ack must not wait for it.
    const sent = await deliver(ev);
    expect(sent).toMatchObject({ status: 200, body: '{}' });
    expect(sent.ms).toBeLessThan(3000);
    await feishu.idle();
    expect(rec.commands).toEqual([{ platform: 'feishu', channel: 'oc_incident', user: 'ou_alice', text: '/rca order-api', key: ev.header.event_id, thread: 'om_user_1' }]);
    expect(fake.apiCalls().filter((c) => c.path === '/open-apis/bot/v3/info').length).toBeGreaterThanOrEqual(1);
  });

  it('takes a re-pushed event once', async () => {
    const ev = envelope('im.message.receive_v1', mentionEvent('@_user_1 /rca order-api'));
    expect((await deliver(ev)).status).toBe(200);
    expect((await deliver(ev)).status).toBe(200);
    await feishu.idle();
    expect(rec.commands).toHaveLength(1);
    expect(await redis.ttl(`${prefix}:feishu:event:${ev.header.event_id}`)).toBeGreaterThan(3600);
  });

  it('refuses a bad signature, a wrong token, a stale timestamp, a missing signature: 401, and nothing reaches the inbox', async () => {
    const ev = envelope('im.message.receive_v1', mentionEvent('@_user_1 /rca order-api'));
    expect(await deliver(ev, { signWith: 'not-the-key' })).toMatchObject({ status: 401, body: 'bad signature\n' });
    expect(await deliver(ev, { signature: '' })).toMatchObject({ status: 401, body: 'bad signature\n' });
    expect(await deliver(ev, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 })).toMatchObject({ status: 401, body: 'request timestamp outside ±5 minutes\n' });
    expect(await deliver(ev, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 })).toMatchObject({ status: 401 });
    const forged = envelope('im.message.receive_v1', mentionEvent('@_user_1 /rca order-api'), { id: ev.header.event_id, token: 'vt-guess' });
    expect(await deliver(forged)).toMatchObject({ status: 401, body: 'wrong verification token\n' });
    expect(await deliver(encrypt('another-key', ev))).toMatchObject({ status: 401 });
    await feishu.idle();
    expect(rec.commands).toEqual([]);
    // The refused deliveries did not use up the event id: the genuine one still gets through.
    expect((await deliver(ev)).status).toBe(200);
    await feishu.idle();
    expect(rec.commands).toHaveLength(1);
  });

  it('decrypts an encrypted event, signed over the encrypted body', async () => {
    const ev = envelope('im.message.receive_v1', mentionEvent('@_user_1 /rca order-api 30s', { messageId: 'om_user_2' }));
    expect(await deliver(encrypt(KEY, ev))).toMatchObject({ status: 200 });
    await feishu.idle();
    expect(rec.commands).toEqual([expect.objectContaining({ text: '/rca order-api 30s', thread: 'om_user_2', key: ev.header.event_id })]);
  });

  it('ignores a group message that mentions someone else', async () => {
    const bob = { key: '@_user_1', id: { open_id: 'ou_bob', union_id: 'on_bob', user_id: 'bob' }, name: 'Bob', tenant_key: '736588c9260f175d' };
    expect((await deliver(envelope('im.message.receive_v1', mentionEvent('@_user_1 can you look at order-api?', { mentions: [bob] })))).status).toBe(200);
    await feishu.idle();
    expect(rec.commands).toEqual([]);
  });

  it('hands a card button press to inbox.action and answers with a toast', async () => {
    const ev = envelope('card.action.trigger', buttonPress({ action: 'rerun', job: 'job-1', service: 'order-api' }));
    const sent = await deliver(ev);
    expect(sent.status).toBe(200);
    expect(sent.ms).toBeLessThan(3000);
    expect(JSON.parse(sent.body)).toEqual({ toast: { type: 'info', content: 'Re-running order-api…' } });
    await feishu.idle();
    expect(rec.actions).toEqual([{ platform: 'feishu', channel: 'oc_incident', user: 'ou_alice', action: 'rerun', job: 'job-1', service: 'order-api', key: ev.header.event_id, thread: 'om_report' }]);
  });

  it('answers 413 to a body over 1 MB and 400 to one that is not JSON', async () => {
    expect((await deliver('x'.repeat((1 << 20) + 1))).status).toBe(413);
    expect((await deliver('{not json')).status).toBe(400);
    expect(rec.commands).toEqual([]);
  });

  it('takes events from the long connection through the same dispatcher, deduplicated with the webhook', async () => {
    const ev = envelope('card.action.trigger', buttonPress({ action: 'resolve', job: 'job-1', service: 'order-api' }));
    // What WSClient.handleEventData does with a frame.
    expect(await feishu.dispatcher.invoke(ev, { needCheck: false })).toEqual({ toast: { type: 'info', content: 'Marking resolved order-api…' } });
    expect((await deliver(ev)).status).toBe(200);
    await feishu.idle();
    expect(rec.actions).toEqual([expect.objectContaining({ action: 'resolve', key: ev.header.event_id, thread: 'om_report' })]);
  });

  it('without a verification token it is long-connection only and the webhook is off', async () => {
    const other = createFeishu(env({ FEISHU_DOMAIN: fake.url, FEISHU_VERIFICATION_TOKEN: '' }), rec.inbox, redis, prefix);
    expect(other.mode).toBe('long-connection');
    expect(feishu.mode).toBe('webhook');
    const { server: s, port } = await startServer([other.route], 0, '127.0.0.1');
    const res = await fetch(`http://127.0.0.1:${port}/feishu/events`, { method: 'POST', body: JSON.stringify({ challenge: 'c', token: TOKEN, type: 'url_verification' }) });
    expect(res.status).toBe(404);
    s.close();
  });
});
