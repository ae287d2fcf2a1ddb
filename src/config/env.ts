// Configuration from the environment, read and checked once at start-up
// and passed down. Nothing else reads process.env. Secrets are kept here
// and never logged: describeEnv() shows only whether each one is set.

import { z } from 'zod';
import { err, ok, type Result } from '../errors.js';

const optional = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : s.trim()));

const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** A port of its own for GET /metrics (the bot also serves it on PORT; a worker process only here). */
  METRICS_PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(65535).optional()),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  /** A primary watched by Sentinels instead: "host:port,host:port", the primary's name, and their passwords. */
  REDIS_SENTINELS: optional,
  REDIS_SENTINEL_NAME: z.string().default('mymaster'),
  REDIS_SENTINEL_PASSWORD: optional,
  /** A Cluster instead: some of its nodes, "host:port,host:port". */
  REDIS_CLUSTER_NODES: optional,
  /** The password of the Redis servers of a Sentinel or Cluster set-up (REDIS_URL carries its own). */
  REDIS_PASSWORD: optional,
  /** TLS to the servers (and the Sentinels) of a Sentinel or Cluster set-up: 1 or true. */
  REDIS_TLS: z.string().optional().transform((v) => v === '1' || v?.toLowerCase() === 'true'),
  RCA_CONFIG: z.string().default('rca.config.yaml'),
  /** Prefix of every Redis key (queues, jobs, the console), so bots can share one Redis. */
  RCA_REDIS_PREFIX: z.string().regex(/^(?:[\w.-]+|\{[\w.-]+\}[\w.-]*)$/, 'letters, digits, dot, dash or underscore, optionally a {hash tag} first').default('rca'),
  /** How long a worker holds a job's lock, and how often stalled jobs are looked for (BullMQ's defaults). */
  RCA_WORKER_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
  RCA_WORKER_STALLED_MS: z.coerce.number().int().min(500).default(30_000),
  /** On SIGTERM, how long running jobs may take to finish before they are handed back to the queue (under Kubernetes' 30 s grace). */
  RCA_SHUTDOWN_S: z.coerce.number().min(0).max(3600).default(25),
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional,
  SLACK_API_URL: z.string().url().default('https://slack.com/api/'),
  FEISHU_APP_ID: optional,
  FEISHU_APP_SECRET: optional,
  FEISHU_VERIFICATION_TOKEN: optional,
  FEISHU_ENCRYPT_KEY: optional,
  FEISHU_DOMAIN: z.string().default('feishu'),
  /** The bot's address as chat users reach it, for report links (default: http://127.0.0.1:PORT). */
  RCA_PUBLIC_URL: z.string().url().optional(),
  /** How long report pages live. */
  /** Opens a diagnosis's own trace from its report page: a URL with {trace_id}, such as http://jaeger:16686/trace/{trace_id}. */
  RCA_TRACE_URL: z.string().url().optional(),
  RCA_REPORT_TTL_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Alert intake: an endpoint whose secret is unset refuses every post. */
  ALERTMANAGER_TOKEN: optional,
  /** "user:password", for Alertmanager's basic_auth instead of a bearer token. */
  ALERTMANAGER_BASIC_AUTH: optional,
  GRAFANA_WEBHOOK_SECRET: optional,
  GRAFANA_SIGNATURE_HEADER: z.string().default('X-Grafana-Alerting-Signature'),
  GRAFANA_TIMESTAMP_HEADER: z.string().default('X-Grafana-Alerting-Timestamp'),
  /** The alert label naming the service (then job, then app). */
  RCA_ALERT_LABEL: z.string().default('service'),
  /** Where alerts of services without a channel in the registry go: "console:alerts", "slack:C0123", "feishu:oc_…". */
  RCA_ALERT_CHANNEL: z.string().regex(/^(console|slack|feishu):\S+$/, 'expected <console|slack|feishu>:<channel>').default('console:incident'),
});

export type Env = z.infer<typeof schema>;

const secrets: (keyof Env)[] = ['REDIS_PASSWORD', 'REDIS_SENTINEL_PASSWORD', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'FEISHU_APP_SECRET', 'FEISHU_VERIFICATION_TOKEN', 'FEISHU_ENCRYPT_KEY', 'ALERTMANAGER_TOKEN', 'ALERTMANAGER_BASIC_AUTH', 'GRAFANA_WEBHOOK_SECRET'];

export function readEnv(source: NodeJS.ProcessEnv): Result<Env> {
  const parsed = schema.safeParse(source);
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  return err(`environment variable ${issue.path.join('.')}: ${issue.message}`);
}

/** The values of the secrets set, for the logger never to print; OTLP headers (an API key) too. */
export function secretValues(env: Env, source: NodeJS.ProcessEnv = process.env): string[] {
  const headers = [source.OTEL_EXPORTER_OTLP_HEADERS, source.OTEL_EXPORTER_OTLP_TRACES_HEADERS]
    .flatMap((h) => (h ? h.split(',') : []))
    .flatMap((kv) => {
      const raw = kv.slice(kv.indexOf('=') + 1).trim();
      try {
        return [raw, decodeURIComponent(raw)];
      } catch {
        return [raw];
      }
    });
  const basic = env.ALERTMANAGER_BASIC_AUTH ? [Buffer.from(env.ALERTMANAGER_BASIC_AUTH).toString('base64')] : [];
  return [...secrets.map((k) => env[k]).filter((v): v is string => typeof v === 'string'), ...headers, ...basic];
}

/** The configuration with every secret shown as "set" or "unset". */
export function describeEnv(env: Env): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const k of Object.keys(schema.shape) as (keyof Env)[]) {
    const v = env[k];
    out[k] = secrets.includes(k) ? (v ? 'set' : 'unset') : typeof v === 'boolean' ? String(v) : (v ?? 'unset');
  }
  return out;
}
