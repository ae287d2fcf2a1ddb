// Scheduled healthy baselines: a low-frequency background capture per service whose registry asks
// for one (`baseline: {every: 6h, seconds: 10}`), as a BullMQ job scheduler (one bot process or many
// capture each once). A capture found healthy becomes the service's last healthy capture, so
// "Compare with last healthy capture" always has something to compare with. Nothing is posted.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Registry } from '../config/registry.js';
import { targetOf, type Target } from '../rca/diagnose.js';
import { bullmqTelemetry } from '../telemetry/spans.js';

export const baselineQueue = 'rca-baseline';

export interface BaselineData {
  service: string;
  target: Target;
  seconds: number;
}

export class Baselines {
  private readonly queue: Queue;

  constructor(redis: Redis, prefix: string) {
    this.queue = new Queue(baselineQueue, { connection: redis, prefix, telemetry: bullmqTelemetry() });
    // An outage is said once by the connection (connectRedis).
    this.queue.on('error', () => undefined);
  }

  /** Makes the schedulers exactly the registry's: the first capture at once, then every `every`. */
  async schedule(registry: Registry): Promise<string[]> {
    const wanted = new Map<string, { service: string; cfg: Registry['services'][string] }>(
      Object.entries(registry.services)
        .filter(([, cfg]) => cfg.scheduledBaseline)
        .map(([service, cfg]) => [`baseline:${service}`, { service, cfg }] as const),
    );
    for (const existing of await this.queue.getJobSchedulers()) if (!wanted.has(existing.key)) await this.queue.removeJobScheduler(existing.key);
    for (const [key, { service, cfg }] of wanted) {
      const { every, seconds } = cfg.scheduledBaseline as { every: number; seconds: number };
      await this.queue.upsertJobScheduler(key, { every: every * 1000 }, { name: 'baseline', data: { service, target: targetOf(service, cfg), seconds } satisfies BaselineData, opts: { removeOnComplete: { age: 86400 }, removeOnFail: { age: 86400 } } });
    }
    return [...wanted.values()].map((w) => w.service);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
