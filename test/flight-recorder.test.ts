// The seconds before the alert: a Go service keeps a flight recorder
// (runtime/trace.FlightRecorder, Go 1.25+). One stage of its request pipeline
// stalls, then recovers; the alert arrives after it is over. The bot reads the
// flight recorder's snapshot before anything else, so the report names the
// stalled stage although the capture window itself is healthy.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter, slackClient } from '../src/chat/slack/adapter.js';
import { validateRegistry } from '../src/config/registry.js';
import { takeAlerts } from '../src/incidents/intake.js';
import { IncidentStore } from '../src/incidents/store.js';
import { Pipeline } from '../src/queue/pipeline.js';
import { alertRoutes } from '../src/server/alerts.js';
import { startServer } from '../src/server/http.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { hasGo, servedAtLeast, startLoadedTarget, toolchain, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { envOf, FakeSlack } from './helpers/slack-fake.js';

const TOKEN = 'am-token';
const flightRecorder = hasGo && toolchain().minor >= 25;
if (hasGo && !flightRecorder) console.warn(`skipping the flight recorder test: ${toolchain().version} has no runtime/trace.FlightRecorder (Go 1.25+)`);

describe.skipIf(!hasRedis || !flightRecorder)('an alert reads the flight recorder first: the seconds before the alert', () => {
  const prefix = uniquePrefix();
  let slackApi: FakeSlack;
  let redis: Redis;
  let pipeline: Pipeline;
  let workers: Workers;
  let target: Target;
  let base: string;
  let close: () => void;

  beforeAll(async () => {
    slackApi = new FakeSlack();
    await slackApi.start();
    target = await startLoadedTarget(['-mode', 'pipeline', '-flightrecorder'], 100);
    const env = envOf({ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: `${slackApi.url}api/`, ALERTMANAGER_TOKEN: TOKEN });
    const registry = validateRegistry(
      { services: { 'order-api': { pprof: target.url, seconds: 2, trace: { flightRecorder: '/debug/flightrecorder' }, channels: { slack: ['C-INC'] } } } },
      'test',
    );
    if (!registry.ok) throw new Error(registry.error);
    redis = new Redis(redisUrl);
    const adapters = { slack: new SlackAdapter(slackClient(env)) };
    pipeline = new Pipeline(redis, prefix, adapters);
    workers = startWorkers({ redisUrl, prefix, adapters });
    const intake = { registry: registry.value, pipeline, incidents: new IncidentStore(redis, prefix), adapter: () => adapters.slack, fallback: { platform: 'slack' as const, channel: 'C-ALERTS' }, serviceLabel: 'service' };
    const server = await startServer(alertRoutes(env, (alerts, by) => takeAlerts(intake, alerts, by), () => undefined), 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
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

  it('the report names the stage that stalled before the alert, though the window is healthy', async () => {
    // A few hundred stalled requests, then the stall is over before the alert is sent.
    await servedAtLeast(target, 500);
    const faultOff = Date.now();
    expect((await fetch(`${target.url}/fault?on=false`, { method: 'POST' })).status).toBe(200);
    const startsAt = new Date(faultOff - 10_000).toISOString();
    const body = JSON.stringify({
      version: '4',
      status: 'firing',
      receiver: 'rca-bot',
      groupLabels: { alertname: 'OrdersSlow' },
      commonLabels: { alertname: 'OrdersSlow', service: 'order-api' },
      alerts: [{ status: 'firing', labels: { alertname: 'OrdersSlow', service: 'order-api' }, annotations: { summary: 'order p99 over 20 ms' }, startsAt, endsAt: '0001-01-01T00:00:00Z', fingerprint: 'f1f2f3f4f5f6f7f8' }],
    });
    const posted = await fetch(`${base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    expect(posted.status).toBe(200);

    const edited = await until(async () => slackApi.calls.find((c) => c.method === 'chat.update' && c.body.text?.includes('Diagnosis:')), 'the diagnosed alert', 30_000);
    expect(edited.body.text).toContain('stage-stall');
    const report = slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts && JSON.stringify(c.body.blocks ?? '').includes('stage-stall'));
    const blocks = JSON.stringify(report?.body.blocks);
    expect(blocks).toContain('The execute stage takes');
    // The findings read the flight recorder's trace, which reaches back before the fault was switched off.
    const m = /Execution trace: the flight recorder's ([\d.]+) s before the alert \((\d\d:\d\d:\d\d)–(\d\d:\d\d:\d\d) UTC\)/.exec(blocks);
    expect(m, blocks).not.toBeNull();
    const at = (hms: string) => Date.parse(`${new Date(faultOff).toISOString().slice(0, 10)}T${hms}Z`);
    expect(at(m![2])).toBeLessThan(faultOff - 1000);
    expect(Number(m![1])).toBeGreaterThanOrEqual(2);
    // The thread gets the flight recorder's timeline, with the slowest regions drawn.
    const timeline = await until(async () => slackApi.calls.find((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'order-api-timeline.png'), 'the timeline image');
    expect(timeline).toBeDefined();
  });
});
