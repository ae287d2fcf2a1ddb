// The incident drill: a Go service on pgx, client_golang and the OpenTelemetry
// SDK under load from another process, the machine's PostgreSQL, Debian's
// Prometheus and Alertmanager, Jaeger v2, the service's log file, and the bot
// (`rca-bot serve`) with a fake Slack API to read back what it posts. The
// fault starts, Prometheus fires, Alertmanager posts, the bot diagnoses in the
// alert's thread; the fault stops, the incident resolves in place; /rca digest
// shows it. The test (test/drill.test.ts), `npm run drill` and `npm run bench --
// drill` run this same function.
import { createHmac, randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startBot, type Bot } from '../helpers/bot.js';
import { startLoad, startTarget, type Target } from '../helpers/go.js';
import { jaegerVersion, startJaeger, type Jaeger } from '../helpers/jaeger.js';
import { startAlertmanager, startPrometheus, type Running } from '../helpers/prom-stack.js';
import { cleanup, redisUrl, until } from '../helpers/redis.js';
import { FakeSlack, type Call } from '../helpers/slack-fake.js';
import { freePort } from '../helpers/server.js';

const CHANNEL = 'CINCIDENT';
const SECRET = 'drill-signing-secret';
/** The capture window of a diagnosis in the drill. */
export const WINDOW_SECONDS = 5;

export interface Phase {
  service: string;
  /** The report posted in the alert's thread. */
  report: Call;
  /** The incident's message, last edit: resolved, with its time to resolve. */
  resolved: Call;
  timings: { alertToVerdict: number; faultToVerdict: number; faultOffToResolved: number };
}

export interface DrillResult {
  /** The first fault: order-api's pool exhausted by slow queries. */
  pool: Phase;
  /** The second: checkout-api's calls to a slow inventory service (gRPC). */
  downstream: Phase;
  /** The first fault again on a bad day: Jaeger down, Prometheus answering errors, the log file rotated. */
  badDay: Phase;
  /** = pool.report */
  report: Call;
  /** Every Slack API call, in order. */
  calls: Call[];
  /** The incident's message, last edit: resolved, with its time to resolve. */
  resolved: Call;
  /** The digest's text message. */
  digest: Call;
  timings: {
    /** Alertmanager's POST reaching the bot → the report in the thread, ms. */
    alertToVerdict: number;
    /** The fault switched on → the report in the thread, ms. */
    faultToVerdict: number;
    /** The fault switched off → the incident resolved in place, ms. */
    faultOffToResolved: number;
  };
  /** What the bot logged (JSON lines). */
  botLog: Record<string, unknown>[];
}

type Say = (line: string) => void;

/** Wall-clock ms of a fake Slack call (performance.now() of this process). */
const wall = (c: Call) => performance.timeOrigin + (c.at ?? 0);

/**
 * `record`: a folder where the real programs' answers are written as they give them (the Alertmanager
 * webhook bodies, Jaeger's api_v3 and Prometheus' query_range answers, and their errors), for the
 * tests that pin our clients to them (test/recorded/).
 */
