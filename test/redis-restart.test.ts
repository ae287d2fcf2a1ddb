// Redis restarted in the middle of a diagnosis: the bot's own Redis (AOF on,
// as docker-compose runs it) goes down while the capture runs and comes back
// on the same port. The workers reconnect, the flow goes on, and the result
// is posted exactly once.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SlackAdapter, slackClient } from '../src/chat/slack/adapter.js';
import { Pipeline, queues } from '../src/queue/pipeline.js';
import { connectRedis, redisAnswers } from '../src/server/redis.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';
import { until } from './helpers/redis.js';
import { freePort } from './helpers/server.js';
import { FakeSlack, envOf } from './helpers/slack-fake.js';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;
if (!hasRedisServer) console.warn('skipping the Redis restart test: no redis-server binary (.ci/run installs it)');


describe.skipIf(!hasGo || !hasRedisServer)('Redis restarted mid-job', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-redis-'));
  let port: number;
  let url: string;
  let server: ChildProcess | undefined;
  let slackApi: FakeSlack;
  let redis: Redis;
  let pipeline: Pipeline;
  let workers: Workers;
  let target: Target;
  const logged: string[] = [];

  const startRedis = async () => {
    server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--save', ''], { stdio: 'ignore' });
    await until(() => redisAnswers(url), 'redis-server to answer', 10_000);
  };
  const stopRedis = async () => {
    const exited = new Promise((ok) => server?.once('exit', ok));
    server?.kill('SIGTERM');
    await exited;
  };

  beforeAll(async () => {
    port = await freePort();
    url = `redis://127.0.0.1:${port}`;
    await startRedis();
    slackApi = new FakeSlack();
    await slackApi.start();
    target = await startLoadedTarget(['-mode', 'pool']);
    redis = connectRedis(url, (l) => logged.push(l));
    const adapters = { slack: new SlackAdapter(slackClient(envOf({ SLACK_BOT_TOKEN: 'xoxb-t', SLACK_SIGNING_SECRET: 's', SLACK_API_URL: `${slackApi.url}api/` }))) };
    pipeline = new Pipeline(redis, 'restart', adapters);
    workers = startWorkers({ redisUrl: url, prefix: 'restart', adapters, log: (l) => logged.push(l) });
  });

  afterAll(async () => {
    await workers?.close();
    await pipeline?.close();
    redis?.disconnect();
    await target?.stop();
    await slackApi?.close();
    await stopRedis();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the flow goes on after Redis comes back, and the report is posted exactly once', async () => {
    const { job } = await pipeline.submit({
      target: { service: 'order-api', pprof: target.url, probes: [] },
      seconds: 3,
      requester: { platform: 'slack', channel: 'C1' },
      key: 'restart-1',
    });
    await until(async () => slackApi.calls.some((c) => c.method === 'chat.update' && c.body.text?.startsWith('📡')), 'the capture to start');
    await stopRedis();
    // Down long enough for the bot to notice, then back on the same port with its AOF.
    await until(async () => logged.some((l) => / is unreachable \(/.test(l)), 'the outage to be noticed');
    await startRedis();
    await until(async () => slackApi.calls.some((c) => c.method === 'chat.update' && /^(✅|❌)/.test(c.body.text ?? '')), 'the final status', 40_000);
    // Quiet means the publish job has completed: nothing more is on its way.
    const publish = new Queue(queues.publish, { connection: redis, prefix: 'restart' });
    await until(async () => (await publish.getJobState(job)) === 'completed', 'the publish job to complete', 20_000);
    await publish.close();
    const posts = slackApi.calls.filter((c) => c.method === 'chat.postMessage');
    expect(posts.map((p) => (p.body.thread_ts ? 'report' : 'root'))).toEqual(['root', 'report']);
    expect(posts[1].body.text).toMatch(/^🔴 order-api: confirmed/);
    expect(slackApi.calls.filter((c) => c.method === 'files.completeUploadExternal')).toHaveLength(2);
    expect(slackApi.calls.filter((c) => c.method === 'chat.update').at(-1)?.body.text).toBe('✅ order-api: confirmed (details in the thread)');
    // The outage was reported in a line per connection, without stack traces, and so was the return.
    expect(logged.some((l) => / is back$/.test(l))).toBe(true);
    expect(logged.every((l) => !l.includes('\n'))).toBe(true);
  });
});
