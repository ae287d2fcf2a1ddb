// The bot's /metrics, read by a real Prometheus (Debian's package): the
// README's bot tells its demo story and diagnoses the alert it fires; the acks, the
// stages, the alert and the verdict show in /metrics, and Prometheus,
// scraping every second, answers a query on them.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { prometheusBinary, startPrometheus } from './helpers/prom-stack.js';
import { startBot, type Bot } from './helpers/bot.js';

if (!prometheusBinary) console.warn('skipping the Prometheus scrape test: no prometheus binary (.ci/run installs Debian\'s prometheus)');

describe.skipIf(!hasRedis)("the bot's own metrics", () => {
  let bot: Bot;
  let base: string;
  const prefix = uniquePrefix();

  beforeAll(async () => {
    bot = await startBot({ RCA_REDIS_PREFIX: prefix, REDIS_URL: redisUrl });
    base = bot.base;
  });

  afterAll(async () => {
    await bot?.stop();
    const redis = new Redis(redisUrl);
    await cleanup(redis, prefix);
    await redis.quit();
  });

  const scrape = async () => (await fetch(`${base}/metrics`)).text();

  it('counts the demo alert, its incident, the ack, each stage and the verdict, with no job ids in any label', { timeout: 120_000 }, async () => {
    // The demo's story: its own /rca while healthy, then Alertmanager's alert and its diagnosis.
    const text = await until(async () => {
      const t = await scrape();
      return /^rca_alerts_received_total\{sender="alertmanager"\} 1$/m.test(t) && /^rca_diagnoses_total\{service="demo-api",verdict="(confirmed|likely|needs-review)"\} 1$/m.test(t) && t;
    }, "the demo alert's diagnosis in /metrics", 90_000);
    expect(text).toMatch(/^rca_diagnoses_total\{service="demo-api",verdict="healthy"\} 1$/m);
    expect(text).toMatch(/^rca_alerts_received_total\{sender="alertmanager"\} 1$/m);
    expect(text).toMatch(/^rca_incidents_opened_total\{by="alert"\} 1$/m);
    expect(text).toMatch(/^rca_request_duration_seconds_count\{surface="alertmanager",status="2xx"\} 1$/m);
    for (const stage of ['capture', 'analyse', 'publish']) expect(text).toMatch(new RegExp(`^rca_stage_duration_seconds_count\\{stage="${stage}",outcome="completed"\\} [1-9]`, 'm'));
    expect(text).toMatch(/^rca_queue_jobs\{queue="rca-publish",state="completed"\} [1-9]/m);
    expect(text).toMatch(/^rca_process_cpu_seconds_total /m);
    expect(text).toMatch(/^rca_nodejs_eventloop_lag_p99_seconds /m);
    // Labels come from small sets: no job ids, incident ids or user names.
    const labels = [...text.matchAll(/^\w+\{([^}]*)\}/gm)].flatMap((m) => [...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => `${l[1]}=${l[2]}`));
    expect(labels.filter((l) => /[0-9a-f]{8}-|job-|inc-|[A-Za-z0-9_-]{20,}/.test(l.split('=')[1]))).toEqual([]);
    expect(new Set(labels.filter((l) => l.startsWith('surface=')))).toEqual(new Set(labels.filter((l) => l.startsWith('surface=')).filter((l) => /^surface=(slack|feishu|console|console-page|alertmanager|grafana|reports|metrics|other)$/.test(l))));
  });

  it.skipIf(!prometheusBinary)('a real Prometheus scrapes /metrics and answers a query on the verdicts', async () => {
    const prom = await startPrometheus({ targets: { 'rca-bot': new URL(base).host } });
    const { version } = prom;
    try {
      const query = async (q: string) => {
        const res = await fetch(`${prom.url}/api/v1/query?query=${encodeURIComponent(q)}`).catch(() => undefined);
        if (!res?.ok) return undefined;
        const body = (await res.json()) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        return body.data.result.length > 0 ? body.data.result : undefined;
      };
      const up = await until(() => query('up{job="rca-bot"} == 1'), `${version} scraping the bot`, 30_000);
      expect(up[0].metric.instance).toBe(new URL(base).host);
      const diagnoses = await until(() => query('sum by (service) (rca_diagnoses_total)'), 'rca_diagnoses_total in Prometheus', 30_000);
      // The healthy check and the alert's diagnosis.
      expect(diagnoses).toEqual([{ metric: { service: 'demo-api' }, value: [expect.any(Number), '2'] }]);
    } finally {
      await prom.stop();
    }
  });
});
