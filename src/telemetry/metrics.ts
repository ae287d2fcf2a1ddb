// The bot's own Prometheus metrics, one registry per process (prom-client),
// served at GET /metrics. Labels stay low-cardinality: surfaces, stages,
// verdicts, queue names, the registry's services; never job or user ids.
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'rca_' });

const registers = [registry];

export const metrics = {
  /** Time from a request arriving to its answer: the ack, for chat surfaces and alert senders. */
  requests: new Histogram({
    name: 'rca_request_duration_seconds',
    help: 'Time to answer an inbound request (the ack), by surface and status class.',
    labelNames: ['surface', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 3, 5],
    registers,
  }),
  diagnoses: new Counter({ name: 'rca_diagnoses_total', help: 'Diagnoses published, by service and verdict.', labelNames: ['service', 'verdict'] as const, registers }),
  stages: new Histogram({
    name: 'rca_stage_duration_seconds',
    help: 'Time a job of a stage of the flow took to run (capture, analyse, compare, publish, digest).',
    labelNames: ['stage', 'outcome'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120],
    registers,
  }),
  stageWaits: new Histogram({
    name: 'rca_stage_wait_seconds',
    help: 'Time a job waited in its queue before a worker took it.',
    labelNames: ['stage'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers,
  }),
  captureErrors: new Counter({ name: 'rca_capture_errors_total', help: 'Captures and sources that failed, by source and reason.', labelNames: ['source', 'reason'] as const, registers }),
  redisReconnects: new Counter({ name: 'rca_redis_reconnects_total', help: 'Times a Redis connection was lost and came back.', registers }),
  alerts: new Counter({ name: 'rca_alerts_received_total', help: 'Alerts received, by sender.', labelNames: ['sender'] as const, registers }),
  alertsDeduplicated: new Counter({ name: 'rca_alerts_deduplicated_total', help: 'Alerts that joined an incident already open.', labelNames: ['sender'] as const, registers }),
  incidentsOpened: new Counter({ name: 'rca_incidents_opened_total', help: 'Incidents opened, by how (alert or command).', labelNames: ['by'] as const, registers }),
  incidentsResolved: new Counter({ name: 'rca_incidents_resolved_total', help: 'Incidents resolved.', registers }),
};

/** The surface a request path belongs to, for the request histogram. */
export function surfaceOf(path: string): string {
  if (path.startsWith('/slack')) return 'slack';
  if (path.startsWith('/feishu')) return 'feishu';
  if (path.startsWith('/console/api/send') || path.startsWith('/console/api/action')) return 'console';
  if (path.startsWith('/console')) return 'console-page';
  if (path === '/alerts/alertmanager') return 'alertmanager';
  if (path === '/alerts/grafana') return 'grafana';
  if (path.startsWith('/reports')) return 'reports';
  if (path === '/metrics') return 'metrics';
  return 'other';
}

/** A capture error's reason in a few words, from a bounded set. */
export function reasonOf(error: string): string {
  if (/connection refused/i.test(error)) return 'refused';
  if (/no complete answer within|timed? ?out/i.test(error)) return 'timeout';
  const http = /HTTP (\d)\d\d/.exec(error);
  if (http) return `http_${http[1]}xx`;
  if (/not a pprof profile|cannot be read|malformed|truncated|invalid/i.test(error)) return 'malformed';
  if (/expands past|too large|over the \S+ limit|larger than/i.test(error)) return 'too_large';
  if (/busy/i.test(error)) return 'busy';
  return 'other';
}

const queueStates = ['waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized', 'waiting-children'] as const;
let watched: { redis: Redis; queues: Queue[] } | undefined;
const withTimeout = <T>(p: Promise<T>, ms: number) => Promise.race([p, new Promise<undefined>((r) => setTimeout(() => r(undefined), ms).unref())]);

new Gauge({
  name: 'rca_queue_jobs',
  help: 'BullMQ jobs per queue and state, read from Redis when scraped.',
  labelNames: ['queue', 'state'] as const,
  registers,
  async collect() {
    // A scrape while Redis is away answers at once, without these, rather than queueing commands.
    const w = watched;
    const read = w?.redis.status === 'ready' ? await Promise.all(w.queues.map(async (q) => [q.name, await withTimeout(q.getJobCounts(...queueStates).catch(() => undefined), 1000)] as const)) : [];
    this.reset();
    for (const [queue, counts] of read) if (counts) for (const state of queueStates) this.set({ queue, state }, counts[state] ?? 0);
  },
});

/** Counts the jobs of the flow's queues in rca_queue_jobs from now on; close() stops. */
export function watchQueues(redis: Redis, prefix: string, names: string[]): { close(): Promise<void> } {
  // An outage is said once by the connection (connectRedis); the queues would print it again, with a stack.
  const queues = names.map((n) => new Queue(n, { connection: redis, prefix }).on('error', () => undefined));
  const mine = { redis, queues };
  watched = mine;
  return {
    close: async () => {
      if (watched === mine) watched = undefined;
      await Promise.all(queues.map((q) => q.close()));
    },
  };
}
