// Finding Redis for the bot: a single server (REDIS_URL; when that is the local default and nothing
// answers, the machine's redis-server is started), a primary watched by Sentinels, or a Cluster.
import { metrics } from '../telemetry/metrics.js';
import { spawnSync } from 'node:child_process';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { err, ok, type Result } from '../errors.js';

export interface HostPort {
  host: string;
  port: number;
}

/** Where Redis is: a URL, a primary found through Sentinels, or the seed nodes of a Cluster. */
export type RedisTarget =
  | string
  | { sentinels: HostPort[]; name: string; password?: string; sentinelPassword?: string; tls?: boolean }
  | { nodes: HostPort[]; password?: string; tls?: boolean };

/** "host:port,host:port" as a list; the error names the variable and the bad entry. */
export function hostPorts(name: string, value: string): Result<HostPort[]> {
  const out: HostPort[] = [];
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const m = /^(\[[^\]]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
    const port = m ? Number(m[2]) : NaN;
    if (!m || port < 1 || port > 65535) return err(`${name}: "${entry}" is not host:port`);
    out.push({ host: m[1].replace(/^\[|\]$/g, ''), port });
  }
  return out.length ? ok(out) : err(`${name}: expected host:port,host:port…`);
}

/** The Redis the environment names: Cluster nodes, else Sentinels, else REDIS_URL. */
export function redisTargetOf(env: { REDIS_URL: string; REDIS_SENTINELS?: string; REDIS_SENTINEL_NAME: string; REDIS_SENTINEL_PASSWORD?: string; REDIS_CLUSTER_NODES?: string; REDIS_PASSWORD?: string; REDIS_TLS: boolean }): Result<RedisTarget> {
  if (env.REDIS_CLUSTER_NODES && env.REDIS_SENTINELS) return err('set one of REDIS_CLUSTER_NODES and REDIS_SENTINELS, not both');
  const auth = { ...(env.REDIS_PASSWORD ? { password: env.REDIS_PASSWORD } : {}), ...(env.REDIS_TLS ? { tls: true } : {}) };
  if (env.REDIS_CLUSTER_NODES) {
    const nodes = hostPorts('REDIS_CLUSTER_NODES', env.REDIS_CLUSTER_NODES);
    return nodes.ok ? ok({ nodes: nodes.value, ...auth }) : nodes;
  }
  if (env.REDIS_SENTINELS) {
    const sentinels = hostPorts('REDIS_SENTINELS', env.REDIS_SENTINELS);
    return sentinels.ok ? ok({ sentinels: sentinels.value, name: env.REDIS_SENTINEL_NAME, ...auth, ...(env.REDIS_SENTINEL_PASSWORD ? { sentinelPassword: env.REDIS_SENTINEL_PASSWORD } : {}) }) : sentinels;
  }
  return ok(env.REDIS_URL);
}

/** The topology in a few words, without secrets: for logs and `rca-bot doctor`. */
export function describeTarget(t: RedisTarget): string {
  if (typeof t === 'string') return redactUrl(t);
  const list = (hs: HostPort[]) => hs.map((h) => `${h.host}:${h.port}`).join(', ');
  if ('sentinels' in t) return `Sentinel: primary "${t.name}" through ${t.sentinels.length} sentinel${t.sentinels.length === 1 ? '' : 's'} (${list(t.sentinels)})${t.tls ? ', TLS' : ''}`;
  return `Cluster: seed nodes ${list(t.nodes)}${t.tls ? ', TLS' : ''}`;
}

function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString().replace(/\/$/, '');
  } catch {
    return url;
  }
}

/**
 * The key prefix on this topology. A Cluster runs a Lua script or a transaction only on keys of one
 * hash slot, and a BullMQ flow writes to several queues in one: so there every key of the bot (its
 * queues, jobs, incidents, reports) carries one hash tag, `{rca}:…`, and lands in one slot.
 */
