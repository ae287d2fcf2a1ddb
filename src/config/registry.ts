// The service registry: one YAML file naming the services rca-bot may touch,
// where their profiles and probes are, and which channels they belong to.
// Read and validated once at start-up; a bad file names the bad key.

import { readFileSync } from 'node:fs';
import { parse, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { err, ok, type Result } from '../errors.js';

const findingKinds = ['cpu-hotspot', 'lock-contention', 'pool-exhaustion', 'goroutine-leak', 'memory-growth', 'gc-pressure'] as const;

const httpUrl = z
  .string()
  .refine((s) => /^https?:\/\/[^/\s]+/.test(s) && URL.canParse(s), { message: 'expected an http or https URL' });

// A single channel or user may be written on its own: `slack: C0123ABCD` is the list of that one.
const ids = z.union([z.string().min(1).transform((id) => [id]), z.array(z.string().min(1))], { error: 'expected an id or a list of ids' }).default([]);

const probe = z
  .object({
    name: z.string().regex(/^[\w.-]+$/, 'use letters, digits, dot, dash or underscore'),
    url: httpUrl,
    /** What a healthy answer looks like: the status code and/or fields of the JSON body. */
    expect: z
      .object({
        status: z.number().int().min(100).max(599).optional(),
        json: z.record(z.string(), z.unknown()).optional(),
      })
      .strict()
      .default({ status: 200 }),
    /** The finding a failing answer is evidence for. */
    indicates: z.enum(findingKinds).optional(),
  })
  .strict();

// "15m", "1h", "1d": how far back the other sources look.
const duration = z
  .string()
  .regex(/^\d+(?:s|m|h|d)$/, 'expected a duration such as 90s, 15m, 1h or 1d')
  .transform((d) => Number(d.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400 }[d.at(-1) as 's' | 'm' | 'h' | 'd']);

const traces = z
  .object({
    type: z.enum(['jaeger', 'tempo', 'zipkin']),
    url: httpUrl,
    /** The service's name in the tracing system; the registry name by default. */
    service: z.string().min(1).optional(),
    /** Most traces fetched per window. */
    limit: z.number().int().min(1).max(5000).default(200),
  })
  .strict();

const loki = z
  .object({
    type: z.literal('loki'),
    url: httpUrl,
    /** A LogQL log query, e.g. {app="order-api"}. */
    query: z.string().min(1),
    /** Loghub notation for the header, e.g. '<Date> <Time> <Level> <Component>: <Content>'. */
    format: z.string().min(1).optional(),
    limit: z.number().int().min(1).max(100_000).default(5000),
  })
  .strict();

// A log file on the bot's machine (a shared volume, a sidecar's output): the lines of the window by
// the time each carries (a JSON time/ts/timestamp field, or an RFC 3339 time at the start of the line).
const logFile = z
  .object({
    type: z.literal('file'),
    path: z.string().min(1),
    format: z.string().min(1).optional(),
    /** Lines kept per window, the newest. */
    limit: z.number().int().min(1).max(1_000_000).default(100_000),
  })
  .strict();

const logs = z.discriminatedUnion('type', [loki, logFile]);

const metricQuery = z
  .object({
    /** What it measures, plainly: "error ratio", "p99 latency", "connection pool usage". */
    name: z.string().min(1),
    /** error-ratio: a fraction 0..1; latency: seconds; usage: a gauge, with its limit when it has one. */
    signal: z.enum(['error-ratio', 'latency', 'usage']),
    query: z.string().min(1),
    limit: z.number().positive().optional(),
    unit: z.string().optional(),
    /** The service the series is about, when it is another one (a dependency's latency as this service sees it). */
    service: z.string().min(1).optional(),
  })
  .strict();

const metrics = z
  .object({
    type: z.literal('prometheus'),
    url: httpUrl,
    queries: z.array(metricQuery).min(1),
  })
  .strict();

// The embedded reader: the bot scrapes the service's /metrics itself, for a service without a Prometheus.
// A counter is read as a per-second rate, a gauge as it is; samples matching `labels` are summed.
const scrapeQuery = metricQuery
  .omit({ query: true })
  .extend({
    metric: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a metric name such as process_cpu_seconds_total'),
    labels: z.record(z.string(), z.string()).default({}),
  })
  .strict();

const scrape = z
  .object({
    type: z.literal('scrape'),
    url: httpUrl,
    /** Seconds between scrapes, 1 s to 1 h. */
    every: duration.refine((s) => s >= 1 && s <= 3600, 'expected an interval from 1s to 1h').default(5),
    queries: z.array(scrapeQuery).min(1),
  })
  .strict();

// A continuous profiler that keeps the service's profiles (Parca, Grafana Pyroscope): the minutes before an
// alert, or any past window, read from it. Only the profiles that are deltas over time (CPU, block, mutex) merge
// into a window; heap and goroutine snapshots would be summed, so they are not read from it.
export const pastProfileNames = ['cpu', 'block', 'mutex'] as const;

const profiles = z
  .object({
    type: z.enum(['parca', 'pyroscope']),
    url: httpUrl,
    /** The service's labels in the profiler: {job="order-api"} in Parca, {service_name="order-api"} in Pyroscope. */
    selector: z.string().regex(/^\{.*\}$/s, 'expected a label selector in braces, such as {job="order-api"}'),
    types: z.array(z.enum(pastProfileNames)).min(1).default(['cpu']),
    /** Pyroscope's tenant (X-Scope-OrgID), when it runs multi-tenant. */
    tenant: z.string().min(1).optional(),
  })
  .strict()
  // Parca keeps Go's block and mutex profiles as the running totals Go serves: a window of them cannot be merged.
  .refine((p) => p.type !== 'parca' || p.types.every((t) => t === 'cpu'), { message: 'Parca keeps block and mutex as running totals, not per window: only cpu can be read from it', path: ['types'] });

const service = z
  .object({
    pprof: httpUrl,
    /** Traces, logs and metrics of the last `lookback` are compared with the same window `baseline` earlier. */
    traces: traces.optional(),
    logs: logs.optional(),
    metrics: z.discriminatedUnion('type', [metrics, scrape]).optional(),
    profiles: profiles.optional(),
    lookback: duration.default(15 * 60),
    /**
     * How far back the baseline window is (a duration), or that and a background capture of a healthy
     * baseline: `{ago: 1d, every: 6h, seconds: 10}` keeps the newest healthy capture for Compare.
     */
    baseline: z
      .union([
        duration,
        z
          .object({
            ago: duration.default(86400),
            every: duration.refine((s) => s >= 60, 'expected an interval of 1m or more, such as 6h').optional(),
            seconds: z.number().int().min(1).max(300).default(10),
          })
          .strict(),
      ])
      .default(86400),
    /** Default capture window in seconds. */
    seconds: z.number().int().min(1).max(300).default(10),
    /**
     * The execution trace taken inside the window, while the CPU profile runs. A busy
     * service writes up to ~10 MB of trace a second: a few seconds tell enough.
     * flightRecorder: the path of the service's flight-recorder snapshot, fetched first when an alert arrives.
     */
    trace: z
      .object({
        seconds: z.number().min(0).max(60).default(2),
        maxBytes: z.number().int().min(1 << 16).default(64 << 20),
        flightRecorder: z.string().regex(/^\/\S*$/, 'expected a path on the pprof server, such as /debug/flightrecorder').optional(),
      })
      .strict()
      .default({ seconds: 2, maxBytes: 64 << 20 }),
    probes: z.array(probe).default([]),
    channels: z
      .object({
        slack: ids,
        feishu: ids,
      })
      .strict()
      .default({ slack: [], feishu: [] }),
    /** Who may diagnose it from chat: channel and user ids; an empty list allows everyone. */
    allowed: z
      .object({
        channels: ids,
        users: ids,
      })
      .strict()
      .default({ channels: [], users: [] }),
  })
  .strict()
  .transform(({ baseline, ...rest }) => ({
    ...rest,
    baseline: typeof baseline === 'number' ? baseline : baseline.ago,
    /** The background capture that keeps a healthy baseline for Compare (off unless `baseline.every`). */
    ...(typeof baseline === 'object' && baseline.every !== undefined ? { scheduledBaseline: { every: baseline.every, seconds: baseline.seconds } } : {}),
  }));

const digestSchedule = z
  .object({
    platform: z.enum(['slack', 'feishu', 'console']),
    channel: z.string().min(1),
    /** Cron, UTC unless tz: "0 9 * * 1" is Mondays at 09:00. */
    cron: z.string().regex(/^\S+( \S+){4,5}$/, 'expected a cron pattern such as "0 9 * * 1"').default('0 9 * * 1'),
    tz: z.string().optional(),
    days: z.union([z.literal(7), z.literal(30), z.literal(90)]).default(7),
    service: z.string().optional(),
  })
  .strict();

const registry = z
  .object({
    /** MTTR digests posted on a schedule. */
    digests: z.array(digestSchedule).default([]),
    /**
     * captures: how many services are captured at once, across every bot and worker process, so that a
     * storm of alerts cannot make the bot a load on what it diagnoses (the others wait, told their place).
     * Each service has at most one live capture: a second request for it joins the running one.
     */
    limits: z
      .object({ captures: z.number().int().min(1).max(1000).default(8) })
      .strict()
      .default({ captures: 8 }),
    services: z.record(z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'service names are lower-case letters, digits, dot, dash or underscore'), service),
  })
  .strict();

