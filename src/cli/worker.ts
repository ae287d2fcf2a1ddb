// `rca-bot worker`: only the pipeline's workers, to scale out on more
// machines against the same Redis. It posts to whichever chats are configured.
import { shutDown, startWorkers } from '../../workers/index.js';
import { RateLimiter } from '../../commands/limits.js';
import type { ChatAdapter, Platform } from '../chat/adapter.js';
import { ConsoleAdapter } from '../chat/console/adapter.js';
import { ConsoleStore } from '../chat/console/store.js';
import { createClient as createFeishuClient, FeishuAdapter } from '../chat/feishu/adapter.js';
import { slackClient, SlackAdapter } from '../chat/slack/adapter.js';
import { readEnv, secretValues } from '../config/env.js';
import { UserError } from '../errors.js';
import { connectRedis, ensureRedis, describeTarget, keyPrefix, redisTargetOf } from '../server/redis.js';
import { registry as metricsRegistry } from '../telemetry/metrics.js';
import { serveMetrics } from '../telemetry/route.js';
import type { Io } from './io.js';
import { addSecrets, log } from '../telemetry/log.js';

export async function runWorker(_argv: string[], io: Io, source: NodeJS.ProcessEnv = process.env): Promise<number> {
  const parsed = readEnv(source);
  if (!parsed.ok) throw new UserError(parsed.error);
  const env = parsed.value;
  addSecrets(secretValues(env, source));
  const target = redisTargetOf(env);
  if (!target.ok) throw new UserError(target.error);
  const url = await ensureRedis(target.value, (line) => log.info(line));
  if (!url.ok) throw new UserError(url.error);
  const prefix = keyPrefix(url.value, env.RCA_REDIS_PREFIX);
  const redis = connectRedis(url.value, (line) => log.warn(line));
  const adapters: Partial<Record<Platform, ChatAdapter>> = { console: new ConsoleAdapter(new ConsoleStore(redis, `${prefix}:console`)) };
  if (env.SLACK_BOT_TOKEN) adapters.slack = new SlackAdapter(slackClient(env));
  if (env.FEISHU_APP_ID && env.FEISHU_APP_SECRET) adapters.feishu = new FeishuAdapter(createFeishuClient(env));
  const limiter = new RateLimiter(redis, prefix);
  const workers = startWorkers({ redisUrl: url.value, prefix: prefix, adapters, lockDuration: env.RCA_WORKER_LOCK_MS, stalledInterval: env.RCA_WORKER_STALLED_MS, threads: true, publicUrl: () => env.RCA_PUBLIC_URL, reportTtlSeconds: env.RCA_REPORT_TTL_DAYS * 86400, mayCapture: (service) => limiter.takeService(service) });
  const metricsServer = env.METRICS_PORT === undefined ? undefined : await serveMetrics(metricsRegistry, env.METRICS_PORT);
  log.info(`rca-bot worker is up on ${describeTarget(url.value)} (${Object.keys(adapters).join(', ')})${metricsServer ? `; metrics on http://127.0.0.1:${metricsServer.port}/metrics` : ''}`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  metricsServer?.server.close();
  await shutDown(workers, env.RCA_SHUTDOWN_S, (line) => log.info(line));
  await redis.quit();
  return 0;
}
