// `rca-bot serve`: the bot. HTTP (the console page, and Slack and Feishu
// when configured), the pipeline's workers in the same process unless
// --no-workers, and with no registry file a demo target with a fault.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { withBacklog } from '../../commands/backlog.js';
import { createInbox } from '../../commands/handler.js';
import { RateLimiter } from '../../commands/limits.js';
import { shutDown, startWorkers, type Workers } from '../../workers/index.js';
import type { ChatAdapter, Platform } from '../chat/adapter.js';
import { ConsoleAdapter } from '../chat/console/adapter.js';
import { consoleRoutes } from '../chat/console/routes.js';
import { ConsoleStore } from '../chat/console/store.js';
import { createFeishu } from '../chat/feishu/events.js';
import { createSlack } from '../chat/slack/app.js';
import { readEnv, secretValues, type Env } from '../config/env.js';
import { loadRegistry, validateRegistry, type Registry } from '../config/registry.js';
import { UserError } from '../errors.js';
import { takeAlerts } from '../incidents/intake.js';
import { IncidentStore } from '../incidents/store.js';
import { Digests } from '../queue/digests.js';
import { Baselines } from '../queue/baselines.js';
import { capCaptures, Pipeline } from '../queue/pipeline.js';
import { reportRoutes } from '../reports/routes.js';
import { ReportStore } from '../reports/store.js';
import { alertRoutes } from '../server/alerts.js';
import { startServer } from '../server/http.js';
import { connectRedis, ensureRedis, describeTarget, keyPrefix, redisTargetOf } from '../server/redis.js';
import { registry as metricsRegistry, watchQueues } from '../telemetry/metrics.js';
import { sendMetricsRoute, serveMetrics } from '../telemetry/route.js';
import { digestQueue } from '../queue/digests.js';
import { queues } from '../queue/pipeline.js';
import type { Io } from './io.js';
import { addSecrets, log } from '../telemetry/log.js';
import { runChecks } from '../doctor/checks.js';
import { ScrapeStore, startScrapers } from '../sources/metrics/scrape.js';
import { tellStory } from '../demo/story.js';

const here = dirname(fileURLToPath(import.meta.url));

async function startDemo(): Promise<{ url: string; log: string; startedAt: number; children: ChildProcess[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'rca-bot-demo-'));
  const logFile = join(dir, 'demo-api.log');
  const startedAt = Date.now();
  const target = spawn(process.execPath, ['--expose-gc', join(here, '../demo/target.js'), '--log', logFile], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: target.stdout! }).once('line', ok);
    target.once('exit', (code) => fail(new Error(`the demo target exited with ${code}`)));
  });
  const url = `http://127.0.0.1:${(JSON.parse(line) as { port: number }).port}`;
  const load = spawn(process.execPath, [join(here, '../demo/load.js'), `${url}/orders`, '60'], { stdio: 'ignore' });
  return { url, log: logFile, startedAt, children: [target, load] };
}

