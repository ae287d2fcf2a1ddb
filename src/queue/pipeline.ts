// A diagnosis as a BullMQ flow: capture children (one per source) →
// analyse → publish. Requests are idempotent on the platform's key (a
// retried delivery never runs twice), and a second request for a service
// that is being diagnosed joins the running job instead of capturing again.

import { createHash } from 'node:crypto';
import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { ChatAdapter, MessageRef, Platform, Status } from '../chat/adapter.js';
import type { Target } from '../rca/diagnose.js';
import { err, ok, type Result } from '../errors.js';
import { JobState } from './state.js';
import { bullmqTelemetry, inSpan } from '../telemetry/spans.js';
import { log } from '../telemetry/log.js';

/**
 * capture: what touches the service (its profiles and probes over the window), capped across every
 * process by the registry's `limits.captures`; read: what reads other systems (traces, logs, metrics,
 * the continuous profiler).
 */
export const queues = { capture: 'rca-capture', read: 'rca-read', analyse: 'rca-analyse', compare: 'rca-compare', publish: 'rca-publish' } as const;

export interface Requester {
  platform: Platform;
  channel: string;
  user?: string;
  thread?: string;
}

export interface DiagnosisRequest {
  target: Target;
  seconds: number;
  requester: Requester;
  /** The platform's idempotency key: Slack trigger_id, Feishu event_id, a console message id. */
  key: string;
  /** An alert asked for it: the service's flight recorder, if it keeps one, is read first. */
  alert?: boolean;
  /**
   * A past window (ms since the epoch) read from the service's continuous profiler: the minutes
   * before an alert, beside the live capture; or `/rca --at`/`--since`, alone (`only`).
   */
  past?: PastRequest;
}

export interface PastRequest {
  start: number;
  end: number;
  /** Nothing is captured live: the profiler's window, and the other sources over the same window. */
  only?: boolean;
}

export interface Submitted {
  job: string;
  /** The request joined a diagnosis of the same service already running. */
  joined: boolean;
  /** The same request was delivered before; nothing new was started. */
  duplicate: boolean;
}

export interface CaptureData {
  job: string;
  /** pprof: the profiles and the probes over the window, one job so that both see the same window. */
  source: 'pprof' | 'sources' | 'past';
  target: Target;
  seconds: number;
  /** Read the flight recorder's snapshot first (the diagnosis answers an alert). */
  flight?: boolean;
  /** The profiler's window to read ('past'); for 'sources' when only the past is read, the window they read instead of the last minutes. */
  past?: PastRequest;
}

export interface AnalyseData {
  job: string;
  service: string;
  target: string;
  seconds: number;
  past?: PastRequest;
}

export interface PublishData {
  job: string;
  /** What the diagnosis holds while it runs (claimOf), released when it is published. */
  claim?: string;
}

/** What a running diagnosis holds, so that a second request joins it: its service; a past window is its own, joined only by the same window's. */
export function claimOf(service: string, past?: PastRequest): string {
  return past?.only ? `${service}@${past.start}-${past.end}` : service;
}

export interface CompareRequest {
  /** The diagnosis whose report had the button. */
  job: string;
  service: string;
  requester: Requester;
  /** The platform's idempotency key for the press. */
  key: string;
}

export interface CompareData {
  /** The compare request's own id. */
  job: string;
  service: string;
  /** The capture compared, present in both. */
  name: string;
  base: { job: string; at: string; data: string };
  current: { job: string; at: string; data: string };
}

export interface PostCompareData {
  job: string;
  requester: Requester;
}

/** Caps the captures running at once across every process (the registry's limits.captures). */
export async function capCaptures(redis: Redis, prefix: string, captures: number): Promise<void> {
  const queue = new Queue(queues.capture, { connection: redis, prefix });
  queue.on('error', () => undefined);
  try {
    await queue.setGlobalConcurrency(captures);
  } finally {
    await queue.close();
  }
}

/** A job id from a platform key: stable, without ':' and never all digits (BullMQ's rules). */
export function jobId(platform: Platform, key: string): string {
  return `rca-${platform}-${createHash('sha256').update(key).digest('hex').slice(0, 20)}`;
}

export class Pipeline {
  private readonly flow: FlowProducer;
  readonly state: JobState;

  constructor(
    redis: Redis,
    prefix: string,
    private readonly adapters: Partial<Record<Platform, ChatAdapter>>,
  ) {
    this.flow = new FlowProducer({ connection: redis, prefix, telemetry: bullmqTelemetry() });
    // An outage is said once by the connection (connectRedis); BullMQ would print it again, with a stack.
    this.flow.on('error', () => undefined);
    this.state = new JobState(redis, prefix);
  }

  adapter(platform: Platform): ChatAdapter {
    const a = this.adapters[platform];
    if (!a) throw new Error(`no ${platform} adapter is configured`);
    return a;
  }