export async function runDrill(say: Say = () => undefined, record?: string): Promise<DrillResult> {
  const prefix = `drill-${randomBytes(4).toString('hex')}`;
  const token = randomBytes(12).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), 'rca-drill-'));
  const logFile = join(dir, 'order-api.log');
  const stack: { stop(): Promise<void> }[] = [];
  const slack = new FakeSlack();
  try {
    await slack.start();
    stack.push({ stop: () => slack.close() });
    const jaeger: Jaeger = await startJaeger();
    stack.push(jaeger);
    say(`jaeger is up: OTLP ${jaeger.otlp}, query ${jaeger.query}`);
    const target: Target = await startTarget(['-mode', 'pgxpool', '-fault-off', '-log', logFile], { env: { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp, OTEL_SERVICE_NAME: 'order-api' } });
    stack.push(target);
    say(`order-api is up at ${target.url} (pgxpool on PostgreSQL, the fault off), logging to ${logFile}`);
    const checkoutLog = join(dir, 'checkout-api.log');
    const checkout: Target = await startTarget(['-mode', 'grpc', '-fault-off', '-log', checkoutLog], {
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: jaeger.otlp, OTEL_SERVICE_NAME: 'checkout-api', TARGET_DOWNSTREAM_NAME: 'inventory' },
    });
    stack.push(checkout);
    say(`checkout-api is up at ${checkout.url} (calls the inventory service over gRPC once its fault is on), logging to ${checkoutLog}`);
    const load = startLoad(`${target.url}/work`, 150);
    stack.push(load);
    const checkoutLoad = startLoad(`${checkout.url}/work`, 100);
    stack.push(checkoutLoad);
    say('load is on: 150 and 100 requests a second from separate processes');

    // The bot: its port is known once it is up, and Alertmanager needs it; Prometheus needs Alertmanager.
    // The registry names Prometheus before it runs (it needs Alertmanager, which needs the bot), and
    // reads it through a pass-through proxy that can answer errors as Prometheus does (a bad day).
    const promPort = await freePort();
    const promProxy = await errorProxy(`http://127.0.0.1:${promPort}`);
    stack.push(promProxy);
    const config = join(dir, 'rca.config.yaml');
    writeFileSync(
      config,
      `services:
  order-api:
    pprof: ${target.url}
    seconds: ${WINDOW_SECONDS}
    probes:
      - name: db-pool
        url: ${target.url}/health
        expect: { json: { status: OK } }
        indicates: pool-exhaustion
    channels: { slack: [${CHANNEL}] }
    lookback: 10s
    baseline: 30s
    traces: { type: jaeger, url: '${jaeger.query}', limit: 2000 }
    logs: { type: file, path: '${logFile}' }
    metrics:
      type: prometheus
      url: '${promProxy.url}'
      queries:
        - name: connection pool usage
          signal: usage
          query: target_db_pool_in_use_connections
          limit: 8
        - name: p99 latency
          signal: latency
          query: histogram_quantile(0.99, sum by (le) (rate(target_request_duration_seconds_bucket{job="order-api"}[5s])))
  checkout-api:
    pprof: ${checkout.url}
    seconds: ${WINDOW_SECONDS}
    channels: { slack: [${CHANNEL}] }
    lookback: 10s
    baseline: 30s
    traces: { type: jaeger, url: '${jaeger.query}', limit: 2000 }
    logs: { type: file, path: '${checkoutLog}' }
    metrics:
      type: prometheus
      url: '${promProxy.url}'
      queries:
        - name: p99 latency
          signal: latency
          query: histogram_quantile(0.99, sum by (le) (rate(target_request_duration_seconds_bucket{job="checkout-api"}[5s])))
        - name: inventory p99 latency
          signal: latency
          service: inventory
          query: histogram_quantile(0.99, sum by (le) (rate(target_downstream_duration_seconds_bucket{job="checkout-api",peer="inventory"}[5s])))
`,
    );
    const bot: Bot = await startBot(
      {
        RCA_CONFIG: config,
        REDIS_URL: redisUrl,
        RCA_REDIS_PREFIX: prefix,
        SLACK_BOT_TOKEN: 'xoxb-drill',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: `${slack.url}api/`,
        ALERTMANAGER_TOKEN: token,
        RCA_LOG_FORMAT: 'json',
        RCA_LOG_LEVEL: 'info',
      },
      [],
      'pipe',
    );
    stack.push(bot);
    stack.push({
      stop: async () => {
        const redis = new Redis(redisUrl);
        await cleanup(redis, prefix);
        await redis.quit();
      },
    });
    say(`the bot is up at ${bot.base}`);
    const recorder = record ? await webhookRecorder() : undefined;
    if (recorder) stack.push(recorder);
    const am: Running = await startAlertmanager({ webhook: `${bot.base}/alerts/alertmanager`, token, ...(recorder ? { also: recorder.url } : {}) });
    stack.push(am);
    say(`${am.version} is up at ${am.url}, posting to the bot with a bearer token`);
    const prom: Running = await startPrometheus({
      targets: { 'order-api': new URL(target.url).host, 'checkout-api': new URL(checkout.url).host },
      alertmanager: am.url,
      rules: `groups:
  - name: order-api
    interval: 1s
    rules:
      - record: order_api:db_pool_wait_seconds:rate5s
        expr: rate(target_db_pool_wait_seconds_total[5s])
      - alert: DbPoolExhausted
        expr: order_api:db_pool_wait_seconds:rate5s > 1
        labels: { service: order-api, severity: page }
        annotations: { summary: requests wait for a database connection }
      - alert: CheckoutSlow
        expr: histogram_quantile(0.99, sum by (le) (rate(target_request_duration_seconds_bucket{job="checkout-api"}[5s]))) > 0.1
        labels: { service: checkout-api, severity: page }
        annotations: { summary: checkout p99 latency over 100 ms }
`,
      port: promPort,
    });
    stack.push(prom);
    say(`${prom.version} is up at ${prom.url}, scraping order-api and checkout-api every second`);

    // A baseline: the service healthy for longer than the diagnosis's baseline offset plus its lookback.
    await until(async () => {
      const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent('count_over_time(up{job="order-api"}[1m])')}`).catch(() => undefined);
      const body = res?.ok ? ((await res.json()) as { data: { result: { value: [number, string] }[] } }) : undefined;
      return Number(body?.data.result[0]?.value[1] ?? 0) >= 52;
    }, 'a minute of healthy service in Prometheus', 90_000);

    const botLog = () => bot.stderr.flatMap((l) => (l.startsWith('{') ? [JSON.parse(l) as Record<string, unknown>] : []));
    /** A fault on until its alert's thread has the verdict, then off until the incident is resolved in place. */
    const phase = async (service: string, url: string, what: string): Promise<Phase & { faultAt: number }> => {
      const alertsBefore = botLog().filter((l) => l.msg === 'alerts received' && Number(l.firing) > 0).length;
      // Only what is posted from now on: an earlier phase may have diagnosed the same service.
      const from = slack.calls.length;
      const since = () => slack.calls.slice(from);
      const faultAt = Date.now();
      await fetch(`${url}/fault?on=true`, { method: 'POST' });
      say(`${service}: the fault is on: ${what}`);
      const verdictOf = new RegExp(`^\\S+ ${service}: (confirmed|likely|needs-review|healthy|inconclusive)`);
      const report = await until(async () => since().find((c) => c.method === 'chat.postMessage' && c.body.channel === CHANNEL && c.body.thread_ts && verdictOf.test(c.body.text ?? '')), `the report on ${service} in the alert thread`, 90_000);
      const received = botLog().filter((l) => l.msg === 'alerts received' && Number(l.firing) > 0)[alertsBefore];
      say(`${service}: the verdict is in the thread: ${report.body.text?.split('\n')[0]}`);
      if (process.env.RCA_DRILL_VERBOSE) for (const b of JSON.parse(report.body.blocks ?? '[]') as { text?: { text?: string }; elements?: { text?: string }[] }[]) say(b.text?.text ?? b.elements?.map((e) => e.text).join(' ') ?? '');
      const offAt = Date.now();
      await fetch(`${url}/fault?on=false`, { method: 'POST' });
      say(`${service}: the fault is off`);
      const resolved = await until(async () => [...since()].reverse().find((c) => c.method === 'chat.update' && c.body.channel === CHANNEL && c.body.text?.startsWith('✅ Resolved after') && c.body.text.includes(`(${service})`)), `the ${service} incident resolved in place`, 90_000);
      say(`${service}: ${resolved.body.text?.split('\n')[0]}`);
      const timings = {
        alertToVerdict: Math.round(wall(report) - Number(received?.time ?? NaN)),
        faultToVerdict: Math.round(wall(report) - faultAt),
        faultOffToResolved: Math.round(wall(resolved) - offAt),
      };
      say(`${service}: alert POST → verdict ${(timings.alertToVerdict / 1000).toFixed(1)} s (window ${WINDOW_SECONDS} s); fault on → verdict ${(timings.faultToVerdict / 1000).toFixed(1)} s; fault off → resolved ${(timings.faultOffToResolved / 1000).toFixed(1)} s`);
      return { service, report, resolved, timings, faultAt };
    };
    const pool = await phase('order-api', target.url, 'every request takes a 100 ms query on a pool of 8');
    const downstream = await phase('checkout-api', checkout.url, 'every request waits 150 ms for the inventory service');

    if (record && recorder) await saveRecordings(record, { jaeger, prom, am, recorder, faultAt: pool.faultAt });

    // A bad day: the same fault with Jaeger down, Prometheus answering errors and the log file rotated
    // (logrotate's copytruncate with a date extension, so no order-api.log.1 beside it).
    await jaeger.stop();
    promProxy.broken = true;
    copyFileSync(logFile, `${logFile}-20261203`);
    truncateSync(logFile, 0);
    say('a bad day: Jaeger is down, Prometheus answers 503 to queries, order-api.log was rotated');
    const badDay = await phase('order-api', target.url, 'the pool again, on a bad day');
    promProxy.broken = false;

    const body = new URLSearchParams({ command: '/rca', text: 'digest 7d', channel_id: CHANNEL, user_id: 'ULEAD', trigger_id: 'drill-digest', team_id: 'T1', response_url: 'http://127.0.0.1:9/none' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    await fetch(`${bot.base}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body });
    const digest = await until(async () => slack.calls.find((c) => c.method === 'chat.postMessage' && /^📈 MTTR digest/.test(c.body.text ?? '')), 'the digest', 60_000);
    await until(async () => {
      const asked = slack.calls.findIndex((c) => c.method === 'files.getUploadURLExternal' && c.body.filename === 'mttr-7d.png');
      return asked >= 0 && slack.calls.slice(asked).some((c) => c.method === 'files.completeUploadExternal');
    }, 'the digest chart', 60_000);
    say(`digest: ${digest.body.text?.split('\n').slice(0, 3).join(' / ')}, with its chart`);

    return { pool, downstream, badDay, report: pool.report, calls: [...slack.calls], resolved: pool.resolved, digest, timings: pool.timings, botLog: botLog() };
  } finally {
    for (const s of stack.reverse()) await s.stop().catch(() => undefined);
  }
}

