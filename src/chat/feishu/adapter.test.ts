import * as lark from '@larksuiteoapi/node-sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { poolReport } from '../../../test/helpers/reports.js';
import { toFeishuCard } from '../../../templates/feishu.js';
import { readEnv, type Env } from '../../config/env.js';
import type { Status } from '../adapter.js';
import { createClient, FeishuAdapter, feishuDomain } from './adapter.js';
import { FAKE_TENANT_TOKEN, startFakeOpenApi, type FakeOpenApi } from '../../../test/helpers/feishu-fake.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function env(domain: string): Env {
  const r = readEnv({ FEISHU_APP_ID: 'cli_a1b2c3d4e5f60718', FEISHU_APP_SECRET: 'secret', FEISHU_DOMAIN: domain });
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

const status = (stage: Status['stage'], detail?: string): Status => ({ job: 'job-1', service: 'order-api', seconds: 10, stage, detail });

describe('feishuDomain', () => {
  it('maps feishu and lark to the SDK domains and keeps a URL', () => {
    expect(feishuDomain('feishu')).toBe(lark.Domain.Feishu);
    expect(feishuDomain('lark')).toBe(lark.Domain.Lark);
    expect(feishuDomain('http://127.0.0.1:9999/')).toBe('http://127.0.0.1:9999');
    expect(createClient(env('lark')).domain).toBe('https://open.larksuite.com');
  });

  it('needs an app id and secret', () => {
    const r = readEnv({});
    if (!r.ok) throw new Error(r.error);
    expect(() => createClient(r.value)).toThrow(/FEISHU_APP_ID and FEISHU_APP_SECRET/);
  });
});

