// `rca-bot doctor` on a good set-up (real Redis, a real Go service, the chat
// platforms' SDKs against their loopback fakes) and on a broken one, where
// each broken part is named with what to do.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../src/cli/doctor.js';
import { formatChecks, runChecks, type Check } from '../src/doctor/checks.js';
import { startFakeOpenApi, type FakeOpenApi } from './helpers/feishu-fake.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { hasRedis, redisUrl } from './helpers/redis.js';
import { FakeSlack } from './helpers/slack-fake.js';

async function doctor(env: Record<string, string>): Promise<{ code: number; checks: Check[]; text: string }> {
  const out: string[] = [];
  const code = await runDoctor(['--json'], { out: (l: string) => out.push(l), err: () => {} }, env);
  const checks = JSON.parse(out.join('\n')) as Check[];
  return { code, checks, text: formatChecks(checks) };
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  await new Promise((ok) => server.close(ok));
  return port;
}

const line = (checks: Check[], what: string) => checks.find((c) => c.what === what);

describe.skipIf(!hasRedis || !hasGo)('rca-bot doctor', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-doctor-'));
  const slack = new FakeSlack();
  let feishu: FakeOpenApi;
  let target: Target;

  beforeAll(async () => {
    await slack.start();
    feishu = await startFakeOpenApi();
    // Lock contention: block and mutex profiling on, with events in both.
    target = await startLoadedTarget(['-mode', 'lock'], 100);
  });
  afterAll(async () => {
    await target?.stop();
    await slack.close();
    await feishu?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const chatEnv = () => ({ SLACK_BOT_TOKEN: 'xoxb-doctor', SLACK_SIGNING_SECRET: 'secret', SLACK_API_URL: `${slack.url}api/`, FEISHU_APP_ID: 'cli_doctor', FEISHU_APP_SECRET: 'secret', FEISHU_DOMAIN: feishu.url });

  it('passes on a good set-up, one line per part', async () => {
    const log = join(dir, 'order-api.log');
    writeFileSync(log, '{"msg":"ok"}\n');
    const config = join(dir, 'good.yaml');
    writeFileSync(
      config,
      `services:\n  order-api:\n    pprof: ${target.url}\n    probes:\n      - name: health\n        url: ${target.url}/health\n    logs: {type: file, path: ${log}}\n` +
        `    metrics:\n      type: scrape\n      url: ${target.url}/metrics\n      queries: [{name: request rate, signal: usage, metric: target_requests_total}, {name: goroutines, signal: usage, metric: go_goroutines}]\n`,
    );
    const { code, checks, text } = await doctor({ REDIS_URL: redisUrl, RCA_CONFIG: config, ...chatEnv() });
    expect(checks.filter((c) => c.level === 'fail'), text).toEqual([]);
    expect(code).toBe(0);
    expect(checks.map((c) => c.what)).toEqual(['environment', 'registry', 'redis', 'order-api pprof', 'order-api probe health', 'order-api metrics (scrape)', 'order-api logs (file)', 'slack', 'feishu']);
    expect(line(checks, 'order-api metrics (scrape)')?.detail).toBe(`${target.url}/metrics: request rate counter, goroutines gauge`);
    expect(line(checks, 'environment')?.detail).toBe('chat: console, Slack (HTTP), Feishu (long connection); port 3000');
    expect(line(checks, 'registry')?.detail).toBe(`${config}: 1 service`);
    expect(line(checks, 'redis')?.detail).toMatch(/^\d+\.\d+\.\d+ at redis:\/\/127\.0\.0\.1:6379, AOF (on|off), maxmemory-policy \S+$/);
    expect(line(checks, 'order-api pprof')).toMatchObject({ level: 'ok', detail: `${target.url} serves allocs, block, goroutine, heap, mutex, profile, trace` });
    expect(line(checks, 'order-api probe health')?.detail).toBe(`GET ${target.url}/health: HTTP 200`);
    expect(line(checks, 'slack')).toMatchObject({ level: 'ok', detail: 'auth.test: team T1, bot user UBOT; scopes commands, app_mentions:read, chat:write, files:write' });
    expect(line(checks, 'feishu')).toMatchObject({ level: 'ok', detail: expect.stringMatching(/^tenant token and bot info: rca-bot \(ou_\w+\)$/) });
    expect(text).toMatch(/^✓ environment: chat: console/);
    expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']);
  });

  it('names each broken part and what to do, and exits 2', async () => {
    const config = join(dir, 'bad.yaml');
    const dead = `127.0.0.1:${await deadPort()}`;
    writeFileSync(
      config,
      `services:\n  order-api:\n    pprof: http://${dead}\n    probes:\n      - name: db\n        url: http://${dead}/health\n    logs: {type: file, path: ${join(dir, 'missing.log')}}\n    metrics:\n      type: prometheus\n      url: http://${dead}\n      queries: [{name: error ratio, signal: error-ratio, query: 'up'}]\n` +
        `  billing:\n    pprof: ${target.url}\n    metrics:\n      type: scrape\n      url: ${target.url}/metrics\n      queries: [{name: pool usage, signal: usage, metric: sql_open_connections}]\n`,
    );
    slack.token = 'xoxb-another';
    feishu.failNext('tenant_access_token', { code: 10014, msg: 'app secret invalid' });
    try {
      // Another app id: the Lark SDK keeps a tenant token per app for as long as it lives.
      const { code, checks, text } = await doctor({ REDIS_URL: `redis://:s3cret@${dead}/0?password=s3cret`, RCA_CONFIG: config, ...chatEnv(), FEISHU_APP_ID: 'cli_broken' });
      expect(code).toBe(2);
      const failed = Object.fromEntries(checks.filter((c) => c.level === 'fail').map((c) => [c.what, `${c.detail} → ${c.fix}`]));
      expect(Object.keys(failed).sort(), text).toEqual(['billing metrics (scrape)', 'feishu', 'order-api logs (file)', 'order-api metrics (prometheus)', 'order-api pprof', 'order-api probe db', 'redis', 'slack']);
      expect(failed['billing metrics (scrape)']).toBe(`${target.url}/metrics has no sample for pool usage → fix the metric or labels of services.billing.metrics.queries`);
      // The password is not shown, wherever the URL carries it.
      expect(failed.redis).toMatch(new RegExp(`^redis://${dead}/0: .*ECONNREFUSED.* → start Redis or fix REDIS_URL$`));
      expect(text).not.toContain('s3cret');
      expect(failed['order-api pprof']).toBe(`GET http://${dead}/debug/pprof/: connection refused by ${dead} (is the service running?) → start the service, or fix services.order-api.pprof`);
      expect(failed['order-api logs (file)']).toBe(`${join(dir, 'missing.log')}: ENOENT → fix services.order-api.logs.path, or let the bot read it`);
      expect(failed.slack).toMatch(/^auth\.test: .*invalid_auth → check SLACK_BOT_TOKEN/);
      expect(failed.feishu).toMatch(/→ check FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_DOMAIN$/);
      // No stack traces: every line is one line.
      for (const c of checks) expect(c.detail).not.toContain('\n');
    } finally {
      slack.token = undefined;
    }
  });

  it.each([
    [{ SLACK_SIGNING_SECRET: 'secret' }, 'Slack is half set up: SLACK_BOT_TOKEN is unset'],
    [{ SLACK_BOT_TOKEN: 'xoxb-x' }, 'Slack needs SLACK_SIGNING_SECRET (events over HTTP) or SLACK_APP_TOKEN (Socket Mode)'],
    [{ FEISHU_APP_ID: 'cli_x' }, 'Feishu needs both FEISHU_APP_ID and FEISHU_APP_SECRET'],
    [{ PORT: 'eighty' }, 'environment variable PORT: Invalid input: expected number, received NaN'],
  ])('a half-made environment fails in one line: %o', async (vars, detail) => {
    const { code, checks } = await doctor({ REDIS_URL: redisUrl, RCA_CONFIG: join(dir, 'none.yaml'), ...vars });
    expect(code).toBe(2);
    expect(checks[0]).toMatchObject({ what: 'environment', level: 'fail', detail });
  });

  it('a Redis that accepts the connection and never answers fails within the timeout, and lets the process go', async () => {
    const silent = createServer(() => {});
    await new Promise<void>((ok) => silent.listen(0, '127.0.0.1', ok));
    try {
      const t0 = performance.now();
      const checks = await runChecks({ REDIS_URL: `redis://127.0.0.1:${(silent.address() as AddressInfo).port}`, RCA_CONFIG: join(dir, 'none.yaml') }, { timeoutMs: 500 });
      expect(line(checks, 'redis')).toMatchObject({ level: 'fail', detail: expect.stringMatching(/no answer within 0\.5 s|timed out|Command timed out/i) });
      expect(performance.now() - t0).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('a registry that does not parse is named with its error', async () => {
    const config = join(dir, 'broken.yaml');
    writeFileSync(config, 'services:\n  order-api:\n    pprof: not-a-url\n');
    const { code, checks } = await doctor({ REDIS_URL: redisUrl, RCA_CONFIG: config });
    expect(code).toBe(2);
    expect(line(checks, 'registry')).toMatchObject({ level: 'fail', detail: expect.stringContaining('order-api'), fix: `fix ${config}` });
  });
});
