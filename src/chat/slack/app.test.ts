// Requests into the bot signed exactly as Slack signs them, through our own
// HTTP server with the Slack route mounted.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isValidSlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureLogger, envOf } from '../../../test/helpers/slack-fake.js';
import { startServer } from '../../server/http.js';
import type { IncomingAction, IncomingCommand, Inbox } from '../adapter.js';
import { createSlack, stripMention, type Slack } from './app.js';

const SECRET = 'test-signing-secret-1234';
const TOKEN = 'xoxb-test-bot-token-5678';

type Delivery = ({ kind: 'command' } & IncomingCommand) | ({ kind: 'action' } & IncomingAction);

/** Records what arrives; each handler waits on `gate`, so a test can keep it busy. */
class TestInbox implements Inbox {
  gate: Promise<void> = Promise.resolve();
  private arrived: Delivery[] = [];
  private waiting: ((d: Delivery) => void)[] = [];

  async command(c: IncomingCommand): Promise<void> {
    this.push({ kind: 'command', ...c });
    await this.gate;
  }

  async action(a: IncomingAction): Promise<void> {
    this.push({ kind: 'action', ...a });
    await this.gate;
  }

  private push(d: Delivery): void {
    const w = this.waiting.shift();
    if (w) w(d);
    else this.arrived.push(d);
  }

  /** The next delivery, in arrival order. */
  next(): Promise<Delivery> {
    const d = this.arrived.shift();
    return d ? Promise.resolve(d) : new Promise((resolve) => this.waiting.push(resolve));
  }
}

const env = envOf;

const now = () => Math.floor(Date.now() / 1000);
const signature = (body: string, ts: number, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

const slashCommand = (text: string, trigger: string) =>
  new URLSearchParams({
    token: 'legacy-verification-token',
    team_id: 'T1',
    team_domain: 'acme',
    channel_id: 'C1',
    channel_name: 'incidents',
    user_id: 'U1',
    user_name: 'ana',
    command: '/rca',
    text,
    api_app_id: 'A1',
    response_url: 'https://hooks.slack.com/commands/T1/1/abc',
    trigger_id: trigger,
  }).toString();

const buttonPress = (actionId: string, value: string, message: { ts: string; thread_ts?: string }, trigger = '111.222.button') =>
  new URLSearchParams({
    payload: JSON.stringify({
      type: 'block_actions',
      team: { id: 'T1', domain: 'acme' },
      user: { id: 'U2', username: 'bo', team_id: 'T1' },
      api_app_id: 'A1',
      token: 'legacy-verification-token',
      container: { type: 'message', message_ts: message.ts, channel_id: 'C1', is_ephemeral: false },
      trigger_id: trigger,
      channel: { id: 'C1', name: 'incidents' },
      message: { type: 'message', user: 'UBOT', text: 'report', ts: message.ts, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) },
      response_url: 'https://hooks.slack.com/actions/T1/1/abc',
      actions: [{ type: 'button', action_id: actionId, block_id: 'rca_actions', text: { type: 'plain_text', text: 'Re-run' }, value, action_ts: '1700000100.000200' }],
    }),
  }).toString();

