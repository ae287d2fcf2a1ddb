// What the pipeline remembers about a job in Redis, beyond BullMQ's own
// records: its root messages (one per chat that asked), its status, which
// publishing steps are done, and which service it is diagnosing.

import type { Redis } from 'ioredis';
import type { MessageRef, Status } from '../chat/adapter.js';
import type { StageBaseline } from '../trace/stages.js';

const DAY = 24 * 3600;

export class JobState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(...parts: string[]): string {
    return [this.prefix, 'rca', ...parts].join(':');
  }

  /** True the first time a request is seen; a redelivery gets false. */
  async claimRequest(job: string): Promise<boolean> {
    return (await this.redis.set(this.key('request', job), '1', 'EX', DAY, 'NX')) === 'OK';
  }

  /** Makes `job` the running diagnosis of `service` unless one already is; returns the running one. */
  async claimService(service: string, job: string, seconds: number): Promise<string> {
    // Expires on its own should a job vanish without clearing it; held longer while it waits for a capture slot (holdService).
    const ttl = seconds * 1000 + 120_000;
    // One script: a claim that expires between a refused SET and the GET must not read as ours.
    const script =
      "if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then redis.call('sadd', KEYS[2], ARGV[3]) return ARGV[1] end " +
      "return redis.call('get', KEYS[1])";
    return (await this.redis.eval(script, 2, this.key('active', service), this.key('running'), job, ttl, service)) as string;
  }

  /** Keeps `job`'s claim on a service for `ms` more, while it waits for a capture slot or starts one. */
  async holdService(service: string, job: string, ms: number): Promise<void> {
    await this.redis.eval("if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) end return 0", 1, this.key('active', service), job, ms);
  }

  /** The diagnosis holding a service now, if any. */
  async active(service: string): Promise<string | undefined> {
    return (await this.redis.get(this.key('active', service))) ?? undefined;
  }

  /** The diagnoses running now, oldest first. */
  async running(): Promise<Status[]> {
    const out: Status[] = [];
    for (const service of await this.redis.smembers(this.key('running'))) {
      const job = await this.redis.get(this.key('active', service));
      const status = job ? await this.status(job) : undefined;
      if (status && status.stage !== 'done' && status.stage !== 'failed') out.push(status);
      // The claim expired or was released: forget it.
      else if (!job) await this.redis.srem(this.key('running'), service);
    }
    return out.sort((a, b) => (a.since ?? '').localeCompare(b.since ?? ''));
  }

  async releaseService(service: string, job: string): Promise<void> {
    const key = this.key('active', service);
    // Only the job that holds it releases it.
    await this.redis.eval(
      "if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('srem', KEYS[2], ARGV[2]) return redis.call('del', KEYS[1]) end return 0",
      2,
      key,
      this.key('running'),
      job,
      service,
    );
  }

  async start(job: string, status: Status, root: MessageRef): Promise<void> {
    await this.redis
      .multi()
      .set(this.key('job', job, 'status'), JSON.stringify(status), 'EX', DAY)
      .rpush(this.key('job', job, 'roots'), JSON.stringify(root))
      .expire(this.key('job', job, 'roots'), DAY)
      .exec();
  }

  /** Subscribes `root` to `job` only while the job holds `claim` (atomic): false once it has released it. */
  async subscribeWhileHeld(claim: string, job: string, root: MessageRef): Promise<boolean> {
    const held = await this.redis.eval(
      "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end redis.call('rpush', KEYS[2], ARGV[2]) redis.call('expire', KEYS[2], ARGV[3]) return 1",
      2,
      this.key('active', claim),
      this.key('job', job, 'roots'),
      job,
      JSON.stringify(root),
      DAY,
    );
    return held === 1;
  }

  async roots(job: string): Promise<MessageRef[]> {
    return (await this.redis.lrange(this.key('job', job, 'roots'), 0, -1)).map((r) => JSON.parse(r) as MessageRef);
  }

  async status(job: string): Promise<Status | undefined> {
    const raw = await this.redis.get(this.key('job', job, 'status'));
    return raw ? (JSON.parse(raw) as Status) : undefined;
  }

  async setStatus(status: Status): Promise<void> {
    await this.redis.set(this.key('job', status.job, 'status'), JSON.stringify(status), 'EX', DAY);
  }

  /** Sets a stage on the way (capturing, analysing) unless the job has already ended; false then. */
  async advance(status: Status): Promise<boolean> {
    const script =
      "local cur = redis.call('get', KEYS[1]) " +
      "if cur then local s = cjson.decode(cur).stage if s == 'done' or s == 'failed' then return 0 end end " +
      "redis.call('set', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1";
    return (await this.redis.eval(script, 1, this.key('job', status.job, 'status'), JSON.stringify(status), DAY)) === 1;
  }

  /** Says where a queued diagnosis waits ("3 ahead"); nothing when it has moved on, or its place is the same. */
  async queuedAhead(job: string, detail: string): Promise<Status | undefined> {
    const script =
      "local cur = redis.call('get', KEYS[1]) if not cur then return false end " +
      "local s = cjson.decode(cur) if s.stage ~= 'queued' or s.detail == ARGV[1] then return false end " +
      "s.detail = ARGV[1] local out = cjson.encode(s) redis.call('set', KEYS[1], out, 'EX', ARGV[2]) return out";
    const out = (await this.redis.eval(script, 1, this.key('job', job, 'status'), detail, DAY)) as string | null;
    return out ? (JSON.parse(out) as Status) : undefined;
  }

  /** Runs `step` unless it already ran for this job (a publish retried after a crash skips what it did). */
  async once(job: string, step: string, run: () => Promise<void>): Promise<void> {
    const key = this.key('job', job, 'done');
    if (await this.redis.hexists(key, step)) return;
    await run();
    await this.redis.multi().hset(key, step, '1').expire(key, DAY).exec();
  }

  /** True for the first caller only (atomic): for steps that must happen at most once. */
  async claim(job: string, step: string): Promise<boolean> {
    const key = this.key('job', job, 'done');
    const first = (await this.redis.hsetnx(key, step, '1')) === 1;
    if (first) await this.redis.expire(key, DAY);
    return first;
  }

  /** The task stages of a service's newest healthy capture, which stage-stall compares later ones with. */
  async saveStages(service: string, stages: { baseline: StageBaseline; at: string }, ttlSeconds: number): Promise<void> {
    await this.redis.set(this.key('stages', service), JSON.stringify(stages), 'EX', ttlSeconds);
  }

  async loadStages(service: string): Promise<{ baseline: StageBaseline; at: string } | undefined> {
    const raw = await this.redis.get(this.key('stages', service));
    if (!raw) return undefined;
    // A value that is not what saveStages wrote is no baseline: the diagnosis goes on without one.
    try {
      const v = JSON.parse(raw) as { baseline?: unknown; at?: unknown };
      return v && typeof v.at === 'string' && v.baseline && typeof v.baseline === 'object' ? (v as { baseline: StageBaseline; at: string }) : undefined;
    } catch {
      return undefined;
    }
  }

  /** Profiles kept for comparisons, under "job:<id>" (a day) or "healthy:<service>" (a month). */
  async saveProfiles(owner: string, set: ProfileSet, ttlSeconds: number): Promise<void> {
    const key = this.key('profiles', owner);
    const m = this.redis.multi().del(key).hset(key, 'meta', JSON.stringify({ job: set.job, at: set.at, names: set.profiles.map((p) => p.name) }));
    for (const p of set.profiles) m.hset(key, `p:${p.name}`, p.data);
    await m.expire(key, ttlSeconds).exec();
  }

  async loadProfiles(owner: string): Promise<ProfileSet | undefined> {
    const key = this.key('profiles', owner);
    const meta = await this.redis.hget(key, 'meta');
    if (!meta) return undefined;
    const { job, at, names } = JSON.parse(meta) as { job: string; at: string; names: string[] };
    const profiles: ProfileSet['profiles'] = [];
    for (const name of names) {
      const data = await this.redis.hgetBuffer(key, `p:${name}`);
      if (data) profiles.push({ name, data });
    }
    return { job, at, profiles };
  }
}

export interface ProfileSet {
  job: string;
  /** When the capture started, ISO 8601. */
  at: string;
  /** The raw profiles; for a job, the one its report is about comes first. */
  profiles: { name: string; data: Buffer }[];
}
