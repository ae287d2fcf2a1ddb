// The other sources of a diagnosis: traces, logs and metrics of the last
// `lookback`, each compared with the same window `baseline` earlier, each
// turned into findings. A source that fails says why in a line; the others
// still count.
import { compareWindows } from '../analysis/logs/compare.js';
import { Drain, templateText } from '../analysis/logs/drain.js';
import { formatError, formatFor } from '../analysis/logs/format.js';
import { mineLines } from '../analysis/logs/mine.js';
import { detectMetricAnomalies, type MetricSeries } from '../analysis/metrics/detect.js';
import { analyzeTraces } from '../analysis/traces/index.js';
import type { LogsConfig, MetricsConfig, ScrapeConfig, ServiceConfig, TracesConfig } from '../config/registry.js';
import { entrySeconds, queryLoki, spanSeconds } from '../sources/logs/loki.js';
import { queryRange } from '../sources/metrics/prometheus.js';
import { fetchTraces } from '../sources/traces/fetch.js';
import type { SourceFindings } from '../model.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { failed, inSpan } from '../telemetry/spans.js';
import { quoteTraceLogs, SpanIndex, spanLabels, traceRefOf, type TracedLine } from '../analysis/join.js';
import type { Span } from '../sources/traces/span.js';
import type { LokiEntry } from '../sources/logs/loki.js';
import { readLogWindows, type FileLine } from '../sources/logs/file.js';
import { err, ok, type Result } from '../errors.js';
import { Skips } from '../sources/skips.js';

export interface Window {
  start: Date;
  end: Date;
}

