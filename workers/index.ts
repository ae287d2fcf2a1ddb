// Starts the BullMQ workers of the pipeline. They can run in the bot's own
// process or in any number of worker processes on the same Redis.
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker, type Job } from 'bullmq';
import type { ChatAdapter, Platform, Stage } from '../src/chat/adapter.js';
import { claimOf, queues, type AnalyseData, type CaptureData, type CompareData, type PastRequest } from '../src/queue/pipeline.js';
import { IncidentStore } from '../src/incidents/store.js';
import { ReportStore } from '../src/reports/store.js';
import { digestQueue } from '../src/queue/digests.js';
import { JobState } from '../src/queue/state.js';
import { connectRedis, type RedisTarget } from '../src/server/redis.js';
import { traced } from '../src/chat/traced.js';
import { metrics, reasonOf } from '../src/telemetry/metrics.js';
import { activeIds, bullmqTelemetry } from '../src/telemetry/spans.js';
import { profileOf } from '../src/rca/fuse.js';
import type { AnalyseResult } from './analyse.js';
import { captureJob, type CaptureResult } from './capture.js';
import type { Deps } from './deps.js';
import { digestProcessor } from './digest.js';
import { baselineProcessor, type BaselineResult } from './baseline.js';
import { baselineQueue, type BaselineData } from '../src/queue/baselines.js';
import { inProcess, threadPool } from './offload.js';
import { postCompareProcessor, publishProcessor } from './publish.js';
import { log } from '../src/telemetry/log.js';
import { ScrapeStore, scrapedSeries } from '../src/sources/metrics/scrape.js';
import type { SourcePlan } from '../src/rca/sources.js';

export interface WorkerOptions {
  /** A redis:// URL, or a Sentinel or Cluster target (src/server/redis.ts). */
  redisUrl: RedisTarget;
  prefix: string;
  adapters: Partial<Record<Platform, ChatAdapter>>;
  /** BullMQ's lock and stalled-check timing; shorter in tests that kill workers. */
  lockDuration?: number;
  stalledInterval?: number;
  /** Decoding and rendering in a pool of worker threads (needs dist/); in process when false, as the tests run them. */
  threads?: boolean;
  /** Base URL of report pages; no links without it. */
  publicUrl?: () => string | undefined;
  /** How long report pages live (default 30 days). */
  reportTtlSeconds?: number;
  /** Where connection trouble is reported, a line each (stderr by default). */
  log?: (line: string) => void;
  /** Whether a scheduled baseline capture may run now: undefined, or why not (the service's rate limit). */
  mayCapture?: (service: string) => Promise<string | undefined>;
  /** How often diagnoses waiting for a capture slot are told their place (default 1 s). */
  positionsEveryMs?: number;
  /** At most one scheduled baseline capture starts per this many ms, across every process (default 10 s). */
  baselineSpacingMs?: number;
}

export interface Workers {
  workers: Worker[];
  /**
   * Stops taking jobs and lets the running ones finish; those still running after `deadlineMs`
   * are handed back to the queue (another worker takes them from the start, two seconds later)
   * and cancelled here, and the workers close.
   */
  close(deadlineMs?: number): Promise<{ handedBack: number }>;
}

const final = (stage: Stage) => stage === 'done' || stage === 'failed';

/** How soon a job handed back at shutdown can be taken again: after this worker has stopped fetching. */
const HAND_BACK_MS = 2000;

/** The jobs running, with the lock token each was taken with: what a shutdown hands back. */
type Running = Map<string, { job: Job; token: string | undefined }>;

/** A processor whose start, end and failure are log lines, inside the job's span (so they carry its trace id). */
function logged<D, R>(running: Running, stage: string, run: (job: Job<D>, signal?: AbortSignal) => Promise<R>): (job: Job<D>, token?: string, signal?: AbortSignal) => Promise<R> {
  return async (job, token, signal) => {
    const key = `${job.queueName}:${job.id}`;
    running.set(key, { job, token });
    try {
      return await runLogged(stage, (j) => run(j, signal), job);
    } finally {
      running.delete(key);
    }
  };
}

