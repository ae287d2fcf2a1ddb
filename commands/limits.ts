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

// Both counts in one round trip: the user's first, and the service's only when the user is within theirs
// (a person who is refused does not use up the service's budget). Each key expires a window after its first count.
const take = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then return 1 end
local m = redis.call('INCR', KEYS[2])
if m == 1 then redis.call('EXPIRE', KEYS[2], ARGV[1]) end
if m > tonumber(ARGV[3]) then return 2 end
return 0`;

type Counted = Redis & { rcaTakeRate(user: string, service: string, window: number, perUser: number, perService: number): Promise<number> };

export class RateLimiter {
  private readonly redis: Counted;
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly limits: Limits = defaultLimits,
  ) {
    if (!('rcaTakeRate' in redis)) redis.defineCommand('rcaTakeRate', { numberOfKeys: 2, lua: take });
    this.redis = redis as Counted;
  }

  /** Counts one background capture against the service's budget only (nobody asked for it); undefined when within it. */
  async takeService(service: string): Promise<string | undefined> {
    const key = `${this.prefix}:rca:rate:service:${service}`;
    const n = await this.redis.incr(key);
    if (n === 1) await this.redis.expire(key, this.limits.windowSeconds);
    if (n > this.limits.perService) return `${service} has been diagnosed ${this.limits.perService} times in the last ${Math.round(this.limits.windowSeconds / 60)} minutes; the background capture waits for the next turn`;
    return undefined;
  }

  /** Counts one diagnosis; undefined when within the limits, else a polite reply. */
  async take(platform: string, user: string, service: string): Promise<string | undefined> {
    const n = Math.round(this.limits.windowSeconds / 60);
    const minutes = n === 1 ? 'minute' : `${n} minutes`;
    const { perUser, perService, windowSeconds } = this.limits;
    const over = await this.redis.rcaTakeRate(`${this.prefix}:rca:rate:user:${platform}:${user}`, `${this.prefix}:rca:rate:service:${service}`, windowSeconds, perUser, perService);
    if (over === 1) return `you have started ${perUser} ${perUser === 1 ? 'diagnosis' : 'diagnoses'} in the last ${minutes}; please wait a little before the next.`;
    if (over === 2) return `${service} has been diagnosed ${perService} times in the last ${minutes}; the results in its threads are still fresh.`;
    return undefined;
  }
}
