// The OpenTelemetry SDK of a process: started before anything else is loaded
// (bin/rca-bot.js, the analysis threads), and only when the standard OTEL_*
// variables ask for export. Otherwise nothing is loaded, nothing is patched,
// and every span below is the API's no-op.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { register } from 'node:module';
import type { Instrumentation } from '@opentelemetry/instrumentation';

type Env = Record<string, string | undefined>;

/** Traces are exported when an OTLP endpoint or a trace exporter is named, and the SDK is not disabled. */
export function tracingWanted(env: Env = process.env): boolean {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return false;
  const exporters = env.OTEL_TRACES_EXPORTER?.split(',').map((e) => e.trim()).filter(Boolean);
  if (exporters?.length) return exporters.some((e) => e !== 'none');
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT);
}

// src/telemetry in the sources, dist/src/telemetry compiled.
function packageVersion(): string {
  for (const up of ['../../package.json', '../../../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'rca-bot' && pkg.version) return pkg.version;
    } catch {
      // not this level
    }
  }
  return '0.0.0';
}
export const version = packageVersion();

let started = false;
/** Whether this process (or thread) started the SDK. */
export const tracingStarted = () => started;

// The modules whose ESM imports need patching; everything else loads untouched.
// Bolt's and the Lark SDK's http (CommonJS) are patched through require, fetch through diagnostics_channel.
const hooked = ['node:http', 'node:https', 'http', 'https', 'ioredis'];

/** `p`, or nothing after `ms`: a collector that is down or silent never holds an exit or a task for long. */
function within(ms: number, p: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((ok) => {
    timer = setTimeout(ok, ms);
    timer.unref();
  });
  return Promise.race([p.then(() => undefined, () => undefined), late]).finally(() => clearTimeout(timer));
}

/** The instrumentations this process patches. */
export const instrumentationNames = ['http', 'undici', 'ioredis'] as const;
type InstrumentationName = (typeof instrumentationNames)[number];

/**
 * The instrumentations to load: all of them, or those OTEL_NODE_ENABLED_INSTRUMENTATIONS names, less
 * those OTEL_NODE_DISABLED_INSTRUMENTATIONS names (the variables and short names of OpenTelemetry's
 * auto-instrumentations-node). BullMQ's job spans and the bot's own are not instrumentations and stay.
 */
export function instrumentationsWanted(env: Env = process.env): Set<InstrumentationName> {
  const list = (v: string | undefined) => v?.split(',').map((x) => x.trim().replace(/^@opentelemetry\/instrumentation-/, '')).filter(Boolean);
  const enabled = list(env.OTEL_NODE_ENABLED_INSTRUMENTATIONS);
  const disabled = new Set(list(env.OTEL_NODE_DISABLED_INSTRUMENTATIONS) ?? []);
  return new Set(instrumentationNames.filter((n) => (enabled ? enabled.includes(n) : true) && !disabled.has(n)));
}

const instrumentation: Record<InstrumentationName, () => Promise<Instrumentation>> = {
  // Outgoing calls only (Bolt's and the Lark SDK's clients, the exporters' own are suppressed):
  // the server's spans are our own, src/telemetry/spans.ts serveInSpan says why.
  http: async () => new (await import('@opentelemetry/instrumentation-http')).HttpInstrumentation({ disableIncomingRequestInstrumentation: true }),
  undici: async () => new (await import('@opentelemetry/instrumentation-undici')).UndiciInstrumentation(),
  // Only inside a span: BullMQ's idle polling would otherwise be a trace a second. The command's
  // name only: its arguments are keys with user ids and whole jobs, costly to copy into every span.
  ioredis: async () => new (await import('@opentelemetry/instrumentation-ioredis')).IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command: string) => command }),
};

export interface Tracing {
  /** Exports what is buffered and stops. */
  shutdown(): Promise<void>;
  /** Exports what is buffered, waiting `ms` at most (threads call it after each task). */
  flush(ms?: number): Promise<void>;
}

/**
 * Starts the SDK when `tracingWanted`. `hook` registers the ESM loader hook: only where modules
 * are still to be imported, the CLI's entry before it imports the command.
 */
export async function startTracing(options: { hook: boolean; env?: Env }): Promise<Tracing | undefined> {
  const env = options.env ?? process.env;
  if (!tracingWanted(env)) return undefined;
  if (options.hook) register('@opentelemetry/instrumentation/hook.mjs', import.meta.url, { data: { include: hooked } });
  const use = instrumentationsWanted(env);
  const [{ NodeSDK }, { defaultResource, resourceFromAttributes }, instrumentations] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
    // Only the wanted ones are loaded.
    Promise.all([...use].map((name) => instrumentation[name]())),
  ]);
  const sdk = new NodeSDK({
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME are detected and merged over these.
    resource: defaultResource().merge(resourceFromAttributes({ 'service.name': 'rca-bot', 'service.version': version, 'service.instance.id': randomUUID() })),
    instrumentations,
    // Metrics are prom-client's at /metrics and logs are pino's on stdout: OTLP only when asked for by name.
    ...(env.OTEL_METRICS_EXPORTER ? {} : { metricReaders: [] }),
    ...(env.OTEL_LOGS_EXPORTER ? {} : { logRecordProcessors: [] }),
  });
  sdk.start();
  started = true;
  const { trace } = await import('@opentelemetry/api');
  const provider = trace.getTracerProvider() as { forceFlush?: () => Promise<void>; getDelegate?: () => { forceFlush?: () => Promise<void> } };
  return {
    // An unreachable collector must not turn a clean exit into a crash: what could not be sent is dropped.
    shutdown: () => within(2000, sdk.shutdown()),
    flush: async (ms = 2000) => {
      const p = provider.getDelegate?.() ?? provider;
      await within(ms, p.forceFlush?.() ?? Promise.resolve());
    },
  };
}
