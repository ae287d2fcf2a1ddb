// Jaeger v2 (built once per machine by .ci/backends, cached by version) on
// 127.0.0.1 with in-memory storage: an OTLP/HTTP receiver and the query
// service whose api_v3 the tests read traces back from.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './redis.js';
import { freePort } from './server.js';
import { stopper } from './process.js';

export const jaegerVersion = process.env.JAEGER_VERSION ?? 'v1.76.0';
const cache = process.env.RCA_CACHE ?? join(homedir(), '.cache/rca-bot');
const binary = join(cache, 'bin', `jaeger-${jaegerVersion}`, 'jaeger');
/** The binary, when this machine has it. */
export const jaegerBinary: string | undefined = existsSync(binary) ? binary : undefined;

export interface Jaeger {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT. */
  otlp: string;
  /** The query service: /api/v3/... */
  query: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** OTLP JSON as api_v3 returns it. */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes?: { key: string; value: { stringValue?: string; intValue?: string; boolValue?: boolean } }[];
  status?: { code?: number; message?: string };
}
export interface OtlpTraces {
  resourceSpans: { resource: { attributes: OtlpSpan['attributes'] }; scopeSpans: { scope?: { name?: string }; spans: OtlpSpan[] }[] }[];
}

export async function startJaeger(): Promise<Jaeger> {
  if (!jaegerBinary) throw new Error('no jaeger binary: run .ci/backends');
  const [otlp, http, grpc, health] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), 'rca-jaeger-'));
  const config = join(dir, 'config.yaml');
  writeFileSync(
    config,
    `service:
  extensions: [jaeger_storage, jaeger_query, healthcheckv2]
  pipelines:
    traces:
      receivers: [otlp]
      processors: []
      exporters: [jaeger_storage_exporter]
  telemetry:
    metrics:
      level: none
    logs:
      level: warn
extensions:
  healthcheckv2:
    use_v2: true
    http:
      endpoint: 127.0.0.1:${health}
  jaeger_query:
    storage:
      traces: memstore
    http:
      endpoint: 127.0.0.1:${http}
    grpc:
      endpoint: 127.0.0.1:${grpc}
  jaeger_storage:
    backends:
      memstore:
        memory:
          max_traces: 10000
receivers:
  otlp:
    protocols:
      http:
        endpoint: 127.0.0.1:${otlp}
exporters:
  jaeger_storage_exporter:
    trace_storage: memstore
`,
  );
  const proc = spawn(jaegerBinary, ['--config', config], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const query = `http://127.0.0.1:${http}`;
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`jaeger exited with ${proc.exitCode}: ${stderr}`);
      const res = await fetch(`${query}/api/v3/services`).catch(() => undefined);
      return res?.ok;
    },
    'jaeger to answer',
    30_000,
  );
  return {
    otlp: `http://127.0.0.1:${otlp}`,
    query,
    process: proc,
    stop: stopper(proc),
  };
}

/** The traces of `service` that started in [start, end], through api_v3 (OTLP JSON). */
export async function findTraces(j: Jaeger, service: string, start: Date, end: Date): Promise<OtlpTraces | undefined> {
  const q = new URLSearchParams({ 'query.service_name': service, 'query.start_time_min': start.toISOString(), 'query.start_time_max': end.toISOString(), 'query.num_traces': '5000' });
  const res = await fetch(`${j.query}/api/v3/traces?${q}`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { result?: OtlpTraces } & Partial<OtlpTraces>;
  return body.result ?? (body.resourceSpans ? (body as OtlpTraces) : undefined);
}

/** One trace by id, through api_v3. */
export async function getTrace(j: Jaeger, traceId: string): Promise<OtlpTraces | undefined> {
  const res = await fetch(`${j.query}/api/v3/traces/${traceId}`);
  if (!res.ok) return undefined;
  const body = (await res.json()) as { result?: OtlpTraces } & Partial<OtlpTraces>;
  return body.result ?? (body.resourceSpans ? (body as OtlpTraces) : undefined);
}

/** Every span with the resource it came from. */
export function spansOf(t: OtlpTraces): (OtlpSpan & { resource: Record<string, string> })[] {
  return t.resourceSpans.flatMap((rs) => {
    const resource = Object.fromEntries((rs.resource.attributes ?? []).map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? String(a.value.boolValue)]));
    return rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => ({ ...s, resource })));
  });
}
