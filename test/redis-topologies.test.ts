// The bot past one Redis, on real redis-server processes started on free ports: a primary with a
// replica and three Sentinels, whose primary is killed during a diagnosis's capture; and a
// Cluster of three masters. On each, the whole alert path: the alert, its incident, the diagnosis
// of a real Go target posted once, the resolution, and a digest asked for twice and sent once.
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../src/doctor/checks.js';
import { startAlertBot, type AlertBot } from './helpers/alert-bot.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { until } from './helpers/redis.js';
import { hasRedisServer, startCluster, startSentinelSet, type ClusterSet, type SentinelSet } from './helpers/redis-topology.js';

const TOKEN = 'am-topology';

function alert(status: 'firing' | 'resolved', fingerprint: string, startsAt: string, endsAt = '0001-01-01T00:00:00Z') {
  return JSON.stringify({
    version: '4',
    status,
    receiver: 'rca-bot',
    groupLabels: { alertname: 'HighLatency' },
    commonLabels: { alertname: 'HighLatency', service: 'order-api' },
    alerts: [{ status, labels: { alertname: 'HighLatency', service: 'order-api' }, annotations: { summary: 'p99 over 2 s' }, startsAt, endsAt, fingerprint }],
  });
}

/** The alert path end to end; `during` runs once the capture has started. */
async function alertPath(bot: AlertBot, fingerprint: string, during?: () => Promise<void>): Promise<void> {
  const post = (body: string) => fetch(`${bot.base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
  const inChannel = () => bot.slackApi.calls.filter((c) => c.body.channel === 'C-INC');
  const startsAt = new Date(Date.now() - 60_000).toISOString();
  expect((await post(alert('firing', fingerprint, startsAt))).status).toBe(200);
  if (during) {
    await until(async () => inChannel().some((c) => c.method === 'chat.update' && c.body.text?.startsWith('📡 Capturing order-api')), 'the capture to start');
    await during();
  }
  await until(async () => inChannel().some((c) => c.method === 'chat.update' && c.body.text?.includes('Diagnosis: confirmed, pool-exhaustion')), 'the diagnosed alert', 90_000);
  // Posted once: one report in the thread, one set of flame graphs.
  const reports = inChannel().filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts && c.body.text?.startsWith('🔴 order-api: confirmed'));
  expect(reports).toHaveLength(1);
  const [incident] = await bot.incidents.range(new Date(0), new Date(Date.now() + 60_000));
  expect((await bot.incidents.get(incident.id))?.timeline.map((e) => e.type)).toEqual(['detected', 'diagnosed']);
  expect((await post(alert('resolved', fingerprint, startsAt, new Date().toISOString()))).status).toBe(200);
  await until(async () => inChannel().some((c) => c.method === 'chat.update' && c.body.text?.startsWith('✅ Resolved after')), 'the resolved alert');
  expect((await bot.incidents.get(incident.id))?.timeline.map((e) => e.type)).toEqual(['detected', 'diagnosed', 'resolved']);
  // A digest asked for twice (a redelivered command) is sent once.
  await bot.digests.request({ platform: 'slack', channel: 'C-LEADS', days: 7 }, 'digest-topology');
  await bot.digests.request({ platform: 'slack', channel: 'C-LEADS', days: 7 }, 'digest-topology');
  await until(async () => bot.slackApi.calls.some((c) => c.method === 'files.completeUploadExternal' && c.body.channel_id === 'C-LEADS'), 'the digest chart');
  const digests = bot.slackApi.calls.filter((c) => c.method === 'chat.postMessage' && c.body.channel === 'C-LEADS');
  expect(digests.map((c) => c.body.text?.split('\n').slice(0, 2).join('\n'))).toEqual([expect.stringMatching(/^📈 MTTR digest, last 7 days\n\*\*Incidents .*: 1\*\*$/)]);
}

describe.skipIf(!hasRedisServer || !hasGo)('Sentinel: the primary is killed during a capture', () => {
  let set: SentinelSet;
  let target: Target;
  let bot: AlertBot;

  beforeAll(async () => {
    [set, target] = await Promise.all([startSentinelSet(), startLoadedTarget(['-mode', 'pool'])]);
    bot = await startAlertBot({ 'order-api': { pprof: target.url, seconds: 4, channels: { slack: ['C-INC'] } } }, { ALERTMANAGER_TOKEN: TOKEN }, { sentinels: set.sentinels.map((port) => ({ host: '127.0.0.1', port })), name: set.name });
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await target?.stop();
    await set?.stop();
  });

  it('fails over to the replica; the report is posted once, the timeline is whole, the digest is sent once', async () => {
    await alertPath(bot, 'sentinel00000001', async () => {
      set.primary.process.kill('SIGKILL');
      await until(async () => (await set.primaryPort().catch(() => 0)) === set.replica.port, 'the Sentinels to promote the replica', 30_000);
    });
    expect(await set.primaryPort()).toBe(set.replica.port);
    const redis: Redis = bot.redis;
    expect(((await redis.call('ROLE')) as string[])[0]).toBe('master');
    // doctor names the topology and where the primary is now.
    const checks = await runChecks({ REDIS_SENTINELS: set.sentinels.map((p) => `127.0.0.1:${p}`).join(','), REDIS_SENTINEL_NAME: set.name, RCA_CONFIG: '/nonexistent/rca.config.yaml' });
    expect(checks.find((c) => c.what === 'redis')?.detail).toMatch(new RegExp(`^\\d+\\.\\d+\\.\\d+ at Sentinel: primary "${set.name}" through 3 sentinels \\(.*\\); primary at 127\\.0\\.0\\.1:${set.replica.port} \\(master\\), AOF off`));
  });
});

describe.skipIf(!hasRedisServer || !hasGo)('Cluster: three masters', () => {
  let cluster: ClusterSet;
  let target: Target;
  let bot: AlertBot;

  beforeAll(async () => {
    [cluster, target] = await Promise.all([startCluster(), startLoadedTarget(['-mode', 'pool'])]);
    bot = await startAlertBot({ 'order-api': { pprof: target.url, seconds: 2, channels: { slack: ['C-INC'] } } }, { ALERTMANAGER_TOKEN: TOKEN }, { nodes: cluster.ports.map((port) => ({ host: '127.0.0.1', port })) });
  }, 120_000);

  afterAll(async () => {
    await bot?.close();
    await target?.stop();
    await cluster?.stop();
  });

  it('runs the whole path with every key in one hash slot', async () => {
    // The prefix carries a hash tag: BullMQ's flows and scripts and the bot's own transactions touch one slot.
    expect(bot.prefix).toMatch(/^\{test-[0-9a-f-]+\}$/);
    await alertPath(bot, 'cluster000000001');
    const slot = (key: string) => bot.redis.call('CLUSTER', 'KEYSLOT', key) as Promise<number>;
    const tagged = await slot(bot.prefix);
    expect(await slot(`${bot.prefix}:rca-capture:wait`)).toBe(tagged);
    expect(await slot(`${bot.prefix}:incidents:by-time`)).toBe(tagged);
    const checks = await runChecks({ REDIS_CLUSTER_NODES: `127.0.0.1:${cluster.ports[0]}`, RCA_CONFIG: '/nonexistent/rca.config.yaml' });
    expect(checks.find((c) => c.what === 'redis')?.detail).toMatch(new RegExp(`^\\d+\\.\\d+\\.\\d+ at Cluster: seed nodes 127\\.0\\.0\\.1:${cluster.ports[0]}; 3 masters, cluster_state ok, AOF off`));
  });
});
