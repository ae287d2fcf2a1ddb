// Who may ask, and how often: the registry's allowed channels and users per
// service, and a rate limit per user and per service kept in Redis (so it
// holds across every bot process).
import type { Redis } from 'ioredis';
import type { ServiceConfig } from '../src/config/registry.js';

export interface Limits {
  /** Diagnoses one user may start per window. */
  perUser: number;
  /** Diagnoses of one service per window. */
  perService: number;
  windowSeconds: number;
}

export const defaultLimits: Limits = { perUser: 10, perService: 20, windowSeconds: 600 };

/** Undefined when allowed, else the one-line reason. */
export function notAllowed(service: string, cfg: ServiceConfig, channel: string, user: string): string | undefined {
  const { channels, users } = cfg.allowed;
  if (channels.length > 0 && !channels.includes(channel)) return `${service} cannot be diagnosed from this channel; ask in one of its incident channels.`;
  if (users.length > 0 && !users.includes(user)) return `you are not on ${service}'s list of people who may diagnose it.`;
  return undefined;
}

export class RateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: Limits = defaultLimits,
  ) {}

  private async count(key: string): Promise<number> {
    const k = `${this.prefix}:rca:rate:${key}`;
    const [[, n]] = (await this.redis.multi().incr(k).expire(k, this.limits.windowSeconds, 'NX').exec()) as [[Error | null, number]];
    return n;
  }

  /** Counts one diagnosis; undefined when within the limits, else a polite reply. */
  async take(platform: string, user: string, service: string): Promise<string | undefined> {
    const n = Math.round(this.limits.windowSeconds / 60);
    const minutes = n === 1 ? 'minute' : `${n} minutes`;
    if ((await this.count(`user:${platform}:${user}`)) > this.limits.perUser)
      return `you have started ${this.limits.perUser} diagnoses in the last ${minutes}; please wait a little before the next.`;
    if ((await this.count(`service:${service}`)) > this.limits.perService)
      return `${service} has been diagnosed ${this.limits.perService} times in the last ${minutes}; the results in its threads are still fresh.`;
    return undefined;
  }
}