// The demo service has every source a real one has, none of them needing more than Node: its pprof,
// a health probe, its /metrics read by the bot's own scraper, and its log file.
function demoRegistry(url: string, logFile: string): Registry {
  const r = validateRegistry(
    {
      services: {
        'demo-api': {
          pprof: url,
          seconds: 5,
          lookback: '10s',
          baseline: '20s',
          probes: [{ name: 'health', url: `${url}/health`, expect: { json: { status: 'OK' } }, indicates: 'cpu-hotspot' }],
          metrics: { type: 'scrape', url: `${url}/metrics`, every: '1s', queries: [{ name: 'CPU usage', signal: 'usage', metric: 'process_cpu_seconds_total', limit: 1, unit: 'cores' }] },
          logs: { type: 'file', path: logFile },
        },
      },
    },
    'demo',
  );
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

export async function runServe(argv: string[], io: Io, source: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { 'no-workers': { type: 'boolean', default: false } } });
  const parsedEnv = readEnv(source);
  if (!parsedEnv.ok) throw new UserError(parsedEnv.error);
  const env: Env = parsedEnv.value;
  addSecrets(secretValues(env, source));
  const say = (line: string) => log.info(line);
  const target = redisTargetOf(env);
  if (!target.ok) throw new UserError(target.error);
  const redisUrl = await ensureRedis(target.value, say);
  if (!redisUrl.ok) throw new UserError(redisUrl.error);
  const prefix = keyPrefix(redisUrl.value, env.RCA_REDIS_PREFIX);

  const children: ChildProcess[] = [];
  let registry: Registry;
  let demo: Awaited<ReturnType<typeof startDemo>> | undefined;
  if (existsSync(env.RCA_CONFIG) || source.RCA_CONFIG) {
    const r = loadRegistry(env.RCA_CONFIG);
    if (!r.ok) throw new UserError(r.error);
    registry = r.value;
  } else {
    demo = await startDemo();
    children.push(...demo.children);
    registry = demoRegistry(demo.url, demo.log);
    say(`no ${env.RCA_CONFIG}: the demo service demo-api runs at ${demo.url}; the console tells its story`);
  }

  const redis = connectRedis(redisUrl.value, (line) => log.warn(line));
  const scrapers = startScrapers(registry, new ScrapeStore(redis, prefix), (line) => log.warn(line));
  const store = new ConsoleStore(redis, `${prefix}:console`);
  const adapters: Partial<Record<Platform, ChatAdapter>> = { console: new ConsoleAdapter(store) };
  const pipeline = new Pipeline(redis, prefix, adapters);
  const adapter = (p: Platform) => pipeline.adapter(p);
  const incidents = new IncidentStore(redis, prefix);
  const digests = new Digests(redis, prefix);
  await digests.schedule(registry.digests);
  await capCaptures(redis, prefix, registry.limits.captures);
  const baselines = new Baselines(redis, prefix);
  const scheduled = await baselines.schedule(registry);
  if (scheduled.length) log.info(`scheduled healthy baselines: ${scheduled.join(', ')}`);
  const limiter = new RateLimiter(redis, prefix);
  // The demo fires its own alert, as Alertmanager would: it needs a token to be let in.
  const alertEnv: Env = demo !== undefined && !env.ALERTMANAGER_TOKEN ? { ...env, ALERTMANAGER_TOKEN: randomBytes(16).toString('hex') } : env;
  const inbox = withBacklog(createInbox({ registry, pipeline, adapter, limiter, incidents, digests }));
  // Known once the server listens, unless RCA_PUBLIC_URL says where users reach the bot.
  let publicUrl = env.RCA_PUBLIC_URL;
  let workers: Workers | undefined;
  if (!values['no-workers'])
    workers = startWorkers({ redisUrl: redisUrl.value, prefix: prefix, adapters, lockDuration: env.RCA_WORKER_LOCK_MS, stalledInterval: env.RCA_WORKER_STALLED_MS, threads: true, publicUrl: () => publicUrl, reportTtlSeconds: env.RCA_REPORT_TTL_DAYS * 86400, mayCapture: (service) => limiter.takeService(service) });
  const subscriber = connectRedis(redisUrl.value, (line) => log.warn(line));
  const routes = consoleRoutes(store, inbox, subscriber);
  const [fallbackPlatform, fallbackChannel] = env.RCA_ALERT_CHANNEL.split(/:(.*)/s) as [Platform, string];
  const intake = {
    registry,
    pipeline,
    incidents,
    adapter: (p: Platform) => adapters[p],
    fallback: { platform: fallbackPlatform, channel: fallbackChannel },
    serviceLabel: env.RCA_ALERT_LABEL,
  };
  routes.push(...reportRoutes(new ReportStore(redis, `${prefix}:reports`, { ttlSeconds: env.RCA_REPORT_TTL_DAYS * 86400 }), { traceUrl: env.RCA_TRACE_URL }));
  routes.push(...alertRoutes(alertEnv, (alerts, by) => takeAlerts(intake, alerts, by), (line) => log.warn(line)));
  routes.push(sendMetricsRoute(metricsRegistry));
  const watched = watchQueues(redis, prefix, [...Object.values(queues), digestQueue]);
  const metricsServer = env.METRICS_PORT === undefined ? undefined : await serveMetrics(metricsRegistry, env.METRICS_PORT);
  if (metricsServer) say(`metrics on http://127.0.0.1:${metricsServer.port}/metrics`);
  const surfaces: { start(): Promise<void>; stop(): Promise<void> }[] = [];
  // Slack and Feishu join when their credentials are in the environment.
  if (env.SLACK_BOT_TOKEN && (env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN)) {
    const slack = createSlack(env, inbox);
    adapters.slack = slack.adapter;
    routes.push(slack.route);
    surfaces.push(slack);
  }
  if (env.FEISHU_APP_ID && env.FEISHU_APP_SECRET) {
    const feishu = createFeishu(env, inbox, redis, prefix);
    adapters.feishu = feishu.adapter;
    routes.push(feishu.route);
    surfaces.push(feishu);
  }
  for (const s of surfaces) await s.start();
  const { server, port } = await startServer(routes, env.PORT);
  publicUrl ??= `http://127.0.0.1:${port}`;
  const on = ['console', ...Object.keys(adapters).filter((a) => a !== 'console')].join(', ');
  say(`chat surfaces: ${on}`);
  io.out(`rca-bot is up: open http://127.0.0.1:${port}/console and type /rca ${Object.keys(registry.services)[0] ?? 'help'}`);
  const stopStory = new AbortController();
  if (demo)
    void tellStory({
      store,
      inbox,
      target: demo.url,
      bot: `http://127.0.0.1:${port}`,
      alertToken: alertEnv.ALERTMANAGER_TOKEN as string,
      startedAt: demo.startedAt,
      baseline: registry.services['demo-api'].baseline,
      signal: stopStory.signal,
      say,
    }).catch((e: unknown) => stopStory.signal.aborted || log.warn(`the demo stopped: ${e instanceof Error ? e.message : String(e)}`));
  // rca-bot doctor's checks, logged once the bot is up: a broken part is named before a command meets it.
  void runChecks(source).then(
    (checks) => {
      for (const c of checks) (c.level === 'ok' ? log.info : log.warn).call(log, `check ${c.what}: ${c.detail}${c.fix ? ` (${c.fix})` : ''}`);
    },
    (e: unknown) => log.warn(`checks failed to run: ${e instanceof Error ? e.message : String(e)}`),
  );

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  say('stopping');
  stopStory.abort();
  scrapers.stop();
  server.close();
  metricsServer?.server.close();
  await watched.close();
  for (const s of surfaces) await s.stop();
  if (workers) await shutDown(workers, env.RCA_SHUTDOWN_S, say);
  await pipeline.close();
  await digests.close();
  await baselines.close();
  for (const c of children) c.kill();
  if (demo) rmSync(dirname(demo.log), { recursive: true, force: true });
  subscriber.disconnect();
  await redis.quit();
  return 0;
}
