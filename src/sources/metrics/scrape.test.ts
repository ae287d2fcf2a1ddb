// The embedded reader against a real Go service's /metrics (client_golang), in a real Redis.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGo, startLoadedTarget, type Target } from '../../../test/helpers/go.js';
import { freePort } from '../../../test/helpers/server.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from '../../../test/helpers/redis.js';
import { validateRegistry, type ScrapeConfig } from '../../config/registry.js';
import { ScrapeStore, scrapedSeries, scrapeOnce, startScrapers } from './scrape.js';

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

  it('reads a counter as per-second rates, through a reset, and a gauge as it is; what is older than it keeps goes', async () => {
    const store = new ScrapeStore(redis, prefix);
    const t0 = Date.now();
    for (const [s, v] of [[0, 100], [2, 110], [4, 130], [6, 4]] as const) await store.add('svc', 'rate', t0 + s * 1000, v, true, 3600);
    expect((await store.range('svc', 'rate', t0, t0 + 10_000)).map((p) => p.v)).toEqual([5, 10, 2]);
    await store.add('svc', 'gauge', t0 - 7200_000, 9, false, 3600);
    await store.add('svc', 'gauge', t0, 7, false, 3600);
    expect(await store.range('svc', 'gauge', 0, t0 + 1)).toEqual([{ t: t0 / 1000, v: 7 }]);
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
    expect(missing.ok && missing.value).toEqual([{ query: 'nothing', value: undefined, counter: false }]);
    const port = await freePort();
    const dead = await scrapeOnce(config(`http://127.0.0.1:${port}/metrics`));
    expect(dead).toEqual({ ok: false, error: `scrape http://127.0.0.1:${port}/metrics: connection refused by 127.0.0.1:${port} (is the service running?)` });
    const bad = validateRegistry({ services: { svc: { pprof: target.url, metrics: { type: 'scrape', url: target.url, queries: [{ name: 'x', signal: 'usage', metric: 'rate(x[1m])' }] } } } }, 'rca.config.yaml');
    expect(bad).toEqual({ ok: false, error: 'rca.config.yaml: services.svc.metrics.queries.0.metric: expected a metric name such as process_cpu_seconds_total' });
  });
});
