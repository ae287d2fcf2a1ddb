// The other sources of a diagnosis: traces, logs and metrics of the last
// `lookback`, each compared with the same window `baseline` earlier, each
// turned into findings. A source that fails says why in a line; the others
// still count.
import { compareWindows } from '../analysis/logs/compare.js';
import { Drain, templateText } from '../analysis/logs/drain.js';
import { parseFormat } from '../analysis/logs/format.js';
import { mineLines } from '../analysis/logs/mine.js';
import { detectMetricAnomalies, type MetricSeries } from '../analysis/metrics/detect.js';
import { analyzeTraces } from '../analysis/traces/index.js';
import type { LogsConfig, MetricsConfig, ServiceConfig, TracesConfig } from '../config/registry.js';
import { queryLoki, spanSeconds } from '../sources/logs/loki.js';
import { queryRange } from '../sources/metrics/prometheus.js';
import { fetchTraces } from '../sources/traces/fetch.js';
import type { SourceFindings } from './diagnose.js';

export interface Window {
  start: Date;
  end: Date;
}

export interface SourcePlan {
  service: string;
  traces?: TracesConfig;
  logs?: LogsConfig;
  metrics?: MetricsConfig;
  /** Seconds before `now` the incident window starts. */
  lookback: number;
  /** Seconds between the incident window and its baseline. */
  baseline: number;
}

export function planOf(service: string, cfg: Pick<ServiceConfig, 'traces' | 'logs' | 'metrics' | 'lookback' | 'baseline'>): SourcePlan | undefined {
  if (!cfg.traces && !cfg.logs && !cfg.metrics) return undefined;
  return { service, traces: cfg.traces, logs: cfg.logs, metrics: cfg.metrics, lookback: cfg.lookback, baseline: cfg.baseline };
}

const shift = (w: Window, seconds: number): Window => ({ start: new Date(w.start.getTime() - seconds * 1000), end: new Date(w.end.getTime() - seconds * 1000) });
const oneLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export async function tracesFindings(service: string, cfg: TracesConfig, window: Window, baselineOffset: number, signal?: AbortSignal): Promise<SourceFindings> {
  const source = { type: cfg.type, url: cfg.url, service: cfg.service ?? service, limit: cfg.limit };
  try {
    const [now, before] = await Promise.all([fetchTraces(source, window, { signal }), fetchTraces(source, shift(window, baselineOffset), { signal })]);
    if (now.length === 0) return { source: 'traces', findings: [], error: `${cfg.type}: no spans of ${source.service} in the window` };
    return { source: 'traces', findings: analyzeTraces(now, before.length ? { baseline: before } : {}).findings };
  } catch (e) {
    return { source: 'traces', findings: [], error: `${cfg.type}: ${oneLine(e)}` };
  }
}

export async function logsFindings(cfg: LogsConfig, window: Window, baselineOffset: number, signal?: AbortSignal): Promise<SourceFindings> {
  const format = cfg.format === undefined ? undefined : parseFormat(cfg.format);
  if (format && !format.ok) return { source: 'logs', findings: [], error: `format: ${format.error}` };
  const ask = (w: Window) => queryLoki({ base: cfg.url, query: cfg.query, start: w.start, end: w.end, limit: cfg.limit, signal });
  const [now, before] = await Promise.all([ask(window), ask(shift(window, baselineOffset))]);
  if (!now.ok) return { source: 'logs', findings: [], error: now.error };
  if (!before.ok) return { source: 'logs', findings: [], error: `baseline: ${before.error}` };
  const drain = new Drain();
  const lines = now.value.map((e) => e.line);
  const baseLines = before.value.map((e) => e.line);
  const mined = mineLines(drain, lines, format?.value);
  const base = mineLines(drain, baseLines, format?.value);
  const seconds = (window.end.getTime() - window.start.getTime()) / 1000;
  const findings = compareWindows(
    (id) => templateText(drain.templates[id]),
    { ids: base.ids, lines: baseLines, levels: base.levels, seconds: before.value.length > 1 ? Math.max(spanSeconds(before.value), 1) : seconds },
    { ids: mined.ids, lines, levels: mined.levels, seconds: now.value.length > 1 ? Math.max(spanSeconds(now.value), 1) : seconds },
  );
  return { source: 'logs', findings };
}

export async function metricsFindings(service: string, cfg: MetricsConfig, window: Window, baselineOffset: number, signal?: AbortSignal): Promise<SourceFindings> {
  // One range from the baseline's start to now: the detector finds the same time yesterday in it, or the hours before.
  // Thirty points in the window; pickStep raises it should the whole range need more than Prometheus allows.
  const lookback = (window.end.getTime() - window.start.getTime()) / 1000;
  const range = { start: new Date(window.start.getTime() - baselineOffset * 1000), end: window.end, step: Math.max(1, Math.round(lookback / 30)) };
  const series: MetricSeries[] = [];
  const errors: string[] = [];
  await Promise.all(
    cfg.queries.map(async (q) => {
      const r = await queryRange(cfg.url, q.query, range, { signal });
      if (!r.ok) return void errors.push(`${q.name}: ${r.error}`);
      for (const s of r.value.series) series.push({ name: q.name, signal: q.signal, service, limit: q.limit, unit: q.unit, points: s.points });
    }),
  );
  const findings = detectMetricAnomalies(series, { start: window.start.getTime() / 1000, end: window.end.getTime() / 1000 });
  return { source: 'metrics', findings, ...(errors.length ? { error: errors.join('; ') } : {}) };
}

/** Every source the plan names, in parallel, for the `lookback` before `now`. */
export async function collectSources(plan: SourcePlan, now: Date, signal?: AbortSignal): Promise<SourceFindings[]> {
  const window = { start: new Date(now.getTime() - plan.lookback * 1000), end: now };
  const jobs: Promise<SourceFindings>[] = [];
  if (plan.traces) jobs.push(tracesFindings(plan.service, plan.traces, window, plan.baseline, signal));
  if (plan.logs) jobs.push(logsFindings(plan.logs, window, plan.baseline, signal));
  if (plan.metrics) jobs.push(metricsFindings(plan.service, plan.metrics, window, plan.baseline, signal));
  return Promise.all(jobs);
}
