// Incidents in Redis (run it with AOF): a header, a timeline appended to
// atomically, an index by detection time for digests, and the keys that make
// a re-sent alert or a diagnosis land on the incident it belongs to.
import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Incident, IncidentEvent } from './model.js';

const KEEP = 400 * 86400;

// Appends an event unless one of its type is there already (each happens once).
const appendOnce = `
if redis.call('hsetnx', KEYS[2], ARGV[1], '1') == 0 then return 0 end
redis.call('rpush', KEYS[1], ARGV[2])
redis.call('expire', KEYS[1], ARGV[3])
redis.call('expire', KEYS[2], ARGV[3])
return 1`;

type Header = Omit<Incident, 'timeline'>;

export class IncidentStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'incident', ...parts].join(':');
  }

  /** Opens an incident for an alert unless that alert (fingerprint and start) already has one; returns it and whether it is new. */
  async openForAlert(fingerprint: string, startsAt: string, make: (id: string) => Header, detected: IncidentEvent): Promise<{ id: string; created: boolean }> {
    const id = `inc-${randomBytes(6).toString('hex')}`;
    const claim = this.key('alert', fingerprint, startsAt);
    if ((await this.redis.set(claim, id, 'EX', KEEP, 'NX')) !== 'OK') return { id: (await this.redis.get(claim)) as string, created: false };
    await this.create(make(id), detected);
    return { id, created: true };
  }

  /** The incident an alert opened, if any. */
  async forAlert(fingerprint: string, startsAt: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('alert', fingerprint, startsAt))) ?? undefined;
  }

  async create(header: Header, detected: IncidentEvent): Promise<void> {
    await this.redis
      .multi()
      .set(this.key(header.id), JSON.stringify(header), 'EX', KEEP)
      .zadd(this.key('index'), Date.parse(detected.at), header.id)
      .exec();
    await this.append(header.id, detected);
  }

  /** False when an event of that type was already recorded. */
  async append(id: string, event: IncidentEvent): Promise<boolean> {
    const r = await this.redis.eval(appendOnce, 2, this.key(id, 'timeline'), this.key(id, 'seen'), event.type, JSON.stringify(event), KEEP);
    return r === 1;
  }

  async setMessage(id: string, message: string): Promise<void> {
    const header = await this.header(id);
    if (!header) return;
    await this.redis.set(this.key(id), JSON.stringify({ ...header, channel: { ...header.channel, message } }), 'KEEPTTL');
  }

  private async header(id: string): Promise<Header | undefined> {
    const raw = await this.redis.get(this.key(id));
    return raw ? (JSON.parse(raw) as Header) : undefined;
  }

  async get(id: string): Promise<Incident | undefined> {
    const header = await this.header(id);
    if (!header) return undefined;
    const timeline = (await this.redis.lrange(this.key(id, 'timeline'), 0, -1)).map((e) => JSON.parse(e) as IncidentEvent);
    return { ...header, timeline };
  }

  /** Incidents detected in [start, end), oldest first. */
  async range(start: Date, end: Date): Promise<Incident[]> {
    await this.redis.zremrangebyscore(this.key('index'), '-inf', Date.now() - KEEP * 1000);
    const ids = await this.redis.zrangebyscore(this.key('index'), start.getTime(), `(${end.getTime()}`);
    const out: Incident[] = [];
    for (const id of ids) {
      const i = await this.get(id);
      if (i) out.push(i);
    }
    return out;
  }

  /** Ties incidents to the diagnosis job that serves them. */
  async link(job: string, id: string): Promise<void> {
    await this.redis.multi().sadd(this.key('job', job), id).expire(this.key('job', job), KEEP).exec();
  }

  async byJob(job: string): Promise<string[]> {
    return this.redis.smembers(this.key('job', job));
  }
}