  /** Starts a diagnosis, or joins the one running for the service: the root span of its trace's BullMQ part. */
  submit(req: DiagnosisRequest): Promise<Submitted> {
    return inSpan('rca.diagnosis', { 'rca.service': req.target.service, 'rca.platform': req.requester.platform, 'rca.window_seconds': req.seconds }, async (span) => {
      const submitted = await this.start(req);
      log.info({ job: submitted.job, service: req.target.service, platform: req.requester.platform, seconds: req.seconds, joined: submitted.joined, duplicate: submitted.duplicate }, submitted.duplicate ? 'request seen before' : submitted.joined ? 'joined the running diagnosis' : 'diagnosis queued');
      span.setAttributes({ 'rca.job': submitted.job, 'rca.joined': submitted.joined, 'rca.duplicate': submitted.duplicate });
      return submitted;
    });
  }

  private async start(req: DiagnosisRequest): Promise<Submitted> {
    const job = jobId(req.requester.platform, req.key);
    if (!(await this.state.claimRequest(job))) return { job, joined: false, duplicate: true };
    const only = req.past?.only === true;
    const status: Status = { job, service: req.target.service, seconds: req.seconds, stage: 'queued', since: new Date().toISOString(), ...(only ? { past: true } : {}) };
    const claim = claimOf(req.target.service, req.past);
    // A past window is read in well under a minute, however long it is.
    const holdSeconds = only ? 60 : req.seconds;
    const adapter = this.adapter(req.requester.platform);
    let root: MessageRef | undefined;
    for (;;) {
      const running = await this.state.claimService(claim, job, holdSeconds);
      if (running === job) break;
      const current = (await this.state.status(running)) ?? status;
      if (root) await adapter.updateStatus(root, { ...current, job: running });
      else root = await adapter.postStatus(req.requester.channel, { ...current, job: running }, req.requester.thread);
      // Joined only while that diagnosis still holds the service: one that has just published would never post here.
      if (await this.state.subscribeWhileHeld(claim, running, root)) return { job: running, joined: true, duplicate: false };
    }
    if (root) await adapter.updateStatus(root, status);
    else root = await adapter.postStatus(req.requester.channel, status, req.requester.thread);
    await this.state.start(job, status, root);
    const childOpts = { failParentOnFailure: true, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } };
    const capture = (source: CaptureData['source']) => ({
      name: `capture-${source}`,
      queueName: source === 'pprof' ? queues.capture : queues.read,
      data: { job, source, target: req.target, seconds: req.seconds, ...(req.alert ? { flight: true } : {}), ...(req.past && (source === 'past' || req.past.only) ? { past: req.past } : {}) } satisfies CaptureData,
      opts: { ...childOpts, jobId: `${job}-${source}` },
    });
    const past = req.past && req.target.profiles ? [capture('past')] : [];
    const sources = req.target.sources ? [capture('sources')] : [];
    const children = req.past?.only ? [...past, ...sources] : [capture('pprof'), ...sources, ...past];
    await this.flow.add({
      name: 'publish',
      queueName: queues.publish,
      data: { job, ...(claim !== req.target.service ? { claim } : {}) } satisfies PublishData,
      opts: { jobId: job, removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } },
      children: [
        {
          name: 'analyse',
          queueName: queues.analyse,
          data: { job, service: req.target.service, target: req.target.pprof, seconds: req.seconds, ...(req.past ? { past: req.past } : {}) } satisfies AnalyseData,
          opts: { ...childOpts, jobId: `${job}-analyse` },
          children,
        },
      ],
    });
    return { job, joined: false, duplicate: false };
  }

  /** Starts a comparison with the last healthy capture, or says in a line why there can be none. */
  async compare(req: CompareRequest): Promise<Result<string>> {
    const current = await this.state.loadProfiles(`job:${req.job}`);
    if (!current) return err(`the captures of \`${req.job}\` are no longer kept (they are for a day); run \`/rca ${req.service}\` again.`);
    const base = await this.state.loadProfiles(`healthy:${req.service}`);
    if (!base) return err(`no healthy capture of ${req.service} is on record yet: the newest diagnosis that finds it healthy becomes the baseline.`);
    if (base.job === req.job) return err(`this diagnosis is the last healthy capture of ${req.service} itself.`);
    const pick = current.profiles.find((p) => base.profiles.some((b) => b.name === p.name));
    if (!pick) return err(`the last healthy capture of ${req.service} has none of the profiles this diagnosis has.`);
    const basePick = base.profiles.find((b) => b.name === pick.name) as (typeof base.profiles)[number];
    const id = `${jobId(req.requester.platform, req.key)}-compare`;
    const opts = { removeOnComplete: { age: 3600 }, removeOnFail: { age: 86400 } };
    await this.flow.add({
      name: 'post-compare',
      queueName: queues.publish,
      data: { job: id, requester: req.requester } satisfies PostCompareData,
      opts: { ...opts, jobId: id },
      children: [
        {
          name: 'compare',
          queueName: queues.compare,
          data: {
            job: id,
            service: req.service,
            name: pick.name,
            base: { job: base.job, at: base.at, data: basePick.data.toString('base64') },
            current: { job: current.job, at: current.at, data: pick.data.toString('base64') },
          } satisfies CompareData,
          opts: { ...opts, jobId: `${id}-run`, failParentOnFailure: true },
        },
      ],
    });
    return ok(id);
  }

  async close(): Promise<void> {
    await this.flow.close();
  }
}