describe('FeishuAdapter against a fake open API', () => {
  let fake: FakeOpenApi;
  let adapter: FeishuAdapter;

  beforeAll(async () => {
    fake = await startFakeOpenApi();
    adapter = new FeishuAdapter(createClient(env(fake.url)));
  });
  afterAll(() => fake.close());
  beforeEach(() => void fake.calls.splice(0));

  it('posts the status as a card 2.0, then patches the same message in place', async () => {
    const root = await adapter.postStatus('oc_incident', status('capturing'));
    await adapter.updateStatus(root, status('done', 'pool exhaustion confirmed'));

    const [create, patch] = fake.apiCalls();
    expect(root).toEqual({ platform: 'feishu', channel: 'oc_incident', id: expect.stringMatching(/^om_/), thread: undefined });
    expect(create).toMatchObject({ method: 'POST', path: '/open-apis/im/v1/messages', query: { receive_id_type: 'chat_id' }, body: { receive_id: 'oc_incident', msg_type: 'interactive' } });
    expect(create.headers.authorization).toBe(`Bearer ${FAKE_TENANT_TOKEN}`);
    const created = JSON.parse(create.body.content);
    expect(created).toMatchObject({ schema: '2.0', config: { update_multi: true } });
    expect(created.body.elements[0].content).toContain('📡 Capturing order-api for 10 s…');

    expect(patch).toMatchObject({ method: 'PATCH', path: `/open-apis/im/v1/messages/${root.id}` });
    const patched = JSON.parse(patch.body.content);
    expect(patched).toMatchObject({ schema: '2.0', config: { update_multi: true } });
    expect(patched.body.elements[0].content).toContain('✅ order-api: pool exhaustion confirmed');
    expect(fake.apiCalls()).toHaveLength(2);
  });

  it('posts the status in the thread of the mention when given one', async () => {
    const root = await adapter.postStatus('oc_incident', status('queued'), 'om_user_mention');
    const [reply] = fake.apiCalls();
    expect(reply).toMatchObject({ method: 'POST', path: '/open-apis/im/v1/messages/om_user_mention/reply', body: { msg_type: 'interactive', reply_in_thread: true } });
    expect(root).toMatchObject({ platform: 'feishu', channel: 'oc_incident', thread: 'om_user_mention' });
    expect(root.id).toMatch(/^om_/);
  });

  it('replies with the report card in the root message thread, with a stable uuid', async () => {
    const root = { platform: 'feishu' as const, channel: 'oc_incident', id: 'om_root' };
    const ref = await adapter.postReport(root, poolReport, { job: 'job-1', reportUrl: 'https://rca.example/r/job-1' });
    await adapter.postReport(root, poolReport, { job: 'job-1', reportUrl: 'https://rca.example/r/job-1' });

    const [first, again] = fake.apiCalls();
    expect(first).toMatchObject({ method: 'POST', path: '/open-apis/im/v1/messages/om_root/reply', body: { msg_type: 'interactive', reply_in_thread: true } });
    expect(JSON.parse(first.body.content)).toEqual(toFeishuCard(poolReport, { job: 'job-1', reportUrl: 'https://rca.example/r/job-1' }));
    expect(first.body.uuid).toMatch(/^[0-9a-f]{32}$/);
    expect(again.body.uuid).toBe(first.body.uuid);
    expect(ref).toMatchObject({ platform: 'feishu', channel: 'oc_incident', thread: 'om_root' });
  });

  it('uploads an image, then sends it as msg_type image in the thread', async () => {
    await adapter.uploadImage({ platform: 'feishu', channel: 'oc_incident', id: 'om_root' }, PNG, 'flame.png', 'CPU flame graph');

    const [upload, send] = fake.apiCalls();
    expect(upload).toMatchObject({ method: 'POST', path: '/open-apis/im/v1/images' });
    expect(upload.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(upload.body.image_type.data.toString()).toBe('message');
    expect(Buffer.compare(upload.body.image.data, PNG)).toBe(0);
    expect(send).toMatchObject({ method: 'POST', path: '/open-apis/im/v1/messages/om_root/reply', body: { msg_type: 'image', reply_in_thread: true } });
    expect(JSON.parse(send.body.content)).toEqual({ image_key: expect.stringMatching(/^img_v3_/) });
    expect(fake.apiCalls()).toHaveLength(2);
  });

  it('replies with text, in a thread or in the chat', async () => {
    await adapter.reply('oc_incident', 'hello', 'om_user');
    await adapter.reply('oc_incident', 'hi');
    const [inThread, inChat] = fake.apiCalls();
    expect(inThread).toMatchObject({ path: '/open-apis/im/v1/messages/om_user/reply', body: { msg_type: 'text', content: '{"text":"hello"}', reply_in_thread: true } });
    expect(inChat).toMatchObject({ path: '/open-apis/im/v1/messages', query: { receive_id_type: 'chat_id' }, body: { receive_id: 'oc_incident', msg_type: 'text', content: '{"text":"hi"}' } });
  });

  it('turns a non-zero code into an error with the API message, whether HTTP 200 or 400', async () => {
    fake.failNext('/open-apis/im/v1/messages', { code: 230002, msg: 'Bot/User can NOT be out of the chat.' });
    await expect(adapter.reply('oc_gone', 'hi')).rejects.toThrow('feishu message.create: Bot/User can NOT be out of the chat. (code 230002)');
    fake.failNext('/reply', { code: 230011, msg: 'The message was withdrawn.' }, 400);
    await expect(adapter.reply('oc_incident', 'hi', 'om_gone')).rejects.toThrow('feishu message.reply: The message was withdrawn. (code 230011)');
    fake.failNext('/open-apis/im/v1/images', { code: 234001, msg: 'Invalid request param.' });
    await expect(adapter.uploadImage({ platform: 'feishu', channel: 'oc_incident', id: 'om_root' }, PNG, 'flame.png', 'x')).rejects.toThrow(/image\.create/);
  });

  it('knows its own open_id from bot info, asking once', async () => {
    const fresh = new FeishuAdapter(createClient(env(fake.url)));
    expect(await fresh.botOpenId()).toMatch(/^ou_/);
    expect(await fresh.botOpenId()).toMatch(/^ou_/);
    expect(fake.apiCalls().filter((c) => c.path === '/open-apis/bot/v3/info')).toHaveLength(1);
  });
});