/** A loopback webhook that keeps every body it is sent. */
async function webhookRecorder(): Promise<{ url: string; bodies: string[]; stop(): Promise<void> }> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, bodies, stop: () => new Promise((ok) => server.close(() => ok())) };
}

async function saveRecordings(dir: string, s: { jaeger: Jaeger; prom: Running; am: Running; recorder: { bodies: string[] }; faultAt: number }): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const version = (r: Running) => /version (\S+)/.exec(r.version)?.[1] ?? 'unknown';
  const save = async (name: string, res: Response) => {
    const body = await res.text();
    // Pretty-printed, so a reader sees the fields; the test reads them as JSON either way.
    writeFileSync(join(dir, name), `${JSON.stringify({ status: res.status, contentType: res.headers.get('content-type'), body: JSON.parse(body) as unknown }, null, 1)}\n`);
  };
  const firing = s.recorder.bodies.find((b) => (JSON.parse(b) as { status: string }).status === 'firing');
  const resolved = s.recorder.bodies.find((b) => (JSON.parse(b) as { status: string }).status === 'resolved');
  for (const [name, body] of [['firing', firing], ['resolved', resolved]] as const)
    if (body) writeFileSync(join(dir, `alertmanager-${version(s.am)}-webhook-${name}.json`), `${JSON.stringify(JSON.parse(body), null, 1)}\n`);
  const from = new Date(s.faultAt - 5000).toISOString();
  const to = new Date(s.faultAt).toISOString();
  const v3 = (q: Record<string, string>) => fetch(`${s.jaeger.query}/api/v3/traces?${new URLSearchParams({ 'query.service_name': 'order-api', 'query.start_time_min': from, 'query.start_time_max': to, ...q })}`);
  await save(`jaeger-${jaegerVersion}-api_v3-traces.json`, await v3({ 'query.num_traces': '2' }));
  await save(`jaeger-${jaegerVersion}-api_v3-traces-without-num_traces.json`, await v3({ 'query.search_depth': '2' }));
  await save(`jaeger-${jaegerVersion}-api_v3-no-traces.json`, await fetch(`${s.jaeger.query}/api/v3/traces?${new URLSearchParams({ 'query.service_name': 'nobody', 'query.start_time_min': from, 'query.start_time_max': to, 'query.num_traces': '2' })}`));
  const range = (query: string) => fetch(`${s.prom.url}/api/v1/query_range?${new URLSearchParams({ query, start: String(s.faultAt / 1000 - 4), end: String(s.faultAt / 1000), step: '2' })}`);
  await save(`prometheus-${version(s.prom)}-query_range.json`, await range('target_db_pool_in_use_connections'));
  await save(`prometheus-${version(s.prom)}-query_range-bad-query.json`, await range('sum(rate(target_requests_total[5s])'));
}

/** Passes every request to `upstream`, or, once `broken`, answers as an overloaded Prometheus does. */
export async function errorProxy(upstream: string): Promise<{ url: string; broken: boolean; stop(): Promise<void> }> {
  const state = { broken: false };
  const server = createServer((req, res) => {
    if (state.broken) {
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', errorType: 'timeout', error: 'query timed out in query execution' }));
      return;
    }
    const up = httpRequest(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    req.pipe(up);
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, { url, stop: () => new Promise<void>((ok) => server.close(() => ok())) });
}
