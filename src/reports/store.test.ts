import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { healthyReport, poolReport } from '../../test/helpers/reports.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix } from '../../test/helpers/redis.js';
import { DEFAULT_REPORT_TTL_SECONDS, isReportId, ReportStore } from './store.js';

const flame = { name: 'block', title: 'order-api: block flame graph', html: '<!doctype html><title>x</title><script>window.x = "</b>"</script>' };

describe.skipIf(!hasRedis)('ReportStore', () => {
  let redis: Redis;
  let prefix: string;

  beforeAll(() => {
    redis = new Redis(redisUrl);
  });
  afterEach(async () => {
    await cleanup(redis, prefix);
  });
  afterAll(async () => {
    await redis.quit();
  });

  const store = (ttlSeconds?: number) => {
    prefix = uniquePrefix();
    return new ReportStore(redis, `${prefix}:reports`, { ttlSeconds });
  };

  it('saves a report and its flame graphs and loads them back by id', async () => {
    const s = store();
    const before = Date.now();
    const id = await s.save(poolReport, [flame]);
    const saved = await s.load(id);
    expect(saved?.report).toEqual(poolReport);
    expect(saved?.flames).toEqual([flame]);
    const savedAt = Date.parse(saved?.savedAt ?? '');
    expect(savedAt).toBeGreaterThanOrEqual(before - 1000);
    expect(Date.parse(saved?.expiresAt ?? '') - savedAt).toBe(DEFAULT_REPORT_TTL_SECONDS * 1000);
  });

  it('sets the TTL: 30 days by default, or as configured', async () => {
    const s = store();
    const id = await s.save(poolReport, []);
    const keys = await redis.keys(`${prefix}:*`);
    expect(keys).toEqual([`${prefix}:reports:${id}`]);
    const ttl = await redis.ttl(keys[0]);
    expect(ttl).toBeGreaterThan(DEFAULT_REPORT_TTL_SECONDS - 60);
    expect(ttl).toBeLessThanOrEqual(DEFAULT_REPORT_TTL_SECONDS);

    const short = new ReportStore(redis, `${prefix}:reports`, { ttlSeconds: 120 });
    const id2 = await short.save(poolReport, []);
    const ttl2 = await redis.ttl(`${prefix}:reports:${id2}`);
    expect(ttl2).toBeGreaterThan(100);
    expect(ttl2).toBeLessThanOrEqual(120);
    expect(() => new ReportStore(redis, prefix, { ttlSeconds: 0 })).toThrow(/TTL/);
  });

  it('gives unguessable ids: 128 random bits in base64url, all distinct', async () => {
    const s = store();
    const ids = await Promise.all(Array.from({ length: 50 }, () => s.save(healthyReport, [])));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) {
      expect(id).toMatch(/^[A-Za-z0-9_-]{22,}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
      expect(isReportId(id)).toBe(true);
    }
    // Nothing in them repeats from one to the next, as a counter or a clock would.
    expect(new Set(ids.map((id) => id.slice(0, 6))).size).toBe(ids.length);
  });

  it('answers undefined for unknown, malformed and expired ids', async () => {
    const s = store(1);
    expect(await s.load('AAAAAAAAAAAAAAAAAAAAAA')).toBeUndefined();
    for (const bad of ['', 'x', '../../etc', '*', `${'A'.repeat(21)}:`, 'A'.repeat(23)]) expect(await s.load(bad)).toBeUndefined();
    const id = await s.save(poolReport, [flame]);
    expect(await s.load(id)).toBeDefined();
    // Expiry is Redis's; ask it to expire now rather than wait the TTL out.
    await redis.pexpire(`${prefix}:reports:${id}`, 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await s.load(id)).toBeUndefined();
  });

  it('expires on its own after the TTL', async () => {
    const s = store(1);
    const id = await s.save(poolReport, []);
    expect(await s.load(id)).toBeDefined();
    await new Promise((r) => setTimeout(r, 2100));
    expect(await s.load(id)).toBeUndefined();
  });

  it('keeps one id per job when a retried step saves again', async () => {
    const s = store();
    const first = await s.save(poolReport, [], { job: '42' });
    const again = await s.save({ ...poolReport, verdict: 'likely' }, [flame], { job: '42' });
    expect(again).toBe(first);
    expect((await s.load(first))?.report.verdict).toBe('likely');
    expect(await s.save(poolReport, [], { job: '43' })).not.toBe(first);
    // The job's pointer expires with the report.
    expect(await redis.ttl(`${prefix}:reports:job:42`)).toBeGreaterThan(DEFAULT_REPORT_TTL_SECONDS - 60);
  });
});
