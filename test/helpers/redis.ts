// A real Redis for tests, as BullMQ's own suite does: a unique prefix per
// test and everything under it deleted afterwards.
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisAnswers } from '../../src/server/redis.js';

export const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export const hasRedis = await redisAnswers(redisUrl);
if (!hasRedis) console.warn(`skipping tests on Redis: nothing answers at ${redisUrl} (.ci/run starts redis-server)`);

export function uniquePrefix(): string {
  return `test-${randomUUID()}`;
}

/** Deletes every key under the prefix. */
export async function cleanup(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Resolves when `check` returns a value (polls; for conditions a test waits on, not for timing). */
export async function until<T>(check: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
