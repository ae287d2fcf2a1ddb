// Alerts end to end: Alertmanager posts (authenticated with its bearer
// token) to the bot's real HTTP endpoint; the alert is posted in the
// service's Slack channel (a loopback fake of Slack's API), a diagnosis of
// the Go target runs in its thread, and the message is edited in place as
// the incident moves. A payload replayed 20 times opens one incident and runs
// one diagnosis; the resolved payload closes it.
import { createHmac } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeToResolve } from '../src/incidents/metrics.js';
import type { IncidentStore } from '../src/incidents/store.js';
import { Digests } from '../src/queue/digests.js';
import { queues } from '../src/queue/pipeline.js';
import { startAlertBot, type AlertBot } from './helpers/alert-bot.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { hasRedis, until } from './helpers/redis.js';
import type { FakeSlack } from './helpers/slack-fake.js';

const TOKEN = 'am-token';
const GRAFANA = 'grafana-secret';

describe.skipIf(!hasRedis || !hasGo)('alerts open incidents and start the diagnosis', () => {
  let bot: AlertBot;
  let target: Target;
  let slackApi: FakeSlack;
  let redis: Redis;
  let prefix: string;
  let incidents: IncidentStore;
  let base: string;
  const startsAt = new Date(Date.now() - 5 * 60_000).toISOString();

  beforeAll(async () => {
    target = await startLoadedTarget(['-mode', 'pool']);
    bot = await startAlertBot({ 'order-api': { pprof: target.url, seconds: 2, channels: { slack: ['C-INC'] } } }, { ALERTMANAGER_TOKEN: TOKEN, GRAFANA_WEBHOOK_SECRET: GRAFANA });
    ({ slackApi, redis, prefix, incidents, base } = bot);
  });

  afterAll(async () => {
    await bot?.close();
    await target?.stop();
  });

  const payload = (status: 'firing' | 'resolved', endsAt = '0001-01-01T00:00:00Z') =>
    JSON.stringify({
      version: '4',
      groupKey: '{}:{alertname="HighLatency"}',
      status,
      receiver: 'rca-bot',
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency', service: 'order-api' },
      commonAnnotations: {},
      externalURL: 'http://alertmanager:9093',
      alerts: [{ status, labels: { alertname: 'HighLatency', service: 'order-api', severity: 'page' }, annotations: { summary: 'p99 over 2 s' }, startsAt, endsAt, fingerprint: 'a1b2c3d4e5f60718' }],
    });
  const post = (body: string, headers: Record<string, string>) => fetch(`${base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const inChannel = () => slackApi.calls.filter((c) => c.body.channel === 'C-INC');

  it('unauthenticated posts get 401 and change nothing', async () => {
    const statuses = [(await post(payload('firing'), {})).status, (await post(payload('firing'), { authorization: 'Bearer wrong' })).status];
    expect(statuses).toEqual([401, 401]);
    expect(await incidents.range(new Date(0), new Date(Date.now() + 60_000))).toEqual([]);
    expect(slackApi.calls).toEqual([]);
  });

  it('a payload sent 20 times opens one incident and runs one diagnosis; the resolved payload closes it', async () => {
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(payload('firing'), { authorization: `Bearer ${TOKEN}` })));
    expect(answers.map((r) => r.status)).toEqual(Array(20).fill(200));
    const [incident] = await incidents.range(new Date(0), new Date(Date.now() + 60_000));
    expect(incident).toMatchObject({ service: 'order-api', title: 'HighLatency: p99 over 2 s', channel: { platform: 'slack', channel: 'C-INC' } });
    // The alert's message, then the diagnosis in its thread, then the message edited to the verdict.
    // Block profile, goroutines and the execution trace: three sources.
    await until(async () => inChannel().some((c) => c.method === 'chat.update' && c.body.text?.includes('Diagnosis: confirmed, pool-exhaustion')), 'the diagnosed alert', 30_000);
    const notice = inChannel().filter((c) => c.method === 'chat.postMessage' && !c.body.thread_ts);
    expect(notice.map((c) => c.body.text)).toEqual([`🔥 Firing: HighLatency: p99 over 2 s (order-api)\n⏳ Diagnosing…\nincident ${incident.id}`]);
    const publish = new Queue(queues.publish, { connection: redis, prefix });
    // One diagnosis: one publish job, and nothing else on its way.
    const counts = await until(async () => {
      const c = await publish.getJobCounts('completed', 'active', 'waiting', 'delayed');
      return c.completed >= 1 ? c : undefined;
    }, 'the publish job to complete');
    expect(counts).toEqual({ completed: 1, active: 0, waiting: 0, delayed: 0 });
    await publish.close();
    expect(inChannel().filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts && c.body.text?.startsWith('⏳ Queued'))).toHaveLength(1);

    const endsAt = new Date().toISOString();
    expect((await post(payload('resolved', endsAt), { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    const resolved = await until(async () => inChannel().find((c) => c.method === 'chat.update' && c.body.text?.startsWith('✅ Resolved after')), 'the resolved alert');
    expect(resolved.body.text).toBe(`✅ Resolved after 5 min: HighLatency: p99 over 2 s (order-api)\n🔴 Diagnosis: confirmed, pool-exhaustion (details in the thread)\nincident ${incident.id}`);
    const closed = await incidents.get(incident.id);
    expect(closed?.timeline.map((e) => e.type)).toEqual(['detected', 'diagnosed', 'resolved']);
    expect(timeToResolve(closed!)).toBeCloseTo((Date.parse(endsAt) - Date.parse(startsAt)) / 1000, 3);
    // Re-sent again after it closed: nothing new.
    const calls = slackApi.calls.length;
    await post(payload('resolved', endsAt), { authorization: `Bearer ${TOKEN}` });
    await post(payload('firing'), { authorization: `Bearer ${TOKEN}` });
    expect(slackApi.calls.length).toBe(calls);

    // The next digest has its MTTR, and the chart.
    const digests = new Digests(redis, prefix);
    await digests.request({ platform: 'slack', channel: 'C-LEADS', days: 7 }, 'digest-1');
    await until(async () => slackApi.calls.some((c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === 'C-LEADS'), 'the digest chart');
    await digests.close();
    const text = slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.channel === 'C-LEADS')?.body.text ?? '';
    expect(text).toMatch(/^📈 MTTR digest, last 7 days\n\*\*Incidents .*: 1\*\*\nMTTR median \*\*5 min\*\*, p90 \*\*5 min\*\*/);
    const png = slackApi.calls.find((c) => c.method === 'upload')?.bytes;
    expect(png?.subarray(1, 4).toString()).toBe('PNG');
  });

  it('Grafana: a signed alert for a service the registry does not know is posted with the reason, without a diagnosis; unsigned or stale posts get 401', async () => {
    const body = JSON.stringify({
      receiver: 'rca-bot',
      status: 'firing',
      orgId: 1,
      alerts: [{ status: 'firing', labels: { alertname: 'High memory usage', service: 'order-apj' }, annotations: {}, startsAt, endsAt: '0001-01-01T00:00:00Z', fingerprint: 'c6eadffa33fcdf37' }],
    });
    const sign = (ts: string) => createHmac('sha256', GRAFANA).update(`${ts}:${body}`).digest('hex');
    const now = String(Math.floor(Date.now() / 1000));
    const stale = String(Math.floor(Date.now() / 1000) - 600);
    const send = (headers: Record<string, string>) => fetch(`${base}/alerts/grafana`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    expect((await send({})).status).toBe(401);
    expect((await send({ 'X-Grafana-Alerting-Signature': sign(stale), 'X-Grafana-Alerting-Timestamp': stale })).status).toBe(401);
    expect((await send({ 'X-Grafana-Alerting-Signature': sign(now), 'X-Grafana-Alerting-Timestamp': now })).status).toBe(200);
    const posted = slackApi.calls.filter((c) => c.body.channel === 'C-ALERTS');
    expect(posted.map((c) => c.body.text)).toEqual([expect.stringMatching(/^🔥 Firing: High memory usage \(order-apj\)\nNo diagnosis: order-apj is not in the registry \(did you mean `order-api`\?\)\nincident inc-[0-9a-f]+$/)]);
  });
});