export function keyPrefix(t: RedisTarget, prefix: string): string {
  return typeof t === 'object' && 'nodes' in t && !/^\{[^}]+\}/.test(prefix) ? `{${prefix}}` : prefix;
}

/** True when Redis at `target` (a URL, Sentinels or a Cluster) answers PING. */
export async function redisAnswers(target: RedisTarget): Promise<boolean> {
  const r = client(target, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  // connect() rejects with the reason; without a listener ioredis would also print it.
  r.on('error', () => undefined);
  try {
    await r.connect();
    return (await r.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/** A Redis that answers at `target`: a local default is started when it does not; Sentinel and Cluster must answer. */
export async function ensureRedis<T extends RedisTarget>(target: T, say: (line: string) => void): Promise<Result<T>> {
  if (typeof target !== 'string') return (await redisAnswers(target)) ? ok(target) : err(`no Redis answers through ${describeTarget(target)}`);
  const url = target;
  if (await redisAnswers(url)) return ok(target);
  const local = new URL(url);
  const isLocal = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(local.hostname);
  const installed = spawnSync('redis-server', ['--version']).status === 0;
  if (!isLocal || !installed)
    return err(`no Redis answers at ${url}: install it (apt-get install redis-server) or set REDIS_URL to one that runs`);
  say(`starting redis-server on ${local.hostname}:${local.port || 6379}`);
  const started = spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', local.port || '6379', '--save', '', '--appendonly', 'no']);
  if (started.status !== 0) return err(`redis-server would not start: ${started.stderr.toString().trim().split('\n')[0]}`);
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return ok(target);
    await new Promise((r) => setTimeout(r, 100));
  }
  return err(`redis-server started but does not answer at ${url}`);
}

/**
 * A long-lived connection that waits out a Redis restart: commands queue
 * until it is back (BullMQ needs maxRetriesPerRequest null), and the outage
 * is reported once, in a line, rather than as a stack per reconnect attempt.
 */
export function connectRedis(target: RedisTarget, log: (line: string) => void, options: RedisOptions = {}): Redis {
  const r = client(target, { maxRetriesPerRequest: null, ...options });
  const shown = describeTarget(target);
  let down = false;
  r.on('error', (e: Error) => {
    if (down) return;
    down = true;
    log(`Redis (${shown}) is unreachable (${e.message.split('\n')[0]}); retrying`);
  });
  r.on('ready', () => {
    if (!down) return;
    down = false;
    metrics.redisReconnects.inc();
    log(`Redis (${shown}) is back`);
  });
  return r;
}

/**
 * A client of any topology. A Cluster client is typed as a Redis one: BullMQ takes either, and the
 * bot's own commands (strings, hashes, lists, sorted sets, MULTI and Lua on keys of one slot) are
 * the same on both.
 */
export function client(target: RedisTarget, options: RedisOptions = {}): Redis {
  if (typeof target === 'string') return new Redis(target, options);
  const tls = target.tls ? { tls: {} } : {};
  if ('sentinels' in target)
    return new Redis({
      ...options,
      sentinels: target.sentinels,
      name: target.name,
      password: target.password,
      sentinelPassword: target.sentinelPassword,
      // A probe that gives up at once must give up on the Sentinels too (they are retried for ever otherwise).
      ...(options.retryStrategy ? { sentinelRetryStrategy: options.retryStrategy } : {}),
      // A primary demoted without dropping its connections answers READONLY: the Sentinels say when to move.
      failoverDetector: true,
      ...tls,
      ...(target.tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
    });
  const { lazyConnect, ...redisOptions } = options;
  return new Cluster(target.nodes, {
    redisOptions: { ...redisOptions, password: target.password, ...tls },
    ...(lazyConnect ? { lazyConnect } : {}),
    // BullMQ's blocking commands and queued commands during a failover: wait, as on one server.
    enableOfflineQueue: redisOptions.enableOfflineQueue ?? true,
    ...(redisOptions.maxRetriesPerRequest === null ? {} : { clusterRetryStrategy: redisOptions.retryStrategy }),
  }) as unknown as Redis;
}