export type Registry = z.infer<typeof registry>;
export type ServiceConfig = z.output<typeof service>;
export type ProbeConfig = z.infer<typeof probe>;
export type TracesConfig = z.infer<typeof traces>;
export type LogsConfig = z.infer<typeof logs>;
export type MetricsConfig = z.infer<typeof metrics>;
export type ScrapeConfig = z.infer<typeof scrape>;
export type ProfilesConfig = z.infer<typeof profiles>;
export type PastProfileName = (typeof pastProfileNames)[number];

/** Validates a parsed registry; the error names the file, the key path and why. */
export function validateRegistry(data: unknown, file: string): Result<Registry> {
  const parsed = registry.safeParse(data ?? {});
  if (parsed.success) return ok(parsed.data);
  const issue = parsed.error.issues[0];
  const path = issue.path.length ? issue.path.join('.') : '(top level)';
  // A bad record key carries the key's own problem one level down.
  const nested = 'issues' in issue ? (issue.issues as { message: string }[] | undefined)?.[0]?.message : undefined;
  return err(`${file}: ${path}: ${nested ?? issue.message}`);
}

export function parseRegistry(text: string, file: string): Result<Registry> {
  let data: unknown;
  try {
    data = parse(text);
  } catch (e) {
    if (e instanceof YAMLParseError) {
      const at = e.linePos?.[0];
      return err(`${file}${at ? `:${at.line}:${at.col}` : ''}: not valid YAML (${e.message.split('\n')[0]})`);
    }
    throw e;
  }
  return validateRegistry(data, file);
}

export function loadRegistry(file: string): Result<Registry> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err(`${file}: ${code === 'ENOENT' ? 'no such file (set RCA_CONFIG or create rca.config.yaml)' : (e as Error).message}`);
  }
  return parseRegistry(text, file);
}

/** Services whose names are close to `name`, for "did you mean". */
export function closeNames(reg: Registry, name: string): string[] {
  const names = Object.keys(reg.services);
  const distance = (a: string, b: string) => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++)
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    return d[a.length][b.length];
  };
  return names
    .map((n) => ({ n, d: n.includes(name) || name.includes(n) ? 0 : distance(n, name) }))
    .filter((x) => x.d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d || a.n.localeCompare(b.n))
    .map((x) => x.n)
    .slice(0, 3);
}