const mention = (text: string, eventId: string, thread?: string) =>
  JSON.stringify({
    token: 'legacy-verification-token',
    team_id: 'T1',
    api_app_id: 'A1',
    event: { type: 'app_mention', user: 'U3', text, ts: '1700000200.000300', channel: 'C9', event_ts: '1700000200.000300', ...(thread ? { thread_ts: thread } : {}) },
    type: 'event_callback',
    event_id: eventId,
    event_time: 1700000200,
    authorizations: [{ enterprise_id: null, team_id: 'T1', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
  });

describe('Slack over HTTP', () => {
  const inbox = new TestInbox();
  const logs: string[] = [];
  const webApiCalls: string[] = [];
  // Any Web API call lands here; handling an inbound request should make none.
  const webApi: Server = createServer((req, res) => {
    webApiCalls.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  let slack: Slack;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    await new Promise<void>((resolve) => webApi.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(webApi.address() as AddressInfo).port}/api/`;
    slack = createSlack(env({ SLACK_BOT_TOKEN: TOKEN, SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: apiUrl }), inbox, { logger: captureLogger(logs) });
    await slack.start();
    const started = await startServer([slack.route], 0, '127.0.0.1');
    server = started.server;
    url = `http://127.0.0.1:${started.port}/slack/events`;
  });

  afterAll(async () => {
    await slack.stop();
    for (const s of [server, webApi]) {
      s.closeAllConnections();
      await new Promise((resolve) => s.close(resolve));
    }
  });

  function post(body: string, type: string, headers: Record<string, string> = {}, ts = now()) {
    return fetch(url, {
      method: 'POST',
      headers: { 'content-type': type, 'x-slack-request-timestamp': String(ts), 'x-slack-signature': signature(body, ts), ...headers },
      body,
    });
  }

  /** Sends a valid command and returns the next delivery: if it is this one, nothing else got through before it. */
  async function nextIsSentinel(key: string): Promise<void> {
    expect((await post(slashCommand('sentinel', key), FORM)).status).toBe(200);
    expect(await inbox.next()).toMatchObject({ kind: 'command', key });
  }

  it('signs fixtures the way Bolt verifies them', () => {
    const body = slashCommand('order-api', '1.2.3');
    const ts = now();
    expect(isValidSlackRequest({ signingSecret: SECRET, body, headers: { 'x-slack-signature': signature(body, ts), 'x-slack-request-timestamp': ts } })).toBe(true);
  });

  it('acks /rca at once, even while the inbox is still busy, then delivers it', async () => {
    let release!: () => void;
    inbox.gate = new Promise((resolve) => (release = resolve));
    const started = performance.now();
    const res = await post(slashCommand('order-api 30s', '13345224609.738474920.8088930838d88f008e0'), FORM);
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect(ms).toBeLessThan(1000);
    const got = await inbox.next();
    release();
    inbox.gate = Promise.resolve();
    expect(got).toEqual({ kind: 'command', platform: 'slack', channel: 'C1', user: 'U1', text: 'order-api 30s', key: '13345224609.738474920.8088930838d88f008e0' });
    expect(webApiCalls).toEqual([]);
  });

  it('rejects forged, unsigned and stale requests with 401 without calling the inbox', async () => {
    const body = slashCommand('order-api', 'forged');
    const ts = now();
    const forged = await post(body, FORM, { 'x-slack-signature': signature(body, ts, 'not-the-secret') }, ts);
    const tampered = await post(body, FORM, { 'x-slack-signature': signature(slashCommand('other', 'forged'), ts) }, ts);
    const unsigned = await fetch(url, { method: 'POST', headers: { 'content-type': FORM }, body });
    const noSignature = await fetch(url, { method: 'POST', headers: { 'content-type': FORM, 'x-slack-request-timestamp': String(ts) }, body });
    const stale = await post(body, FORM, {}, now() - 6 * 60);
    expect([forged, tampered, unsigned, noSignature, stale].map((r) => r.status)).toEqual([401, 401, 401, 401, 401]);
    await nextIsSentinel('after-401');
  });

  it('answers the url_verification challenge', async () => {
    const res = await post(JSON.stringify({ token: 'legacy-verification-token', challenge: 'c-123', type: 'url_verification' }), JSON_TYPE);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ challenge: 'c-123' });
    await nextIsSentinel('after-challenge');
  });

  it('refuses bodies over 1 MB with 413', async () => {
    const body = slashCommand('x'.repeat(1 << 20), 'too-big');
    const res = await post(body, FORM);
    expect(res.status).toBe(413);
    await nextIsSentinel('after-413');
  });

  it('delivers a button press with job and service from its value', async () => {
    const value = JSON.stringify({ job: 'slack-123', service: 'order-api' });
    const res = await post(buttonPress('rca_rerun', value, { ts: '1700000050.000020', thread_ts: '1700000000.000001' }), FORM);
    expect(res.status).toBe(200);
    expect(await inbox.next()).toEqual({
      kind: 'action',
      platform: 'slack',
      channel: 'C1',
      user: 'U2',
      action: 'rerun',
      job: 'slack-123',
      service: 'order-api',
      key: '111.222.button',
      thread: '1700000000.000001',
    });
    await post(buttonPress('rca_resolve', value, { ts: '1700000050.000020' }, '333.444.button'), FORM);
    expect(await inbox.next()).toMatchObject({ action: 'resolve', key: '333.444.button', thread: '1700000050.000020' });
  });

  it('acks a button with a bad value and delivers nothing', async () => {
    const res = await post(buttonPress('rca_compare', 'not json', { ts: '1700000050.000020' }), FORM);
    expect(res.status).toBe(200);
    await nextIsSentinel('after-bad-button');
  });

  it('delivers an app_mention without the mention, in its thread, keyed by event_id', async () => {
    const res = await post(mention('<@UBOT> /rca order-api 30s', 'Ev01'), JSON_TYPE);
    expect(res.status).toBe(200);
    expect(await inbox.next()).toEqual({ kind: 'command', platform: 'slack', channel: 'C9', user: 'U3', text: '/rca order-api 30s', key: 'Ev01', thread: '1700000200.000300' });
    await post(mention('hey <@UBOT|rca> order-api', 'Ev02', '1700000000.000001'), JSON_TYPE);
    expect(await inbox.next()).toMatchObject({ text: 'hey order-api', key: 'Ev02', thread: '1700000000.000001' });
  });

  it('passes an Events API retry on with the same key, for the pipeline to dedupe', async () => {
    const res = await post(mention('<@UBOT> order-api', 'Ev03'), JSON_TYPE, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': 'http_timeout' });
    expect(res.status).toBe(200);
    expect(await inbox.next()).toMatchObject({ key: 'Ev03', text: 'order-api' });
  });

  it('never logs the token or the signing secret', () => {
    expect(logs.length).toBeGreaterThan(0);
    expect(logs.filter((l) => l.includes(TOKEN) || l.includes(SECRET))).toEqual([]);
  });
});

describe('createSlack', () => {
  const inbox = new TestInbox();

  it('needs a signing secret or an app token', () => {
    expect(() => createSlack(env({ SLACK_BOT_TOKEN: TOKEN }), inbox)).toThrow('SLACK_SIGNING_SECRET');
  });

  it('in Socket Mode without a signing secret, the HTTP route answers 404', async () => {
    const slack = createSlack(env({ SLACK_BOT_TOKEN: TOKEN, SLACK_APP_TOKEN: 'xapp-test' }), inbox, { logger: captureLogger([]) });
    const { server, port } = await startServer([slack.route], 0, '127.0.0.1');
    try {
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, { method: 'POST', body: '{}' });
      expect(res.status).toBe(404);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('stripMention', () => {
  it('removes the bot mention, or every mention when the bot is unknown', () => {
    expect(stripMention('<@UBOT> rca <@UALICE> order-api', ['UBOT'])).toBe('rca <@UALICE> order-api');
    expect(stripMention('<@UBOT> rca order-api')).toBe('rca order-api');
  });
});