async function runLogged<D, R>(stage: string, run: (job: Job<D>) => Promise<R>, job: Job<D>): Promise<R> {
  const data = job.data as { job?: string; service?: string; source?: string; target?: { service?: string } };
  const l = log.child({ stage, job: data.job ?? job.id, service: data.service ?? data.target?.service, ...(data.source ? { source: data.source } : {}), attempt: job.attemptsMade + 1 });
  const t0 = performance.now();
  l.info(`${stage} started`);
  try {
    const r = await run(job);
    l.info({ ms: Math.round(performance.now() - t0) }, `${stage} done`);
    return r;
  } catch (e) {
    l.warn({ ms: Math.round(performance.now() - t0), error: e instanceof Error ? e.message.split('\n')[0] : String(e) }, `${stage} failed`);
    throw e;
  }
}

export function startWorkers(o: WorkerOptions): Workers {
  const say = o.log ?? ((line: string) => log.warn(line));
  const running: Running = new Map();
  let handingBack = false;
  const redis = connectRedis(o.redisUrl, say);
  const state = new JobState(redis, o.prefix);
  const tracedAdapters = new Map<ChatAdapter, ChatAdapter>();
  const adapter = (platform: Platform) => {
    const a = o.adapters[platform];
    if (!a) throw new Error(`no ${platform} adapter is configured`);
    let t = tracedAdapters.get(a);
    if (!t) tracedAdapters.set(a, (t = traced(a)));
    return t;
  };
  const deps: Deps = {
    state,
    incidents: new IncidentStore(redis, o.prefix),
    publicUrl: o.publicUrl ?? (() => undefined),
    adapter,
    async progress(job: string, stage: Stage, detail?: string) {
      const current = await state.status(job);
      if (!current || final(current.stage)) return;
      const status = { ...current, stage, detail };
      // A capture retried after the job ended (a stalled worker coming back) must not reopen it.
      if (final(stage)) await state.setStatus(status);
      else if (!(await state.advance(status))) return;
      for (const root of await state.roots(job)) await adapter(root.platform).updateStatus(root, status);
    },
  };
  const common = {
    connection: connectRedis(o.redisUrl, say),
    prefix: o.prefix,
    telemetry: bullmqTelemetry(),
    ...(o.lockDuration ? { lockDuration: o.lockDuration } : {}),
    ...(o.stalledInterval ? { stalledInterval: o.stalledInterval } : {}),
  };
  const offload = o.threads ? threadPool() : inProcess();
  const scrapes = new ScrapeStore(redis, o.prefix);
  // What the bot kept of a `scrape` source travels to the analysis thread with the plan.
  const withScraped = async (plan: SourcePlan, now: number): Promise<SourcePlan> => {
    if (plan.metrics?.type !== 'scrape') return plan;
    const from = now - (plan.lookback + plan.baseline) * 1000;
    return { ...plan, scraped: await scrapedSeries(scrapes, plan.service, plan.metrics, from, now) };
  };
  const reports = new ReportStore(redis, `${o.prefix}:reports`, { ttlSeconds: o.reportTtlSeconds });
  const capture = new Worker(
    queues.capture,
    logged(running, 'capture', async (job: Job<CaptureData>, signal): Promise<CaptureResult> => {
      await deps.progress(job.data.job, 'capturing');
      await state.holdService(job.data.target.service, job.data.job, job.data.seconds * 1000 + 120_000);
      return captureJob(job, async (plan, now) => offload.sources(await withScraped(plan, now), now), signal);
    }),
    { ...common, concurrency: 8 },
  );
  // Reading traces, logs, metrics and the profiler: the same processor, outside the captures' cap.
  const read = new Worker(
    queues.read,
    logged(running, 'read', async (job: Job<CaptureData>, signal): Promise<CaptureResult> => {
      if (job.data.source === 'past' && job.data.past?.only) await deps.progress(job.data.job, 'capturing');
      return captureJob(job, async (plan, now) => offload.sources(await withScraped(plan, now), now), signal);
    }),
    { ...common, concurrency: 8 },
  );
  const analyse = new Worker(
    queues.analyse,
    logged(running, 'analyse', async (job: Job<AnalyseData>): Promise<AnalyseResult> => {
      await deps.progress(job.data.job, 'analysing');
      const values = Object.values(await job.getChildrenValues<CaptureResult>());
      const stageBaseline = await deps.state.loadStages(job.data.service);
      const { flames = [], ...result } = await offload.analyse({ data: job.data, timestamp: job.timestamp, values, ...(stageBaseline ? { stageBaseline } : {}) });
      // The report names the trace of its own diagnosis, so an operator can go from the page to it.
      const ids = activeIds();
      if (ids) result.report.traceId = ids.trace_id;
      // The page's HTML goes to its own key, not into the job's return value.
      log.info({ job: job.data.job, service: job.data.service, verdict: result.report.verdict, cause: result.report.findings[0]?.kind }, 'verdict');
      return { ...result, reportId: await reports.save(result.report, flames, { job: job.data.job }) };
    }),
    { ...common, concurrency: 2 },
  );
  const compare = new Worker(queues.compare, logged(running, 'compare', (job: Job<CompareData>) => offload.compare(job.data)), { ...common, concurrency: 1 });
  const publish = publishProcessor(deps);
  const postCompare = postCompareProcessor(deps);
  const publishing = new Worker(queues.publish, logged(running, 'publish', async (job: Job): Promise<unknown> => (job.name === 'post-compare' ? postCompare(job) : publish(job))), { ...common, concurrency: 4 });
  const digests = new Worker(digestQueue, logged(running, 'digest', digestProcessor(deps, offload)), { ...common, concurrency: 1 });
  // Background captures are spaced out across every process: at most one starts every 10 s.
  const baselines = new Worker(baselineQueue, logged(running, 'baseline', baselineProcessor(state, offload, o.mayCapture)), { ...common, concurrency: 1, limiter: { max: 1, duration: o.baselineSpacingMs ?? 10_000 } });
  baselines.on('completed', (job: Job, r: BaselineResult) => {
    if (r.kept) log.info({ service: (job.data as BaselineData).service, at: r.at }, 'scheduled baseline kept');
    else log.info({ service: (job.data as BaselineData).service, why: r.why }, 'scheduled baseline not kept');
  });
  const workers = [capture, read, analyse, compare, publishing, digests, baselines];
  // Diagnoses waiting for a capture slot (the registry's limits.captures) say how many are ahead of them.
  const captureQueue = new Queue(queues.capture, { connection: redis, prefix: o.prefix }).on('error', () => undefined);
  const positions = setInterval(() => void queuePositions().catch(() => undefined), o.positionsEveryMs ?? 1000);
  positions.unref();
  async function queuePositions(): Promise<void> {
    // One process of however many says it, a pass at a time (the lock is held for the pass, at most 30 s).
    const lock = `${o.prefix}:capture-positions`;
    if (handingBack || (await redis.set(lock, '1', 'PX', 30_000, 'NX')) !== 'OK') return;
    try {
      // getWaiting lists them in the order they will be taken (a job handed back at shutdown keeps its old timestamp, not its place).
      const waiting = (await captureQueue.getWaiting(0, 999)).filter((j) => j?.data?.job);
      for (const [i, j] of waiting.entries()) {
        const data = j.data as CaptureData;
        // A diagnosis waiting for a slot keeps its claim on the service: a second request still joins it.
        await state.holdService(data.target.service, data.job, data.seconds * 1000 + 120_000);
        const status = await state.queuedAhead(data.job, i === 0 ? 'next in line' : `${i} ahead`);
        if (status) for (const root of await state.roots(status.job)) await adapter(root.platform).updateStatus(root, status).catch(() => undefined);
      }
    } finally {
      await redis.pexpire(lock, Math.max(100, (o.positionsEveryMs ?? 1000) - 100));
    }
  }
  // Time per stage, and in its queue, from BullMQ's own timestamps.
  const timed = (job: Job | undefined, outcome: 'completed' | 'failed') => {
    if (!job?.processedOn || !job.finishedOn) return;
    const stage = job.queueName.replace(/^rca-/, '');
    metrics.stages.observe({ stage, outcome }, (job.finishedOn - job.processedOn) / 1000);
    // A flow's parents are created with their children and wait for them: only jobs with none waited for a worker alone.
    if (leaves.has(job.queueName)) metrics.stageWaits.observe({ stage }, Math.max(0, job.processedOn - job.timestamp) / 1000);
  };
  const leaves = new Set<string>([queues.capture, queues.read, queues.compare, digestQueue]);
  for (const w of workers) {
    w.on('completed', (job: Job) => timed(job, 'completed'));
    w.on('failed', (job: Job | undefined) => timed(job, 'failed'));
  }
  // Counted once a job is done, whatever retries or stalls it took: capture errors (a profile's start and end
  // snapshots as one), and diagnoses published.
  analyse.on('completed', (_job: Job, value: unknown) => {
    const errors = (value as AnalyseResult | undefined)?.report.errors ?? [];
    const seen = new Set<string>();
    for (const e of errors) {
      const source = profileOf(e.source);
      const reason = reasonOf(e.error);
      if (seen.has(`${source}\0${reason}`)) continue;
      seen.add(`${source}\0${reason}`);
      metrics.captureErrors.inc({ source, reason });
    }
  });
  publishing.on('completed', (job: Job, value: unknown) => {
    const r = value as { service?: string; verdict?: string } | undefined;
    if (job.name !== 'post-compare' && r?.service && r.verdict) metrics.diagnoses.inc({ service: r.service, verdict: r.verdict });
  });
  // Without a listener BullMQ would print each connection error with its stack.
  // A Redis failover repeats one error many times a second: each worker says it once, until another comes.
  for (const w of workers) {
    let last = '';
    w.on('error', (e: Error) => {
      const line = `rca-bot worker ${w.name}: ${e.message.split('\n')[0]}`;
      if (line !== last) say(line);
      last = line;
    });
  }
  // A job that fails for good tells the chats that asked why.
  for (const w of workers)
    w.on('failed', (job: Job | undefined, error: Error) => {
      // A job handed back at shutdown runs on elsewhere: its processor ending here (its lock gone) is no failure.
      if (handingBack) return;
      if (!job || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      const data = job.data as { job?: string; service?: string; target?: { service: string }; past?: PastRequest; claim?: string };
      const service = data.service ?? data.target?.service;
      if (!data.job) return;
      // The child's own error says why; the parents it fails only repeat "child … failed".
      if (/^child \S+ failed$/.test(error.message)) return;
      const id = data.job;
      void (async () => {
        if (!(await state.claim(id, 'failed'))) return;
        const claim = data.claim ?? (service ? claimOf(service, data.past) : undefined);
        if (claim) await state.releaseService(claim, id);
        await deps.progress(id, 'failed', error.message.split('\n')[0]);
      })().catch(() => undefined);
    });
  return {
    workers,
    async close(deadlineMs) {
      // close() stops fetching and waits for the running jobs (a job whose fetch was in flight too); at the deadline
      // those are handed back and cancelled here, so that the wait ends.
      const closing = Promise.all(workers.map((w) => w.close()));
      const finished = deadlineMs === undefined ? await closing.then(() => true) : await Promise.race([closing.then(() => true), sleep(deadlineMs, undefined, { ref: false }).then(() => false)]);
      let handedBack = 0;
      if (!finished) {
        handingBack = true;
        // Handed back with their lock released, delayed a little so that nothing of this worker takes them again:
        // another worker starts them within HAND_BACK_MS, instead of after a stall check.
        for (const { job, token } of running.values()) {
          if (await job.moveToDelayed(Date.now() + HAND_BACK_MS, token).then(() => true, () => false)) handedBack++;
        }
        // Their processors here get the abort signal (a capture stops waiting on the target); their results are dropped.
        for (const w of workers) w.cancelAllJobs('the worker is shutting down; the job was handed back');
        await closing;
      }
      clearInterval(positions);
      await captureQueue.close();
      await offload.close();
      await common.connection.quit();
      await redis.quit();
      return { handedBack };
    },
  };
}

/** Closes `w` with `seconds` for the running jobs, saying so before and after (the bot and `rca-bot worker` alike). */
export async function shutDown(w: Workers, seconds: number, say: (line: string) => void): Promise<void> {
  say(`stopping: running jobs have ${seconds} s to finish (RCA_SHUTDOWN_S)`);
  const { handedBack } = await w.close(seconds * 1000);
  say(handedBack ? `stopped: ${handedBack} unfinished job${handedBack === 1 ? '' : 's'} handed back to the queue` : 'stopped: every running job finished');
}
