// Profiles from the past, from a real Parca: a Go target's CPU fault starts and stops before anyone
// asks. Parca scraped it all along. The alert that then arrives, and `/rca order-api --at …` from
// Slack, Feishu and the console, name the cause from Parca's data with the diff against the same
// window earlier, while the live capture sees a healthy service. One `rca-bot serve` process serves
// every surface, against loopback fakes of Slack's and Feishu's APIs.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/doctor/checks.js';
import { startBot, type Bot } from './helpers/bot.js';
import { FAKE_BOT_OPEN_ID, startFakeOpenApi, type FakeOpenApi } from './helpers/feishu-fake.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { parcaBinary, startParca, type Parca } from './helpers/parca.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { FakeSlack } from './helpers/slack-fake.js';

const SLACK_SECRET = 'parca-signing-secret';
const FEISHU_TOKEN = 'vt-parca';
const FEISHU_KEY = 'ek-parca';
const AM_TOKEN = 'am-parca';
/** Seconds of healthy service before the fault (the baseline window lies in them), and of the fault. */
const HEALTHY = 34;
const FAULT = 16;
const BASELINE = 30;

if (!parcaBinary) console.warn('parca.test.ts: skipped, no Parca binary (run .ci/backends)');

describe.skipIf(!hasRedis || !hasGo || !parcaBinary)('a fault that has ended, named from Parca', () => {
  const prefix = uniquePrefix();
  let target: Target;
  let parca: Parca;
  let slackApi: FakeSlack;
  let feishuApi: FakeOpenApi;
  let bot: Bot;
  let config = '';
  /** When the fault started and stopped, ms. */
  let faultOn = 0;
  let faultOff = 0;

  // Parca holds profiles up to `t` once a scrape after it has landed.
  const heldUntil = (t: number, what: string) => until(async () => Date.now() > t && (await parca.cpuSeconds('order-api', t, Date.now())) > 0, what, 60_000);

  beforeAll(async () => {
    target = await startLoadedTarget(['-mode', 'cpu', '-fault-off']);
    parca = await startParca('order-api', [target.url]);
    const first = Date.now();
    await heldUntil(first, 'Parca to hold the first profiles');
    await heldUntil(first + HEALTHY * 1000, `Parca to hold ${HEALTHY} s of the healthy service`);
    await fetch(`${target.url}/fault?on=true`, { method: 'POST' });
    faultOn = Date.now();
    await heldUntil(faultOn + FAULT * 1000, `Parca to hold ${FAULT} s of the fault`);
    await fetch(`${target.url}/fault?on=false`, { method: 'POST' });
    faultOff = Date.now();
    await heldUntil(faultOff + 2000, 'Parca to hold the service after the fault');

    slackApi = new FakeSlack();
    await slackApi.start();
    feishuApi = await startFakeOpenApi();
    const dir = mkdtempSync(join(tmpdir(), 'rca-parca-'));
    config = join(dir, 'rca.config.yaml');
    const profiles = (selector: string) => `    profiles:\n      type: parca\n      url: ${parca.url}\n      selector: '${selector}'\n`;
    writeFileSync(
      config,
      `services:\n  order-api:\n    pprof: ${target.url}\n    seconds: 2\n    lookback: 2s\n    baseline: ${BASELINE}s\n    channels: {slack: C-INC}\n${profiles('{job="order-api"}')}` +
        `  ghost-api:\n    pprof: ${target.url}\n    seconds: 1\n${profiles('{job="ghost-api"}')}` +
        `  typo-api:\n    pprof: ${target.url}\n    seconds: 1\n${profiles('{job=}')}`,
    );
    bot = await startBot({
      RCA_CONFIG: config,
      REDIS_URL: redisUrl,
      RCA_REDIS_PREFIX: prefix,
      SLACK_BOT_TOKEN: 'xoxb-parca',
      SLACK_SIGNING_SECRET: SLACK_SECRET,
      SLACK_API_URL: `${slackApi.url}api/`,
      FEISHU_APP_ID: 'cli_parca',
      FEISHU_APP_SECRET: 'secret',
      FEISHU_VERIFICATION_TOKEN: FEISHU_TOKEN,
      FEISHU_ENCRYPT_KEY: FEISHU_KEY,
      FEISHU_DOMAIN: feishuApi.url,
      ALERTMANAGER_TOKEN: AM_TOKEN,
    });
  }, 240_000);

  afterAll(async () => {
    await bot?.stop();
    await parca?.stop();
    await target?.stop();
    await slackApi?.close();
    await feishuApi?.close();
    const redis = new Redis(redisUrl);
    await cleanup(redis, prefix);
    await redis.quit();
  });

  /** HH:MM:SS UTC, the middle of the fault: what a person would type after reading the graphs. */
  const midFault = () => new Date((faultOn + faultOff) / 2).toISOString().slice(11, 19);
  const width = () => `${Math.round((faultOff - faultOn) / 1000) + 4}s`;

  /** The text of a Slack message's blocks, a line per section or context element. */
  const blockText = (blocks: string) =>
    (JSON.parse(blocks) as { text?: { text?: string }; elements?: { text?: string }[] }[])
      .flatMap((b) => [b.text?.text, ...(b.elements ?? []).map((e) => e.text)])
      .filter((t): t is string => typeof t === 'string')
      .join('\n');

  it('the alert after the fault is diagnosed on the minutes before it: the cause from Parca, the live capture healthy', async () => {
    const startsAt = new Date(faultOn).toISOString();
    const body = JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'rca-bot',
      groupLabels: { alertname: 'HighCPU' },
      commonLabels: { alertname: 'HighCPU', service: 'order-api' },
      alerts: [{ status: 'firing', labels: { alertname: 'HighCPU', service: 'order-api' }, annotations: { summary: 'CPU over 80%' }, startsAt, endsAt: '0001-01-01T00:00:00Z', fingerprint: 'parca0000000001' }],
    });
    const res = await fetch(`${bot.base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${AM_TOKEN}` }, body });
    expect(res.status).toBe(200);
    const report = await until(async () => slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C-INC' && c.body.thread_ts && String(c.body.text).startsWith('🟡 order-api: needs-review')), 'the alert diagnosis', 60_000);
    const text = blockText(report.body.blocks);
    expect(report.body.text).toContain('main.checksumRecords');
    expect(text).toContain('*cpu-hotspot*');
    // The evidence says where and when it comes from: Parca, the window before the alert.
    expect(text).toMatch(/\*cpu\*: Parca, \d\d:\d\d–\d\d:\d\d UTC: main\.checksumRecords and what it calls used/);
    expect(text).toMatch(new RegExp(`in the same window ${BASELINE} s earlier \\((?:\\d+(?:\\.\\d)?×|new)\\)`));
    // What changed against the baseline window: more CPU, most of it in the fault's function.
    const changed = text.split('*What changed*\n')[1]?.split('\n').slice(0, 3).join('\n') ?? '';
    expect(changed).toContain(`against the same window ${BASELINE} s earlier`);
    const ratio = Number(/in the window \((\d+(?:\.\d)?)×\)/.exec(changed)?.[1]);
    expect(ratio).toBeGreaterThan(1.5);
    // The flame graph of the profiler's window and the differential one against the baseline window.
    const files = () => slackApi.calls.filter((c) => c.method === 'files.getUploadURLExternal').map((c) => c.body.filename);
    await until(async () => files().includes('order-api-cpu-vs-baseline.png') && files().includes('order-api-past-cpu.png'), 'the flame graphs of the past window', 30_000);
    // The live capture of a service whose fault has ended is no evidence for it: the cause stands on the profiler's window.
    expect(text).not.toMatch(/\*cpu\*: main\.checksumRecords and what it calls used/);
  });

  it('/rca order-api --at <time> from Slack reads that window only, acked at once', async () => {
    const ask = `order-api --at ${midFault()} ${width()}`;
    const form = new URLSearchParams({ command: '/rca', text: ask, channel_id: 'C-ASK', user_id: 'U7', trigger_id: 'trig-past', team_id: 'T1', response_url: 'http://127.0.0.1:9/none' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SLACK_SECRET).update(`v0:${ts}:${form}`).digest('hex')}`;
    const res = await fetch(`${bot.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body: form });
    expect(res.status).toBe(200);
    const report = await until(async () => slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C-ASK' && c.body.thread_ts && String(c.body.text).includes('order-api: ')), 'the --at report', 60_000);
    expect(report.body.text).toMatch(/^🟡 order-api: needs-review: One source only, a person should check: main\.checksumRecords takes \d+% of the service's CPU\.$/);
    const text = blockText(report.body.blocks);
    expect(text).toMatch(/^Read \d+ s of profiles from Parca \(\d{4}-\d\d-\d\d \d\d:\d\d–\d\d:\d\d UTC\) for \{job="order-api"\}/m);
    // Nothing was captured live; a past window has nothing to re-run or compare.
    expect(text).not.toContain('Captured ');
    expect((JSON.parse(report.body.blocks) as { type: string }[]).some((b) => b.type === 'actions')).toBe(false);
    const root = slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C-ASK' && !c.body.thread_ts);
    expect(root?.body.text).toMatch(/^⏳ Queued: order-api, \d+ s of its past…$/);
  });

  it('and from Feishu, signed as Feishu signs it', async () => {
    const now = String(Date.now());
    const event = {
      schema: '2.0',
      header: { event_id: 'ev-parca-1', event_type: 'im.message.receive_v1', create_time: now, token: FEISHU_TOKEN, app_id: 'cli_parca', tenant_key: 't1' },
      event: {
        sender: { sender_id: { open_id: 'ou_alice', user_id: 'alice', union_id: 'on_alice' }, sender_type: 'user', tenant_key: 't1' },
        message: {
          message_id: 'om_past',
          create_time: now,
          chat_id: 'oc_incident',
          chat_type: 'group',
          message_type: 'text',
          content: JSON.stringify({ text: `@_user_1 /rca order-api --at ${midFault()} ${width()}` }),
          mentions: [{ key: '@_user_1', id: { open_id: FAKE_BOT_OPEN_ID, union_id: 'on_bot', user_id: '' }, name: 'rca-bot', tenant_key: 't1' }],
        },
      },
    };
    const raw = JSON.stringify(event);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(8).toString('hex');
    const signature = createHash('sha256').update(timestamp + nonce + FEISHU_KEY + raw).digest('hex');
    const res = await fetch(`${bot.base}/feishu/events`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'X-Lark-Request-Timestamp': timestamp, 'X-Lark-Request-Nonce': nonce, 'X-Lark-Signature': signature }, body: raw });
    expect(res.status).toBe(200);
    // The status card answers the question in its thread; the report follows in the same thread.
    const status = await until(async () => feishuApi.apiCalls().find((c) => c.path === '/open-apis/im/v1/messages/om_past/reply'), 'the status card', 10_000);
    expect(status.body).toMatchObject({ msg_type: 'interactive', reply_in_thread: true });
    const card = await until(
      async () => feishuApi.apiCalls().find((c) => c.method === 'POST' && /^\/open-apis\/im\/v1\/messages\/[^/]+\/reply$/.test(c.path) && String(c.body.content).includes('cpu-hotspot')),
      'the report card in the thread',
      60_000,
    );
    const content = JSON.parse(card.body.content) as { header: { title: { content: string } } };
    expect(content.header.title.content).toBe('🟡 order-api: needs-review');
    expect(card.body.content).toMatch(/Parca, \d\d:\d\d–\d\d:\d\d UTC: main\.checksumRecords/);
    expect(card.body.content).toContain('**What changed**');
  });

  it('and from the console; a selector that matches nothing and one Parca refuses are one line each under What failed', async () => {
    const send = (text: string) => fetch(`${bot.base}/console/api/send`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ channel: 'past', text }) });
    const messages = async () => (await (await fetch(`${bot.base}/console/api/messages?channel=past`)).json()) as { text: string; from: string }[];
    expect((await send(`/rca order-api --at ${midFault()} ${width()}`)).status).toBe(202);
    const report = await until(async () => (await messages()).find((m) => m.text.startsWith('## order-api: ')), 'the console report', 60_000);
    expect(report.text).toMatch(/^## order-api: needs-review/);
    expect(report.text).toContain('### What changed');
    expect((await send('/rca ghost-api --since 2m')).status).toBe(202);
    const ghost = await until(async () => (await messages()).find((m) => m.text.startsWith('## ghost-api: ')), 'the ghost-api report', 60_000);
    expect(ghost.text).toMatch(/^## ghost-api: inconclusive/);
    // The window's line only: the baseline window's, empty for the same reason, would say it again.
    expect(ghost.text.split('### What failed\n')[1]?.split('\n\n')[0]).toMatch(/^- parca:cpu: Parca has no cpu samples of \{job="ghost-api"\} from \d{4}-\d\d-\d\d \d\d:\d\d to \d\d:\d\d UTC: is the selector right, and was it profiling then\?$/);
    expect((await send('/rca typo-api --since 2m')).status).toBe(202);
    const typo = await until(async () => (await messages()).find((m) => m.text.startsWith('## typo-api: ')), 'the typo-api report', 60_000);
    expect(typo.text.split('### What failed\n')[1]?.split('\n\n')[0]).toBe('- parca:cpu: Parca answered 400: failed to parse query');
  });

  it('rca-bot doctor queries the profiler of each service: one holds profiles, one matches nothing, one is refused', async () => {
    const checks = await runChecks({ REDIS_URL: redisUrl, RCA_CONFIG: config });
    const line = (what: string) => checks.find((c) => c.what === what);
    expect(line('order-api profiles (parca)')).toMatchObject({ level: 'ok', detail: expect.stringMatching(new RegExp(`^${parca.url}: \\d+ cpu samples of \\{job="order-api"\\} in the last 5 minutes$`)) });
    expect(line('ghost-api profiles (parca)')).toMatchObject({ level: 'warn', detail: `${parca.url} holds no cpu profile of {job="ghost-api"} in the last 5 minutes` });
    expect(line('typo-api profiles (parca)')).toMatchObject({ level: 'fail', detail: 'Parca answered 400: failed to parse query' });
  });
});
