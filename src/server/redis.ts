// Finding Redis for the bot: connect to REDIS_URL, and when that is the
// local default and nothing answers, start the machine's redis-server.
import { metrics } from '../telemetry/metrics.js';
import { spawnSync } from 'node:child_process';
import { Redis, type RedisOptions } from 'ioredis';
import { err, ok, type Result } from '../errors.js';

/** True when a Redis at `url` answers PING. */
export async function redisAnswers(url: string): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
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

export async function ensureRedis(url: string, say: (line: string) => void): Promise<Result<string>> {
  if (await redisAnswers(url)) return ok(url);
  const local = new URL(url);
  const isLocal = ['127.0.0.1', 'localhost', '::1', '[::1]'].includes(local.hostname);
  const installed = spawnSync('redis-server', ['--version']).status === 0;
  if (!isLocal || !installed)
    return err(`no Redis answers at ${url}: install it (apt-get install redis-server) or set REDIS_URL to one that runs`);
  say(`starting redis-server on ${local.hostname}:${local.port || 6379}`);
  const started = spawnSync('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', local.port || '6379', '--save', '', '--appendonly', 'no']);
  if (started.status !== 0) return err(`redis-server would not start: ${started.stderr.toString().trim().split('\n')[0]}`);
  for (let i = 0; i < 50; i++) {
    if (await redisAnswers(url)) return ok(url);
    await new Promise((r) => setTimeout(r, 100));
  }
  return err(`redis-server started but does not answer at ${url}`);
}

/**
 * A long-lived connection that waits out a Redis restart: commands queue
 * until it is back (BullMQ needs maxRetriesPerRequest null), and the outage
 * is reported once, in a line, rather than as a stack per reconnect attempt.
 */
export function connectRedis(url: string, log: (line: string) => void, options: RedisOptions = {}): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: null, ...options });
  let down = false;
  r.on('error', (e: Error) => {
    if (down) return;
    down = true;
    log(`Redis at ${url} is unreachable (${e.message.split('\n')[0]}); retrying`);
  });
  r.on('ready', () => {
    if (!down) return;
    down = false;
    metrics.redisReconnects.inc();
    log(`Redis at ${url} is back`);
  });
  return r;
}
