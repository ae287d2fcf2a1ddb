// The bot's own traces in a real Jaeger v2: a signed /rca into `rca-bot serve`
// (no workers), run by a separate `rca-bot worker` process, both exporting
// OTLP/HTTP to Jaeger. The trace is read back through Jaeger's api_v3 from the
// id the report page shows: command → flow → captures → analysis → publish,
// one trace id, parents across the two processes; the worker's log lines of
// that diagnosis carry the same trace id.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBot, type Bot } from './helpers/bot.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { getTrace, jaegerBinary, jaegerVersion, spansOf, startJaeger, type Jaeger } from './helpers/jaeger.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { repoRoot } from './helpers/shared.js';
import { freePort } from './helpers/server.js';
import { FakeSlack } from './helpers/slack-fake.js';

if (!jaegerBinary) console.warn(`skipping the Jaeger trace test: no jaeger ${jaegerVersion} binary (.ci/backends builds it)`);

const SECRET = 'otel-signing-secret';
const signed = (body: string) => {
  const ts = String(Math.floor(Date.now() / 1000));
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}` };
};

describe.skipIf(!hasRedis || !hasGo || !jaegerBinary)("the bot's own traces in Jaeger", () => {
  const prefix = uniquePrefix();
  let jaeger: Jaeger;
  let slackApi: FakeSlack;
  let target: Target;
  let bot: Bot;
  let worker: ChildProcess;
  const workerLines: string[] = [];
  let closedPort: number;

  beforeAll(async () => {
    [jaeger, target] = await Promise.all([startJaeger(), startLoadedTarget(['-mode', 'pool'])]);
    slackApi = new FakeSlack();
    await slackApi.start();
    const dir = mkdtempSync(join(tmpdir(), 'rca-otel-'));
    const config = join(dir, 'rca.config.yaml');
    // fetch refuses port 9 outright ("bad port"); a port nobody listens on is refused by the kernel.
    closedPort = await freePort();
    writeFileSync(config, `services:\n  order-api:\n    pprof: ${target.url}\n    seconds: 2\n  gone-api:\n    pprof: http://127.0.0.1:${closedPort}\n    seconds: 1\n`);
    const env = {
      RCA_CONFIG: config,
      REDIS_URL: redisUrl,
      RCA_REDIS_PREFIX: prefix,
      SLACK_BOT_TOKEN: 'xoxb-otel-test-token',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: `${slackApi.url}api/`,
      // vitest.config.ts turns the SDK off for every test; these processes are the ones that export.
      OTEL_SDK_DISABLED: 'false',
      OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      RCA_LOG_FORMAT: 'json',
      RCA_LOG_LEVEL: 'info',
    };
    bot = await startBot({ ...env, RCA_TRACE_URL: `${jaeger.query}/trace/{trace_id}` }, ['--no-workers']);
    worker = spawn(process.execPath, [join(repoRoot, 'bin/rca-bot.js'), 'worker'], { cwd: repoRoot, env: { ...process.env, ...env, RCA_PUBLIC_URL: bot.base, OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=drill' }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((ok, fail) => {
      createInterface({ input: worker.stderr! }).on('line', (l) => {
        workerLines.push(l);
        if (l.includes('worker is up')) ok();
      });
      worker.once('exit', (code) => fail(new Error(`the worker exited with ${code}: ${workerLines.join('\n')}`)));
    });
  }, 120_000);

  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((r) => worker.once('exit', r));
      worker.kill('SIGTERM');
      await exited;
    }
    await bot?.stop();
    await target?.stop();
    await jaeger?.stop();
    await slackApi?.close();
    const redis = new Redis(redisUrl);
    await cleanup(redis, prefix);
    await redis.quit();
  });

  const ask = (text: string, trigger: string) => {
    const body = new URLSearchParams({ command: '/rca', text, channel_id: 'C9', user_id: 'U9', trigger_id: trigger, team_id: 'T1', response_url: 'http://127.0.0.1:9/none' }).toString();
    return fetch(`${bot.base}/slack/events`, { method: 'POST', headers: signed(body), body });
  };

  /** The trace id on the report page the thread links to. */
  const traceOfReport = async (service: string): Promise<string> => {
    const report = await until(async () => slackApi.calls.find((c) => c.method === 'chat.postMessage' && c.body.thread_ts && c.body.text?.includes(`${service}:`)), `the report of ${service}`, 30_000);
    const link = /<(http:\/\/[^|>]+\/reports\/[^|>]+)\|full report>/.exec(report.body.blocks ?? '')?.[1];
    expect(link, 'a report link in the Slack message').toBeDefined();
    const page = await (await fetch(link as string)).text();
    const id = /<code id="trace-id">([0-9a-f]{32})<\/code>/.exec(page)?.[1];
    expect(id, 'a trace id on the report page').toBeDefined();
    expect(page).toContain(`href="${jaeger.query}/trace/${id}"`);
    return id as string;
  };

  /** The trace's spans once `ready` says they are all in (they reach Jaeger in batches). */
  const spansWhen = (traceId: string, ready: (spans: ReturnType<typeof spansOf>) => boolean, what: string) =>
    until(async () => {
      const t = await getTrace(jaeger, traceId);
      const all = t ? spansOf(t) : [];
      return ready(all) && all;
    }, what, 30_000);

  it('one diagnosis is one trace: command → flow → captures → analysis → publish, across both processes', async () => {
    expect((await ask('order-api 2s', 'otel-1')).status).toBe(200);
    const traceId = await traceOfReport('order-api');
    // Spans of the last steps reach Jaeger a batch later than the report.
    // Whole: the last job's span is in, the analysis thread's (it exports on its own), and every span's parent.
    const spans = await spansWhen(
      traceId,
      (all) => {
        const ids = new Set(all.map((s) => s.spanId));
        return all.some((s) => s.name === 'process rca-publish') && all.some((s) => s.name === 'rca.render') && all.every((s) => !s.parentSpanId || ids.has(s.parentSpanId));
      },
      'the whole trace in Jaeger',
    );
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceId]));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const one = (name: string) => {
      const found = spans.filter((s) => s.name === name);
      expect(found.length, `spans named ${name}`).toBeGreaterThan(0);
      return found[0];
    };
    const parentOf = (s: { parentSpanId?: string }) => (s.parentSpanId ? byId.get(s.parentSpanId) : undefined);
    const ancestors = (s: (typeof spans)[number]) => {
      const out: string[] = [];
      for (let p = parentOf(s); p; p = parentOf(p)) out.push(p.name);
      return out;
    };
    const command = one('rca.command');
    // The Slack request's own server span is the root; the command hangs under it.
    expect(parentOf(command)?.kind).toBe(2);
    expect(parentOf(command)?.name).toBe('POST /slack/events');
    expect(parentOf(command)?.parentSpanId, 'the server span is the root').toBeFalsy();
    expect(parentOf(one('rca.diagnosis'))?.name).toBe('rca.command');
    expect(ancestors(one('addFlow rca-publish'))).toContain('rca.diagnosis');
    // Each job's span in the worker process has the flow's node in the bot's process as its parent.
    const serveInstance = command.resource['service.instance.id'];
    for (const queue of ['rca-capture', 'rca-analyse', 'rca-publish']) {
      const processed = spans.filter((s) => s.name === `process ${queue}`);
      expect(processed.length, `process ${queue}`).toBeGreaterThan(0);
      for (const p of processed) {
        expect(p.resource['service.instance.id']).not.toBe(serveInstance);
        expect(p.resource['deployment.environment.name']).toBe('drill');
        expect(parentOf(p)?.name).toBe(`addNode ${queue}`);
        expect(parentOf(p)?.resource['service.instance.id']).toBe(serveInstance);
      }
    }
    expect(command.resource['service.name']).toBe('rca-bot');
    expect(command.resource['service.version']).toMatch(/^\d+\.\d+\.\d+/);
    // Captures: one span per profile naming it and the target URL, with the HTTP client span under it.
    const cpu = one('capture cpu');
    const attr = (s: (typeof spans)[number], key: string) => s.attributes?.find((a) => a.key === key)?.value;
    expect(attr(cpu, 'url.full')?.stringValue).toBe(`${target.url}/debug/pprof/profile?seconds=2`);
    expect(ancestors(cpu)).toContain('process rca-capture');
    const get = spans.find((s) => s.parentSpanId === cpu.spanId);
    expect(get?.kind, 'an HTTP client span under the capture').toBe(3);
    for (const name of ['heap-start', 'goroutine-start', 'block', 'mutex', 'allocs', 'heap-end', 'goroutine-end']) one(`capture ${name}`);
    // The analysis, in a thread of the worker, under its job.
    const analyse = one('rca.analyse');
    expect(parentOf(analyse)?.name).toBe('process rca-analyse');
    for (const step of ['rca.decode', 'rca.detect', 'rca.render']) expect(parentOf(one(step))?.spanId).toBe(analyse.spanId);
    // Block profile, goroutines and the execution trace agree.
    expect(attr(one('rca.detect'), 'rca.verdict')?.stringValue).toBe('confirmed');
    // Publish: each chat call, and Slack's own HTTP request under it.
    const postReport = one('chat postReport');
    expect(ancestors(postReport)).toContain('process rca-publish');
    expect(spans.some((s) => s.parentSpanId === postReport.spanId && s.kind === 3)).toBe(true);
    // The worker's log lines of this diagnosis carry its trace id.
    const logged = workerLines.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []));
    const ours = logged.filter((l) => l.trace_id === traceId);
    expect(ours.map((l) => l.msg)).toEqual(expect.arrayContaining(['capture started', 'capture done', 'analyse started', 'verdict', 'publish done']));
    expect(ours.every((l) => typeof l.span_id === 'string' && /^[0-9a-f]{16}$/.test(l.span_id as string))).toBe(true);
    // No secret in any line.
    expect(workerLines.join('\n')).not.toContain('xoxb-otel-test-token');
  }, 90_000);

  it('a capture that fails records its error on its span', async () => {
    expect((await ask('gone-api', 'otel-2')).status).toBe(200);
    const traceId = await traceOfReport('gone-api');
    const spans = await spansWhen(traceId, (all) => all.some((s) => s.name === 'capture cpu'), 'the failed capture in Jaeger');
    const cpu = spans.find((s) => s.name === 'capture cpu');
    expect(cpu?.status?.code).toBe(2);
    expect(cpu?.status?.message).toBe(`connection refused by 127.0.0.1:${closedPort} (is the service running?)`);
  }, 60_000);
});
