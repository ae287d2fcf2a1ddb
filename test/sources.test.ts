// Traces, logs and metrics beside the profiles: a Go service whose database
// pool is exhausted, a Loki that has the "waiting for a connection" warning
// only in the incident window, and a Prometheus whose pool gauge sits at its
// limit only now. Block profile, logs and metrics are three independent
// sources for one cause: confirmed. A broken trace backend is said in the
// report and the others still count.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDiagnose } from '../src/cli/diagnose.js';
import { ConsoleAdapter } from '../src/chat/console/adapter.js';
import { ConsoleStore } from '../src/chat/console/store.js';
import { Pipeline } from '../src/queue/pipeline.js';
import type { Report } from '../src/model.js';
import { planOf } from '../src/rca/sources.js';
import { startWorkers } from '../workers/index.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { cleanup, hasRedis, redisUrl, uniquePrefix, until } from './helpers/redis.js';
import { closeServers, serve } from './helpers/server.js';
import { prometheusMatrix } from './helpers/answers.js';

const LOOKBACK = 15 * 60;

async function fakeLoki() {
  return serve((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    const start = BigInt(url.searchParams.get('start') ?? '0');
    const end = BigInt(url.searchParams.get('end') ?? '0');
    const incident = Number(start / 1_000_000n) > Date.now() - 3600_000;
    const values: [string, string][] = [];
    for (let i = 0; i < 200; i++) {
      const ts = String(start + ((end - start) * BigInt(i)) / 200n);
      const line =
        incident && i % 4 === 0
          ? `level=warn msg="waiting for a free connection from pool" pool=orders-db waited=${1 + (i % 7) * 0.3}s`
          : `level=info msg="served request" path=/orders/${i} status=200 took=${3 + (i % 5)}ms`;
      values.push([ts, line]);
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [{ stream: { app: 'order-api' }, values }] } }));
  });
}

async function fakePrometheus() {
  return serve((req, res) => {
    const url = new URL(req.url ?? '', 'http://x');
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const step = Number(url.searchParams.get('step'));
    const values: [number, string][] = [];
    // A pool of 20: 3–6 in use all day, all 20 in the last quarter hour.
    for (let t = start, i = 0; t <= end; t += step, i++) values.push([t, String(t > end - LOOKBACK ? 20 : 3 + (i % 4))]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(prometheusMatrix({ pool: 'orders-db' }, values)));
  });
}

const sourceYaml = (loki: string, prom: string) =>
  [
    `    logs:\n      type: loki\n      url: ${loki}\n      query: '{app="order-api"}'`,
    `    metrics:\n      type: prometheus\n      url: ${prom}\n      queries:\n        - name: connection pool usage\n          signal: usage\n          query: sql_open_connections{pool="orders-db"}\n          limit: 20`,
  ].join('\n');

describe.skipIf(!hasGo)('traces, logs and metrics with the profiles', () => {
  let target: Target;
  let loki: { url: string; requests: string[] };
  let prom: { url: string; requests: string[] };
  const dir = mkdtempSync(join(tmpdir(), 'rca-sources-'));

  beforeAll(async () => {
    target = await startLoadedTarget(['-mode', 'pool']);
    loki = await fakeLoki();
    prom = await fakePrometheus();
  });

  afterAll(async () => {
    await target?.stop();
    await closeServers();
    rmSync(dir, { recursive: true, force: true });
  });

  it('rca-bot diagnose: block profile, a new log warning and the pool gauge confirm the cause; a broken trace backend is said and counted out', async () => {
    const jaeger = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"data": [ {"traceID": ');
    });
    const config = join(dir, 'rca.config.yaml');
    writeFileSync(config, `services:\n  order-api:\n    pprof: ${target.url}\n    seconds: 2\n    traces:\n      type: jaeger\n      url: ${jaeger.url}\n${sourceYaml(loki.url, prom.url)}\n`);
    const out: string[] = [];
    const code = await runDiagnose(['order-api', '--json'], { out: (l) => out.push(l), err: () => undefined }, { RCA_CONFIG: config });
    expect(code).toBe(0);
    const report = JSON.parse(out.join('\n')) as Report;
    expect(report.verdict).toBe('confirmed');
    const top = report.findings[0];
    expect(top.kind).toBe('pool-exhaustion');
    expect([...new Set(top.evidence.map((e) => e.source))]).toEqual(expect.arrayContaining(['block', 'logs', 'metrics']));
    expect(top.evidence.find((e) => e.source === 'logs')?.summary).toContain('waiting for a free connection from pool');
    expect(top.evidence.find((e) => e.source === 'metrics')?.summary).toMatch(/^connection pool usage 100% of its limit in the incident window/);
    const traces = report.errors.find((e) => e.source === 'traces');
    expect(traces?.error).toMatch(/^jaeger http:\/\/127\.0\.0\.1:\d+: not valid JSON/);
    expect(traces?.error).not.toContain('\n');
    // The incident window is the last 15 minutes; the baseline the same window a day before.
    const [first, second] = loki.requests.map((r) => new URL(r, 'http://x').searchParams);
    const starts = [first, second].map((p) => Number(BigInt(p.get('start') ?? '0') / 1_000_000n)).sort();
    expect(Math.round((starts[1] - starts[0]) / 1000)).toBe(86400);
    expect(prom.requests.length).toBeGreaterThan(0);
  });

  describe.skipIf(!hasRedis)('through the pipeline', () => {
    const prefix = uniquePrefix();
    let redis: Redis;

    beforeAll(() => {
      redis = new Redis(redisUrl);
    });
    afterAll(async () => {
      await cleanup(redis, prefix);
      await redis.quit();
    });

    it('the sources are a capture child of the flow, and their evidence reaches the report in the thread', async () => {
      const store = new ConsoleStore(redis, `${prefix}:console`);
      const adapters = { console: new ConsoleAdapter(store) };
      const pipeline = new Pipeline(redis, prefix, adapters);
      const workers = startWorkers({ redisUrl, prefix, adapters });
      try {
        const sources = planOf('order-api', {
          lookback: LOOKBACK,
          baseline: 86400,
          logs: { type: 'loki', url: loki.url, query: '{app="order-api"}', limit: 5000 },
          metrics: { type: 'prometheus', url: prom.url, queries: [{ name: 'connection pool usage', signal: 'usage', query: 'sql_open_connections', limit: 20 }] },
        });
        await pipeline.submit({ target: { service: 'order-api', pprof: target.url, probes: [], sources }, seconds: 2, requester: { platform: 'console', channel: 'inc' }, key: 'k1' });
        const report = await until(async () => (await store.list('inc')).find((m) => m.text.startsWith('## order-api')), 'the report');
        expect(report.text).toMatch(/^## order-api: confirmed/);
        expect(report.text).toContain('   - logs: ');
        expect(report.text).toContain('   - metrics: connection pool usage');
      } finally {
        await workers.close();
        await pipeline.close();
      }
    });
  });
});
