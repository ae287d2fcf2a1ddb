// The bot's alert path in this process, as the alert tests need it: a fake
// Slack API, the registry given, the pipeline and its workers on a unique
// Redis prefix, and the alert endpoints on a free port. close() undoes it all.
import type { Redis } from 'ioredis';
import { SlackAdapter, slackClient } from '../../src/chat/slack/adapter.js';
import { validateRegistry } from '../../src/config/registry.js';
import { takeAlerts } from '../../src/incidents/intake.js';
import { IncidentStore } from '../../src/incidents/store.js';
import { Pipeline } from '../../src/queue/pipeline.js';
import { alertRoutes } from '../../src/server/alerts.js';
import { startServer } from '../../src/server/http.js';
import { connectRedis, keyPrefix, type RedisTarget } from '../../src/server/redis.js';
import { Digests } from '../../src/queue/digests.js';
import { startWorkers } from '../../workers/index.js';
import { cleanup, redisUrl, uniquePrefix } from './redis.js';
import { envOf, FakeSlack } from './slack-fake.js';

export interface AlertBot {
  /** The bot's base URL: POST /alerts/alertmanager, /alerts/grafana. */
  base: string;
  slackApi: FakeSlack;
  redis: Redis;
  prefix: string;
  pipeline: Pipeline;
  incidents: IncidentStore;
  digests: Digests;
  close(): Promise<void>;
}

/** On `target` (the test Redis by default; a Sentinel or Cluster set-up for the topology tests). */
export async function startAlertBot(services: Record<string, unknown>, secrets: Record<string, string>, target: RedisTarget = redisUrl): Promise<AlertBot> {
  const prefix = keyPrefix(target, uniquePrefix());
  const slackApi = new FakeSlack();
  await slackApi.start();
  const env = envOf({ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: `${slackApi.url}api/`, ...secrets });
  const registry = validateRegistry({ services }, 'test');
  if (!registry.ok) throw new Error(registry.error);
  const redis = connectRedis(target, () => undefined);
  const adapters = { slack: new SlackAdapter(slackClient(env)) };
  const pipeline = new Pipeline(redis, prefix, adapters);
  const incidents = new IncidentStore(redis, prefix);
  const workers = startWorkers({ redisUrl: target, prefix, adapters });
  const digests = new Digests(redis, prefix);
  const intake = { registry: registry.value, pipeline, incidents, adapter: () => adapters.slack, fallback: { platform: 'slack' as const, channel: 'C-ALERTS' }, serviceLabel: 'service' };
  const server = await startServer(alertRoutes(env, (alerts, by) => takeAlerts(intake, alerts, by), () => undefined), 0, '127.0.0.1');
  return {
    base: `http://127.0.0.1:${server.port}`,
    slackApi,
    redis,
    prefix,
    pipeline,
    incidents,
    digests,
    close: async () => {
      server.server.close();
      await workers.close();
      await pipeline.close();
      await digests.close();
      await slackApi.close();
      if (typeof target === 'string') await cleanup(redis, prefix);
      await redis.quit();
    },
  };
}