export interface SourcePlan {
  service: string;
  traces?: TracesConfig;
  logs?: LogsConfig;
  metrics?: MetricsConfig | ScrapeConfig;
  /** A `scrape` source's series as the bot kept them, read from Redis by the capture worker before the analysis. */
  scraped?: MetricSeries[];
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

interface TraceWindows {
  now: Span[];
  before: Span[];
  /** Spans that could not be read, said once: the rest still count. */
  note?: string;
}

async function readTraces(service: string, cfg: TracesConfig, window: Window, baselineOffset: number, signal?: AbortSignal): Promise<Result<TraceWindows>> {
  const source = { type: cfg.type, url: cfg.url, service: cfg.service ?? service, limit: cfg.limit };
  try {
    const skips = new Skips();
    const [now, before] = await Promise.all([fetchTraces(source, window, { signal, skips }), fetchTraces(source, shift(window, baselineOffset), { signal, skips })]);
    if (now.length === 0) return err(`${cfg.type}: no spans of ${source.service} in the window${skips.count ? ` (${skips.summary('spans')})` : ''}`);
    const skipped = skips.summary('spans');
    return ok({ now, before, ...(skipped ? { note: `${cfg.type}: ${skipped}` } : {}) });
  } catch (e) {
    const why = oneLine(e);
    return err(why.startsWith(`${cfg.type} `) ? why : `${cfg.type}: ${why}`);
  }
}

function tracesFindings(t: Result<TraceWindows>, lines: readonly TracedLine[] | undefined): SourceFindings {
  if (!t.ok) return { source: 'traces', findings: [], error: t.error };
  const analysis = analyzeTraces(t.value.now, t.value.before.length ? { baseline: t.value.before } : {});
  const traceLogs = lines ? quoteTraceLogs(t.value.now, lines) : [];
  return { source: 'traces', findings: analysis.findings, ...(traceLogs.length ? { traceLogs } : {}), ...(t.value.note ? { error: t.value.note } : {}) };
}

interface LogWindows {
  now: TracedLine[];
  before: TracedLine[];
  seconds: { now?: number; before?: number };
  /** Part of the incident window could not be read (a file rotated away): said, and the rest still counts. */
  gap?: string;
  /** The baseline window could not be read: the lines are joined to traces, but not compared. */
  noBaseline?: boolean;
}

const tracedLine = (e: LokiEntry): TracedLine => {
  const ref = traceRefOf(e.line, e.labels);
  return { time: entrySeconds(e), line: e.line, ...(e.labels.service_name || e.labels.service ? { service: e.labels.service_name ?? e.labels.service } : {}), ...(ref ? { ref } : {}) };
};

async function readLogs(cfg: LogsConfig, window: Window, baselineOffset: number, signal?: AbortSignal): Promise<Result<LogWindows>> {
  if (cfg.type === 'file') {
    const read = await readLogWindows(cfg.path, [window, shift(window, baselineOffset)], cfg.limit);
    if (!read.ok) return read;
    const [incident, baseline] = read.value.windows;
    const traced = (l: FileLine): TracedLine => {
      const ref = traceRefOf(l.line, l.fields);
      return { time: l.time, line: l.line, ...(ref ? { ref } : {}) };
    };
    const seconds = (w: Window) => (w.end.getTime() - w.start.getTime()) / 1000;
    // Against an empty baseline every template would look new: no comparison rather than a made-up one.
    const before = shift(window, baselineOffset).start.toISOString().replace(/\.\d+Z$/, 'Z');
    const baselineGap = read.value.covered[1] ? undefined : `baseline: the lines read from ${cfg.path} do not reach back to ${before}, so its templates are not compared`;
    const gaps = [read.value.gap, baselineGap].filter(Boolean).join('; ');
    return ok({ now: incident.map(traced), before: baseline.map(traced), seconds: { now: seconds(window), before: seconds(window) }, ...(gaps ? { gap: gaps } : {}), ...(baselineGap ? { noBaseline: true } : {}) });
  }
  const skips = new Skips();
  const ask = (w: Window) => queryLoki({ base: cfg.url, query: cfg.query, start: w.start, end: w.end, limit: cfg.limit, signal, skips });
  const [now, before] = await Promise.all([ask(window), ask(shift(window, baselineOffset))]);
  if (!now.ok) return err(now.error);
  if (!before.ok) return err(`baseline: ${before.error}`);
  const seconds = (es: LokiEntry[]) => (es.length > 1 ? Math.max(spanSeconds(es), 1) : undefined);
  const skipped = skips.summary('entries');
  return ok({ now: now.value.map(tracedLine), before: before.value.map(tracedLine), seconds: { now: seconds(now.value), before: seconds(before.value) }, ...(skipped ? { gap: `loki: ${skipped}` } : {}) });
}

function logsFindings(cfg: LogsConfig, window: Window, l: Result<LogWindows>, spans: readonly Span[] | undefined): SourceFindings {
  const bad = cfg.format === undefined ? undefined : formatError(cfg.format);
  if (bad) return { source: 'logs', findings: [], error: `format: ${bad}` };
  if (!l.ok) return { source: 'logs', findings: [], error: l.error };
  if (l.value.noBaseline) return { source: 'logs', findings: [], error: l.value.gap };
  const drain = new Drain();
  const lines = l.value.now.map((e) => e.line);
  const baseLines = l.value.before.map((e) => e.line);
  const chosen = cfg.format === undefined ? undefined : formatFor(cfg.format, lines.slice(0, 100));
  if (chosen && !chosen.ok) return { source: 'logs', findings: [], error: `format: ${chosen.error}` };
  const format = chosen?.value.format;
  const mined = mineLines(drain, lines, format);
  const base = mineLines(drain, baseLines, format);
  const seconds = (window.end.getTime() - window.start.getTime()) / 1000;
  const bursts = compareWindows(
    (id) => templateText(drain.templates[id]),
    { ids: base.ids, lines: baseLines, levels: base.levels, seconds: l.value.seconds.before ?? seconds },
    { ids: mined.ids, lines, levels: mined.levels, seconds: l.value.seconds.now ?? seconds, ...(spans?.length ? { spans: spanLabels(new SpanIndex(spans), l.value.now) } : {}) },
  );
  const findings = bursts.map(({ template: _t, writtenIn: _w, ...f }) => f);
  const notes = [l.value.gap, chosen?.value.note?.replace(/^--format/, 'format')].filter(Boolean).join('; ');
  return { source: 'logs', findings, ...(notes ? { error: notes } : {}) };
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
      const skips = new Skips();
      const r = await queryRange(cfg.url, q.query, range, { signal, skips });
      if (!r.ok) return void errors.push(`${q.name}: ${r.error}`);
      const skipped = skips.summary('points');
      if (skipped) errors.push(`${q.name}: ${skipped}`);
      for (const s of r.value.series) series.push({ name: q.name, signal: q.signal, service: q.service ?? service, limit: q.limit, unit: q.unit, points: s.points });
    }),
  );
  const findings = detectMetricAnomalies(series, { start: window.start.getTime() / 1000, end: window.end.getTime() / 1000 });
  return { source: 'metrics', findings, ...(errors.length ? { error: errors.join('; ') } : {}) };
}

