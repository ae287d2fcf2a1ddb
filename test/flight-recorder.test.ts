// The seconds before the alert: a Go service keeps a flight recorder
// (runtime/trace.FlightRecorder, Go 1.25+). One stage of its request pipeline
// stalls, then recovers; the alert arrives after it is over. The bot reads the
// flight recorder's snapshot before anything else, so the report names the
// stalled stage although the capture window itself is healthy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAlertBot, type AlertBot } from './helpers/alert-bot.js';
import { hasGo, servedAtLeast, startLoadedTarget, toolchain, type Target } from './helpers/go.js';
import { hasRedis, until } from './helpers/redis.js';

const TOKEN = 'am-token';
const flightRecorder = hasGo && toolchain().minor >= 25;
if (hasGo && !flightRecorder) console.warn(`skipping the flight recorder test: ${toolchain().version} has no runtime/trace.FlightRecorder (Go 1.25+)`);

describe.skipIf(!hasRedis || !flightRecorder)('an alert reads the flight recorder first: the seconds before the alert', () => {
  let bot: AlertBot;
  let target: Target;

  beforeAll(async () => {
    target = await startLoadedTarget(['-mode', 'pipeline', '-flightrecorder'], 100);
    bot = await startAlertBot(
      { 'order-api': { pprof: target.url, seconds: 2, trace: { flightRecorder: '/debug/flightrecorder' }, channels: { slack: ['C-INC'] } } },
      { ALERTMANAGER_TOKEN: TOKEN },
    );
  });

  afterAll(async () => {
    await bot?.close();
    await target?.stop();
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
    const posted = await fetch(`${bot.base}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body });
    expect(posted.status).toBe(200);

    const edited = await until(async () => bot.slackApi.calls.find((c) => c.method === 'chat.update' && c.body.text?.includes('Diagnosis:')), 'the diagnosed alert', 30_000);
    expect(edited.body.text).toContain('stage-stall');
    const report = bot.slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts && JSON.stringify(c.body.blocks ?? '').includes('stage-stall'));
    const blocks = JSON.stringify(report?.body.blocks);
    expect(blocks).toContain('The execute stage takes');
    // The findings read the flight recorder's trace, which reaches back before the fault was switched off.
    const m = /Execution trace: the flight recorder's ([\d.]+) s before the alert \((\d\d:\d\d:\d\d)–(\d\d:\d\d:\d\d) UTC\)/.exec(blocks);
    expect(m, blocks).not.toBeNull();
    const at = (hms: string) => Date.parse(`${new Date(faultOff).toISOString().slice(0, 10)}T${hms}Z`);
    expect(at(m![2])).toBeLessThan(faultOff - 1000);
    expect(Number(m![1])).toBeGreaterThanOrEqual(2);
    // The thread gets the flight recorder's timeline, with the slowest regions drawn.
    const timeline = await until(async () => bot.slackApi.calls.find((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'order-api-timeline.png'), 'the timeline image');
    expect(timeline).toBeDefined();
  });
});
