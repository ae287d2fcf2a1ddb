// MTTR digests as BullMQ jobs: asked for with /rca digest, or on a schedule
// per channel from the registry (a BullMQ job scheduler, so one bot process
// or many post each digest once).
import { createHash } from 'node:crypto';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Platform } from '../chat/adapter.js';
import { bullmqTelemetry } from '../telemetry/spans.js';

export const digestQueue = 'rca-digest';

export interface DigestRequest {
  platform: Platform;
  channel: string;
  thread?: string;
  /** The period: the last `days` days, compared with the `days` before. */
  days: number;
  service?: string;
}

export interface DigestSchedule extends DigestRequest {
  /** A cron pattern, in UTC unless `tz`. */
  cron: string;
  tz?: string;
}

export class Digests {
  private readonly queue: Queue;

  constructor(redis: Redis, prefix: string) {
    this.queue = new Queue(digestQueue, { connection: redis, prefix, telemetry: bullmqTelemetry() });
    // An outage is said once by the connection (connectRedis).
    this.queue.on('error', () => undefined);
  }

  /** One digest now; a redelivered request (same key) adds nothing. */
  async request(req: DigestRequest, key: string): Promise<void> {
    const id = `digest-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
    await this.queue.add('digest', req, { jobId: id, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } });
  }

  /** Makes the schedulers exactly the registry's: new ones added, changed ones updated, removed ones dropped. */
  async schedule(list: DigestSchedule[]): Promise<void> {
    const wanted = new Map(list.map((s) => [`digest:${s.platform}:${s.channel}:${s.service ?? '*'}:${s.days}`, s]));
    for (const existing of await this.queue.getJobSchedulers()) if (!wanted.has(existing.key)) await this.queue.removeJobScheduler(existing.key);
    for (const [key, s] of wanted) {
      const { cron, tz, ...req } = s;
      await this.queue.upsertJobScheduler(key, { pattern: cron, ...(tz ? { tz } : {}) }, { name: 'digest', data: req, opts: { removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } } });
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