/** A `scrape` source's findings, from the series the bot kept (`plan.scraped`). */
export function scrapedFindings(plan: SourcePlan, cfg: ScrapeConfig, window: Window): SourceFindings {
  if (!plan.scraped) return { source: 'metrics', findings: [], error: `scrape: ${cfg.url} is scraped by the running bot (rca-bot serve), so only its diagnoses read it` };
  const empty = plan.scraped.filter((s) => s.points.length === 0).map((s) => s.name);
  const findings = detectMetricAnomalies(plan.scraped, { start: window.start.getTime() / 1000, end: window.end.getTime() / 1000 });
  return { source: 'metrics', findings, ...(empty.length ? { error: `scrape: nothing kept of ${empty.join(', ')} yet (the bot scrapes ${cfg.url} every ${cfg.every} s)` } : {}) };
}

/**
 * Every source the plan names, in parallel, for the `lookback` before `now`. Traces and logs are
 * read first and analysed together: a trace's log lines are quoted beside it, and a log template
 * names the spans it was written in.
 */
export async function collectSources(plan: SourcePlan, now: Date, signal?: AbortSignal): Promise<SourceFindings[]> {
  const window = { start: new Date(now.getTime() - plan.lookback * 1000), end: now };
  // A span per source, its error (a failed Result, or a source's error line) recorded on it.
  const read = <T extends Result<unknown> | SourceFindings>(type: string, from: string, run: () => Promise<T>) =>
    inSpan(`source ${type}`, { 'rca.source': type, [/^https?:/.test(from) ? 'url.full' : 'file.path']: from }, async (span) => {
      const r = await run();
      const error = 'findings' in r ? r.error : r.ok ? undefined : r.error;
      if (error) failed(span, error);
      if ('findings' in r) span.setAttribute('rca.findings', r.findings.length);
      return r;
    });
  const { traces, logs, metrics } = plan;
  const [t, l, m] = await Promise.all([
    traces ? read(traces.type, traces.url, () => readTraces(plan.service, traces, window, plan.baseline, signal)) : undefined,
    logs ? read(logs.type, logs.type === 'file' ? logs.path : logs.url, () => readLogs(logs, window, plan.baseline, signal)) : undefined,
    metrics
      ? read(metrics.type, metrics.url, async () => (metrics.type === 'scrape' ? scrapedFindings(plan, metrics, window) : metricsFindings(plan.service, metrics, window, plan.baseline, signal)))
      : undefined,
  ]);
  const out: SourceFindings[] = [];
  if (t) out.push(tracesFindings(t, l?.ok ? l.value.now : undefined));
  if (l && logs) out.push(logsFindings(logs, window, l, t?.ok ? t.value.now : undefined));
  if (m) out.push(m);
  return out;
}

/**
 * The sources read once the capture window is over, up to its end: the minutes before the
 * diagnosis and the capture window itself (often the freshest evidence, as when an alert
 * starts the diagnosis seconds into the fault). The profiles take that long anyway.
 */
export async function collectAfterWindow(plan: SourcePlan, start: Date, seconds: number, signal?: AbortSignal): Promise<SourceFindings[]> {
  const end = start.getTime() + seconds * 1000;
  const wait = end - Date.now();
  if (wait > 0) await sleep(wait, undefined, signal ? { signal } : undefined).catch(() => undefined);
  return collectSources(plan, new Date(Math.min(end, Date.now())), signal);
}
