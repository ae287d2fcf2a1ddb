// The adapter against a loopback fake of the Slack Web API: every call is
// recorded with its method name and parsed body, uploads included.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { poolReport } from '../../../test/helpers/reports.js';
import { captureLogger, envOf, FakeSlack } from '../../../test/helpers/slack-fake.js';
import { toSlackBlocks } from '../../../templates/slack.js';
import { statusText } from '../../../templates/status.js';
import type { Status } from '../adapter.js';
import { SlackAdapter, slackClient, slackClientOptions } from './adapter.js';

const TOKEN = 'xoxb-test-bot-token-0000';

const env = envOf;

const status = (stage: Status['stage'], detail?: string): Status => ({ job: 'job-1', service: 'order-api', seconds: 30, stage, detail });

describe('SlackAdapter', () => {
  const slack = new FakeSlack();
  const logs: string[] = [];
  let adapter: SlackAdapter;

  beforeAll(async () => {
    await slack.start();
    adapter = new SlackAdapter(slackClient(env({ SLACK_BOT_TOKEN: TOKEN, SLACK_API_URL: `${slack.url}api/` }), captureLogger(logs)));
  });
  afterAll(() => slack.close());
  beforeEach(() => {
    slack.calls = [];
  });

  it('posts the status, then edits the same message in place', async () => {
    const root = await adapter.postStatus('C1', status('queued'));
    expect(root).toEqual({ platform: 'slack', channel: 'C1', id: '1700000000.000001', thread: undefined });
    await adapter.updateStatus(root, status('done', 'pool exhausted'));
    expect(slack.calls.map((c) => [c.method, c.body])).toEqual([
      ['chat.postMessage', { channel: 'C1', text: statusText(status('queued')), unfurl_links: 'false', unfurl_media: 'false' }],
      ['chat.update', { channel: 'C1', ts: root.id, text: statusText(status('done', 'pool exhausted')) }],
    ]);
    expect(slack.calls.every((c) => c.authorization === `Bearer ${TOKEN}`)).toBe(true);
  });

  it('posts a status inside a thread when asked', async () => {
    const root = await adapter.postStatus('C1', status('capturing'), '1699999999.000100');
    expect(root.thread).toBe('1699999999.000100');
    expect(slack.calls[0].body.thread_ts).toBe('1699999999.000100');
  });

  it('posts the report in the root message thread with its blocks', async () => {
    const root = { platform: 'slack' as const, channel: 'C1', id: '1700000000.000777' };
    const ref = await adapter.postReport(root, poolReport, { job: 'job-1', reportUrl: 'https://rca.example/r/1' });
    const expected = toSlackBlocks(poolReport, { job: 'job-1', reportUrl: 'https://rca.example/r/1' });
    expect(slack.calls).toHaveLength(1);
    const { method, body } = slack.calls[0];
    expect(method).toBe('chat.postMessage');
    expect(body.channel).toBe('C1');
    expect(body.thread_ts).toBe(root.id);
    expect(body.text).toBe(expected.text);
    expect(JSON.parse(body.blocks)).toEqual(expected.blocks);
    expect(ref).toMatchObject({ platform: 'slack', channel: 'C1', thread: root.id });
  });

  it('uploads a PNG in three steps, into the thread, bytes intact', async () => {
    const png = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.from(Array.from({ length: 4096 }, (_, i) => i % 256))]);
    const root = { platform: 'slack' as const, channel: 'C1', id: '1700000000.000777' };
    await adapter.uploadImage(root, png, 'flame.png', 'CPU flame graph');
    expect(slack.calls.map((c) => c.method)).toEqual(['files.getUploadURLExternal', 'upload', 'files.completeUploadExternal']);
    const [url, upload, complete] = slack.calls;
    expect(url.body).toMatchObject({ filename: 'flame.png', length: String(png.length) });
    expect(upload.bytes?.equals(png)).toBe(true);
    expect(complete.body.channel_id).toBe('C1');
    expect(complete.body.thread_ts).toBe(root.id);
    expect(JSON.parse(complete.body.files)).toEqual([{ id: upload.body.path.replace('/upload/', ''), title: 'CPU flame graph' }]);
  });

  it('replies with plain text, in a thread when given', async () => {
    const ref = await adapter.reply('C2', 'usage: /rca <service> [seconds]', '1700000000.000010');
    expect(ref).toMatchObject({ channel: 'C2', thread: '1700000000.000010' });
    expect(slack.calls.map((c) => [c.method, c.body])).toEqual([
      ['chat.postMessage', { channel: 'C2', text: 'usage: /rca <service> [seconds]', thread_ts: '1700000000.000010', unfurl_links: 'false', unfurl_media: 'false' }],
    ]);
  });

  it('retries a failed call briefly and then succeeds', async () => {
    slack.failures.set('chat.postMessage', 1);
    await adapter.reply('C1', 'hello');
    expect(slack.calls.map((c) => c.method)).toEqual(['chat.postMessage', 'chat.postMessage']);
  });

  it('never logs the token', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.includes(TOKEN))).toEqual([]);
  });
});

describe('Slack client options', () => {
  it('uses SLACK_API_URL, a timeout and a short retry policy', () => {
    const o = slackClientOptions(env({ SLACK_API_URL: 'http://127.0.0.1:9/api/' }));
    expect(o.slackApiUrl).toBe('http://127.0.0.1:9/api/');
    expect(o.timeout).toBeGreaterThan(0);
    expect(o.retryConfig?.retries).toBeLessThanOrEqual(3);
    expect(slackClientOptions(env({})).slackApiUrl).toBe('https://slack.com/api/');
  });

  it('refuses to build a client without a bot token', () => {
    expect(() => slackClient(env({}))).toThrow('SLACK_BOT_TOKEN is not set');
  });
});
