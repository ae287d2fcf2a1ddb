// The embedded reader: for a service without a Prometheus, the bot scrapes its
// /metrics itself (`metrics: {type: scrape}` in the registry) and keeps the
// values in Redis, where every worker process reads them: a gauge as scraped,
// a counter as its per-second rate, taken series by series as rate() does.

import type { Redis } from 'ioredis';
import type { Registry, ScrapeConfig } from '../../config/registry.js';
import { err, ok, type Result } from '../../errors.js';
import type { MetricSeries } from '../../analysis/metrics/detect.js';
import { get } from '../http.js';
import { isCounter, matching, parseExposition, seriesKey, type Sample } from './exposition.js';
import type { Point } from './prometheus.js';

export class ScrapeStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(service: string, query: string): string {
    return `${this.prefix}:scrape:${service}:${query}`;
  }

  /** Adds one value at `t` (ms); values older than `keepSeconds` go. */
  async add(service: string, query: string, t: number, value: number, keepSeconds: number): Promise<void> {
    const key = this.key(service, query);
    await this.redis
      .multi()
      .zadd(key, t, `${t}:${value}`)
      .zremrangebyscore(key, '-inf', t - keepSeconds * 1000)
      .pexpire(key, keepSeconds * 1000)
      .exec();
  }

  /** The values between `start` and `end` (ms), at unix seconds. */
  async range(service: string, query: string, start: number, end: number): Promise<Point[]> {
    const members = await this.redis.zrangebyscore(this.key(service, query), start, end);
    return members.map((m) => {
      const [t, v] = m.split(':');
      return { t: Number(t) / 1000, v: Number(v) };
    });
  }
}

export interface Scraped {
  query: string;
  /** The samples of the query's metric with its labels. */
  samples: Sample[];
  /** Their sum; undefined when there are none. */
  value?: number;
  counter: boolean;
}

/** One scrape of `cfg.url`: the samples of each query, or why there are none. */
export async function scrapeOnce(cfg: ScrapeConfig, signal?: AbortSignal): Promise<Result<Scraped[]>> {
  const res = await get(cfg.url, { timeoutMs: Math.min(Math.max(cfg.every * 1000, 5000), 10_000), maxBytes: 16 << 20, signal });
  if (!res.ok) return err(`scrape ${cfg.url}: ${res.error}`);
  if (res.value.status !== 200) return err(`scrape ${cfg.url}: HTTP ${res.value.status}`);
  const e = parseExposition(res.value.body.toString('utf8'));
  return ok(
    cfg.queries.map((q) => {
      const samples = matching(e, q.metric, q.labels);
      return { query: q.name, samples, ...(samples.length ? { value: samples.reduce((n, x) => n + x.value, 0) } : {}), counter: isCounter(q.metric, e.types) };
    }),
  );
}

/**
 * A counter's per-second rate since the previous scrape, as Prometheus's rate() takes it: each
 * series' increase on its own (a series that went down was reset, and counted from zero), summed.
 * A series seen for the first time adds nothing; undefined when no series was seen before.
 */
export function counterRate(now: readonly Sample[], before: ReadonlyMap<string, number>, seconds: number): number | undefined {
  let rise = 0;
  let known = 0;
  for (const s of now) {
    const was = before.get(seriesKey(s));
    if (was === undefined) continue;
    known++;
    rise += s.value >= was ? s.value - was : s.value;
  }
  return known > 0 && seconds > 0 ? rise / seconds : undefined;
}

export interface Scrapers {
  stop(): void;
}

/**
 * Scrapes every `scrape` source of the registry on its interval, for as long as the bot runs: a
 * gauge is kept as scraped, a counter as its rate since the previous scrape. A failing scrape is
 * said once, and again only when the reason changes.
 */
export function startScrapers(registry: Registry, store: ScrapeStore, say: (line: string) => void): Scrapers {
  const timers: NodeJS.Timeout[] = [];
  const stopping = new AbortController();
  for (const [service, cfg] of Object.entries(registry.services)) {
    const m = cfg.metrics;
    if (m?.type !== 'scrape') continue;
    // Enough history for the baseline the diagnosis compares with, and the window itself.
    const keep = cfg.lookback + cfg.baseline + 60;
    const previous = new Map<string, { t: number; values: Map<string, number> }>();
    let busy = false;
    let last = '';
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const r = await scrapeOnce(m, stopping.signal);
        if (stopping.signal.aborted) return;
        const t = Date.now();
        const missing = r.ok ? r.value.filter((q) => q.value === undefined).map((q) => q.query) : [];
        const problem = !r.ok ? r.error : missing.length ? `scrape ${m.url}: no ${missing.join(', ')} in the answer` : '';
        if (problem !== last) say(problem ? `${service}: ${problem}` : `${service}: scraping ${m.url} again`);
        last = problem;
        if (!r.ok) return;
        for (const q of r.value) {
          if (q.value === undefined) continue;
          if (!q.counter) {
            await store.add(service, q.query, t, q.value, keep);
            continue;
          }
          const before = previous.get(q.query);
          previous.set(q.query, { t, values: new Map(q.samples.map((x) => [seriesKey(x), x.value])) });
          const rate = before && counterRate(q.samples, before.values, (t - before.t) / 1000);
          if (rate !== undefined) await store.add(service, q.query, t, rate, keep);
        }
      } catch (e) {
        if (!stopping.signal.aborted) say(`${service}: scrape ${m.url}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        busy = false;
      }
    };
    void tick();
    // Unreferenced: the scrapers never keep the process alive on their own.
    timers.push(setInterval(() => void tick(), m.every * 1000).unref());
  }
  return {
    stop: () => {
      stopping.abort();
      timers.forEach(clearInterval);
    },
  };
}

/** What the diagnosis reads of a `scrape` source: its series over `[start, end]` (ms). */
export async function scrapedSeries(store: ScrapeStore, service: string, cfg: ScrapeConfig, start: number, end: number): Promise<MetricSeries[]> {
  return Promise.all(
    cfg.queries.map(async (q) => ({
      name: q.name,
      signal: q.signal,
      service: q.service ?? service,
      ...(q.limit !== undefined ? { limit: q.limit } : {}),
      ...(q.unit !== undefined ? { unit: q.unit } : {}),
      points: await store.range(service, q.name, start, end),
    })),
  );
}
