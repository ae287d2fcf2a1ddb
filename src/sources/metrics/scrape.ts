// The embedded reader: for a service without a Prometheus, the bot scrapes its
// /metrics itself (`metrics: {type: scrape}` in the registry) and keeps the
// values in Redis, where every worker process reads them. A counter is kept as
// scraped and read as a per-second rate; a gauge as it is.

import type { Redis } from 'ioredis';
import type { Registry, ScrapeConfig } from '../../config/registry.js';
import { err, ok, type Result } from '../../errors.js';
import type { MetricSeries } from '../../analysis/metrics/detect.js';
import { get } from '../http.js';
import { isCounter, parseExposition, pick } from './exposition.js';
import type { Point } from './prometheus.js';

export class ScrapeStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  private key(service: string, query: string): string {
    return `${this.prefix}:scrape:${service}:${query}`;
  }

  /** Adds one scraped value at `t` (ms); values older than `keepSeconds` go. */
  async add(service: string, query: string, t: number, value: number, counter: boolean, keepSeconds: number): Promise<void> {
    const key = this.key(service, query);
    await this.redis
      .multi()
      .zadd(key, t, `${t}:${value}${counter ? ':c' : ''}`)
      .zremrangebyscore(key, '-inf', t - keepSeconds * 1000)
      .pexpire(key, keepSeconds * 1000)
      .exec();
  }

  /** The points between `start` and `end` (ms), unix seconds; a counter's as per-second rates. */
  async range(service: string, query: string, start: number, end: number): Promise<Point[]> {
    const members = await this.redis.zrangebyscore(this.key(service, query), start, end);
    const raw = members.map((m) => {
      const [t, v, c] = m.split(':');
      return { t: Number(t), v: Number(v), counter: c === 'c' };
    });
    const out: Point[] = [];
    for (let i = 0; i < raw.length; i++) {
      const p = raw[i];
      if (!p.counter) {
        out.push({ t: p.t / 1000, v: p.v });
        continue;
      }
      const prev = raw[i - 1];
      if (!prev?.counter || p.t <= prev.t) continue;
      // A counter that went down was reset (the process restarted): it counted from zero since.
      const rise = p.v >= prev.v ? p.v - prev.v : p.v;
      out.push({ t: p.t / 1000, v: rise / ((p.t - prev.t) / 1000) });
    }
    return out;
  }
}

/** One scrape of `cfg.url`: the value of each query, or why there is none. */
export async function scrapeOnce(cfg: ScrapeConfig, signal?: AbortSignal): Promise<Result<{ query: string; value?: number; counter: boolean }[]>> {
  const res = await get(cfg.url, { timeoutMs: Math.min(Math.max(cfg.every * 1000, 5000), 10_000), maxBytes: 16 << 20, signal });
  if (!res.ok) return err(`scrape ${cfg.url}: ${res.error}`);
  if (res.value.status !== 200) return err(`scrape ${cfg.url}: HTTP ${res.value.status}`);
  const e = parseExposition(res.value.body.toString('utf8'));
  return ok(cfg.queries.map((q) => ({ query: q.name, value: pick(e, q.metric, q.labels), counter: isCounter(q.metric, e.types) })));
}

export interface Scrapers {
  stop(): void;
}

/**
 * Scrapes every `scrape` source of the registry on its interval, for as long as
 * the bot runs. A failing scrape is said once, and again only when the reason changes.
 */
export function startScrapers(registry: Registry, store: ScrapeStore, say: (line: string) => void): Scrapers {
  const timers: NodeJS.Timeout[] = [];
  for (const [service, cfg] of Object.entries(registry.services)) {
    const m = cfg.metrics;
    if (m?.type !== 'scrape') continue;
    // Enough history for the baseline the diagnosis compares with, and the window itself.
    const keep = cfg.lookback + cfg.baseline + 60;
    let busy = false;
    let last = '';
    const tick = async () => {
      if (busy) return;
      busy = true;
      try {
        const r = await scrapeOnce(m);
        const t = Date.now();
        const missing = r.ok ? r.value.filter((q) => q.value === undefined).map((q) => q.query) : [];
        const problem = !r.ok ? r.error : missing.length ? `scrape ${m.url}: no ${missing.join(', ')} in the answer` : '';
        if (problem !== last) say(problem ? `${service}: ${problem}` : `${service}: scraping ${m.url} again`);
        last = problem;
        if (r.ok) for (const q of r.value) if (q.value !== undefined) await store.add(service, q.query, t, q.value, q.counter, keep);
      } catch (e) {
        say(`${service}: scrape ${m.url}: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        busy = false;
      }
    };
    void tick();
    timers.push(setInterval(() => void tick(), m.every * 1000));
  }
  return { stop: () => timers.forEach(clearInterval) };
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
