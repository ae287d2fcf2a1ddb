// The embedded reader against a real Go service's /metrics (client_golang), in a real Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGo, startLoadedTarget, type Target } from '../../../test/helpers/go.js';
import { freePort } from '../../../test/helpers/server.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from '../../../test/helpers/redis.js';
import { validateRegistry, type ScrapeConfig } from '../../config/registry.js';
import { counterRate, ScrapeStore, scrapedSeries, scrapeOnce, startScrapers } from './scrape.js';

const config = (url: string): ScrapeConfig => ({
  type: 'scrape',
  url,
  every: 1,
  queries: [
    { name: 'request rate', signal: 'usage', metric: 'target_requests_total', labels: { code: '200' } },
    { name: 'goroutines', signal: 'usage', metric: 'go_goroutines', labels: {} },
  ],
});

describe.skipIf(!hasRedis)('the scrape store', () => {
  const prefix = uniquePrefix();
  const redis = new Redis(redisUrl);
  afterAll(async () => {
    await cleanup(redis, prefix);
    await redis.quit();
  });

  it('keeps values in time order and lets go of what is older than it keeps', async () => {
    const store = new ScrapeStore(redis, prefix);
    const t0 = Date.now();
    await store.add('svc', 'gauge', t0 - 7200_000, 9, 3600);
    await store.add('svc', 'gauge', t0, 7, 3600);
    await store.add('svc', 'gauge', t0 + 1000, 8, 3600);
    expect(await store.range('svc', 'gauge', 0, t0 + 2000)).toEqual([
      { t: t0 / 1000, v: 7 },
      { t: t0 / 1000 + 1, v: 8 },
    ]);
  });
});

describe('counterRate', () => {
  const sample = (code: string, value: number) => ({ name: 'requests_total', labels: { code }, value });
  const before = new Map([
    [JSON.stringify([['code', '200']]), 100],
    [JSON.stringify([['code', '500']]), 40],
  ]);

  it('sums the increase of each series over the interval', () => {
    expect(counterRate([sample('200', 120), sample('500', 44)], before, 2)).toBe(12);
  });

  it('takes a series that went down as reset (counted from zero), and a series that is gone as nothing, not as a reset of the sum', () => {
    expect(counterRate([sample('200', 6), sample('500', 44)], before, 2)).toBe(5);
    // The 500 series expired: the sum fell from 140 to 110, yet 200 rose by 10.
    expect(counterRate([sample('200', 110)], before, 2)).toBe(5);
  });

  it('has no rate for series it has not seen before', () => {
    expect(counterRate([sample('404', 7)], before, 2)).toBeUndefined();
  });
});

describe.skipIf(!hasRedis || !hasGo)('scraping a Go service', () => {
  let target: Target;
  const prefix = uniquePrefix();
  const redis = new Redis(redisUrl);
  beforeAll(async () => {
    target = await startLoadedTarget(['-mode', 'healthy']);
  });
  afterAll(async () => {
    await target?.stop();
    await cleanup(redis, prefix);
    await redis.quit();
  });

  it('keeps what client_golang serves: the request counter as a rate near the load, the goroutine gauge', async () => {
    const cfg = config(`${target.url}/metrics`);
    const registry = validateRegistry({ services: { svc: { pprof: target.url, lookback: '10s', baseline: '1m', metrics: { ...cfg, every: '1s' } } } }, 'test');
    if (!registry.ok) throw new Error(registry.error);
    const store = new ScrapeStore(redis, prefix);
    const said: string[] = [];
    const scrapers = startScrapers(registry.value, store, (l) => said.push(l));
    try {
      const series = await until(async () => {
        const s = await scrapedSeries(store, 'svc', cfg, Date.now() - 60_000, Date.now());
        return s[0].points.length >= 3 && s;
      }, 'three scraped rates');
      // The load generator asks 200 a second.
      const rates = series[0].points.map((p) => p.v);
      expect(Math.max(...rates)).toBeGreaterThan(100);
      expect(Math.min(...rates)).toBeLessThan(300);
      expect(series[1].points.every((p) => Number.isInteger(p.v) && p.v > 1)).toBe(true);
      expect(said).toEqual([]);
    } finally {
      scrapers.stop();
    }
  });

  it('says in one line what is wrong: a metric the service does not have, a dead target', async () => {
    const missing = await scrapeOnce({ ...config(`${target.url}/metrics`), queries: [{ name: 'nothing', signal: 'usage', metric: 'no_such_metric', labels: {} }] });
    expect(missing.ok && missing.value).toEqual([{ query: 'nothing', samples: [], counter: false }]);
    const port = await freePort();
    const dead = await scrapeOnce(config(`http://127.0.0.1:${port}/metrics`));
    expect(dead).toEqual({ ok: false, error: `scrape http://127.0.0.1:${port}/metrics: connection refused by 127.0.0.1:${port} (is the service running?)` });
    const bad = validateRegistry({ services: { svc: { pprof: target.url, metrics: { type: 'scrape', url: target.url, queries: [{ name: 'x', signal: 'usage', metric: 'rate(x[1m])' }] } } } }, 'rca.config.yaml');
    expect(bad).toEqual({ ok: false, error: 'rca.config.yaml: services.svc.metrics.queries.0.metric: expected a metric name such as process_cpu_seconds_total' });
  });
});
