// A case folder of the Nezha RCA dataset (IntelligentDDS/Nezha): minute files
// `trace/HH_MM_trace.csv` (span table) and `log/HH_MM_log.csv` (pod logs, the
// raw docker JSON line in `Log`), per-pod metrics `metric/*_metric.csv`, the
// frontend SLIs `metric/front_service.csv` and the call graph
// `metric/dependency.csv`. A minute file HH_MM covers HH:(MM-1):55 to HH:MM:50
// UTC; the day comes from the timestamps inside. Those minutes are the
// incident window; the metrics before it are the baseline. Any label file is
// never read. A row that cannot be read is skipped and counted, said once per
// file in `notes`; a file that cannot be read at all is an error naming it.

import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { err, ok, UserError, type Result } from '../../errors.js';
import type { Window } from '../../analysis/metrics/baseline.js';
import type { RankInput } from '../../analysis/rank/index.js';
import type { MetricSeries } from '../../analysis/metrics/detect.js';
import type { Point } from '../metrics/prometheus.js';
import { serviceOfPod } from '../traces/index.js';
import type { Span } from '../traces/span.js';
import { parseSpanTable } from '../traces/table.js';
import { parseCsv } from './csv.js';
import { Skips } from '../skips.js';
import { traceRefOf, type TraceRef } from '../../analysis/join.js';

export interface LogLine {
  /** Unix seconds. */
  time: number;
  pod: string;
  service: string;
  /** The message the container wrote, without its final newline. */
  line: string;
  /** The trace and span it was written in: the TraceID and SpanID columns, or the same in the message. */
  ref?: TraceRef;
}

export interface PodMetrics {
  pod: string;
  service: string;
  /** Column name → its points, e.g. "CpuUsageRate(%)". */
  columns: Record<string, Point[]>;
}

export interface NezhaCase {
  dir: string;
  /** The minutes the trace and log files cover, unix seconds. */
  window: Window;
  /** "HH_MM" of every trace or log file, in order. */
  minutes: string[];
  spans: Span[];
  logs: LogLine[];
  pods: PodMetrics[];
  /** front_service.csv: column → points ("LatencyP90(s)"), when there is one. */
  frontend: Record<string, Point[]>;
  /** dependency.csv: [caller, callee] services. */
  calls: [string, string][];
  /** What could not be read as written, a line per file: "log/09_21_log.csv: 16 rows skipped: …". */
  notes: string[];
}

const minuteFile = /^(\d\d)_(\d\d)_(trace|log)\.csv$/;

/** Reads a case folder; the error is one line naming the file (and line) at fault. */
export async function loadNezhaCase(dir: string): Promise<Result<NezhaCase>> {
  try {
    return ok(await load(dir));
  } catch (e) {
    if (e instanceof UserError) return err(e.message);
    throw e;
  }
}

async function load(dir: string): Promise<NezhaCase> {
  if (!(await list(dir, true))) throw new UserError(`${dir}: no such folder`);
  const spans: Span[] = [];
  const logs: LogLine[] = [];
  const files: { hh: number; mm: number; times: number[] }[] = [];
  const minutes = new Set<string>();
  const notes: string[] = [];
  const note = (file: string, skips: Skips, unit = 'rows') => {
    const said = skips.summary(unit);
    if (said) notes.push(`${relative(dir, file)}: ${said}`);
  };
  // Consecutive minute files overlap: a span is kept once, from the first file that has it.
  const seen = new Set<string>();
  for (const kind of ['trace', 'log'] as const) {
    for (const name of (await list(join(dir, kind))) ?? []) {
      const m = minuteFile.exec(name);
      if (!m || m[3] !== kind) continue;
      const file = join(dir, kind, name);
      const text = await read(file);
      const times: number[] = [];
      const skips = new Skips();
      if (kind === 'trace') {
        for (const s of withFile(file, () => parseSpanTable(text, skips))) {
          const key = `${s.traceId}/${s.spanId}`;
          if (seen.has(key)) {
            skips.add('a span already read (the minute files overlap)');
            continue;
          }
          seen.add(key);
          times.push(s.start / 1e6);
          spans.push(s);
        }
        note(file, skips, 'spans');
      } else {
        const recovered = new Skips();
        for (const l of parseLogs(file, text, skips, recovered)) {
          times.push(l.time);
          logs.push(l);
        }
        note(file, skips);
        const kept = recovered.summary();
        if (kept) notes.push(`${relative(dir, file)}: ${kept.replace(' skipped: ', ' kept: ')}`);
      }
      minutes.add(`${m[1]}_${m[2]}`);
      files.push({ hh: Number(m[1]), mm: Number(m[2]), times });
    }
  }
  if (files.length === 0) throw new UserError(`${dir}: no trace/HH_MM_trace.csv or log/HH_MM_log.csv files, so no incident window`);
  const metricDir = join(dir, 'metric');
  const pods: PodMetrics[] = [];
  let frontend: Record<string, Point[]> = {};
  let calls: [string, string][] = [];
  for (const name of (await list(metricDir)) ?? []) {
    const file = join(metricDir, name);
    const skips = new Skips();
    if (name.endsWith('_metric.csv')) pods.push(parsePodMetrics(file, await read(file), skips));
    else if (name === 'front_service.csv') frontend = parseTable(file, await read(file), ['Time', 'ServiceName'], skips).columns;
    else if (name === 'dependency.csv') calls = parseCalls(file, await read(file), skips);
    note(file, skips);
  }
  return { dir, window: windowOf(dir, files), minutes: [...minutes].sort(), spans, logs, pods, frontend, calls, notes };
}

/**
 * The window the minute files cover. A file's day is the one that puts its
 * HH:MM nearest the timestamps inside it (a window may cross midnight).
 */
function windowOf(dir: string, files: { hh: number; mm: number; times: number[] }[]): Window {
  const all = files.flatMap((f) => (f.times.length ? [f.times[f.times.length >> 1]] : []));
  if (all.length === 0) throw new UserError(`${dir}: the trace and log files have no rows, so no day for the incident window`);
  let start = Infinity;
  let end = -Infinity;
  for (const f of files) {
    const ref = f.times.length ? f.times[f.times.length >> 1] : all[0];
    let to = Math.floor(ref / 86_400) * 86_400 + f.hh * 3600 + f.mm * 60 + 50;
    if (to - ref > 43_200) to -= 86_400;
    if (ref - to > 43_200) to += 86_400;
    start = Math.min(start, to - 55);
    end = Math.max(end, to);
  }
  return { start, end };
}

function parseLogs(file: string, text: string, skips: Skips, recovered: Skips): LogLine[] {
  const rows = records(file, text);
  const head = header(file, rows, ['TimeUnixNano', 'PodName', 'Log']);
  const width = rows[0].fields.length;
  // Optional: the trace a line was written in, and the row's own ISO time.
  const traceCol = rows[0].fields.indexOf('TraceID');
  const spanCol = rows[0].fields.indexOf('SpanID');
  const stampCol = rows[0].fields.indexOf('Timestamp');
  const out: LogLine[] = [];
  for (const r of rows.slice(1)) {
    const f = r.fields;
    if (r.broken) {
      skips.add('a quoted field is never closed');
      continue;
    }
    if (f.length !== width) {
      skips.add(`${f.length} fields where the header has ${width}`);
      continue;
    }
    const ns = f[head.TimeUnixNano];
    let time = /^\d{10,19}$/.test(ns) ? Number(ns.slice(0, -9)) + Number(ns.slice(-9)) / 1e9 : undefined;
    if (time === undefined) {
      // Java's ERROR lines carry an impossible TimeUnixNano (negative) beside a good Timestamp, in UTC without its Z.
      const stamp = stampCol >= 0 ? isoSeconds(f[stampCol]) : undefined;
      if (stamp === undefined) {
        skips.add('TimeUnixNano out of range and no readable Timestamp');
        continue;
      }
      recovered.add('TimeUnixNano out of range, the time read from Timestamp');
      time = stamp;
    }
    const pod = f[head.PodName];
    const line = message(f[head.Log]);
    const ref = traceRefOf(line, { TraceID: f[traceCol], SpanID: f[spanCol] });
    out.push({ time, pod, service: serviceOfPod(pod), line, ...(ref ? { ref } : {}) });
  }
  return out;
}

/** Unix seconds of an ISO 8601 time; one without a zone is UTC. */
function isoSeconds(v: string | undefined): number | undefined {
  if (!v || !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?$/.test(v)) return undefined;
  const t = Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(v) ? v : `${v}Z`);
  return Number.isNaN(t) ? undefined : t / 1000;
}

/** The message inside a docker JSON log line; the field itself when it is not one. */
function message(raw: string): string {
  if (raw.startsWith('{')) {
    try {
      const j = JSON.parse(raw) as { log?: unknown };
      if (typeof j.log === 'string') return j.log.replace(/\r?\n$/, '');
    } catch {
      // not docker JSON: keep it whole
    }
  }
  return raw;
}

function parsePodMetrics(file: string, text: string, skips: Skips): PodMetrics {
  const table = parseTable(file, text, ['Time', 'PodName'], skips);
  const pod = table.text.PodName ?? basename(file).replace(/_metric\.csv$/, '');
  return { pod, service: serviceOfPod(pod), columns: table.columns };
}

/** A table with a TimeStamp column (unix seconds) and numeric columns; `textual` columns are kept as text of the first row. A row that cannot be read is skipped. */
function parseTable(file: string, text: string, textual: string[], skips: Skips): { columns: Record<string, Point[]>; text: Record<string, string> } {
  const rows = records(file, text);
  const names = rows[0]?.fields ?? [];
  const head = header(file, rows, ['TimeStamp']);
  const columns: Record<string, Point[]> = {};
  const firstText: Record<string, string> = {};
  const numeric = names.map((n, i) => (i !== head.TimeStamp && !textual.includes(n) ? n : undefined));
  for (const n of numeric) if (n !== undefined) columns[n] = [];
  rows: for (const r of rows.slice(1)) {
    const f = r.fields;
    if (r.broken || f.length !== names.length) {
      skips.add(r.broken ? 'a quoted field is never closed' : `${f.length} fields where the header has ${names.length}`);
      continue;
    }
    if (!/^\d+(\.\d+)?$/.test(f[head.TimeStamp])) {
      skips.add('TimeStamp is not unix seconds');
      continue;
    }
    const t = Number(f[head.TimeStamp]);
    const values: (number | undefined)[] = [];
    for (let i = 0; i < f.length; i++) {
      if (numeric[i] === undefined) continue;
      const v = f[i] === 'NaN' || f[i] === '' ? NaN : Number(f[i]);
      if (Number.isNaN(v) && f[i] !== 'NaN' && f[i] !== '') {
        skips.add(`${numeric[i]} is not a number`);
        continue rows;
      }
      values[i] = v;
    }
    for (let i = 0; i < f.length; i++) {
      const n = numeric[i];
      if (n === undefined) {
        if (firstText[names[i]] === undefined) firstText[names[i]] = f[i];
      } else columns[n].push({ t, v: values[i] as number });
    }
  }
  return { columns, text: firstText };
}

function parseCalls(file: string, text: string, skips: Skips): [string, string][] {
  const rows = records(file, text);
  const head = header(file, rows, ['Source', 'Target']);
  const out: [string, string][] = [];
  for (const r of rows.slice(1)) {
    const from = r.fields[head.Source];
    const to = r.fields[head.Target];
    if (r.broken || !from || !to) skips.add('no Source or Target');
    else out.push([from, to]);
  }
  return out;
}

function records(file: string, text: string) {
  return withFile(file, () => parseCsv(text));
}

function header(file: string, rows: { fields: string[] }[], need: string[]): Record<string, number> {
  if (rows.length === 0) throw new UserError(`${file}: empty, not even a header`);
  const names = rows[0].fields;
  const out: Record<string, number> = {};
  for (const n of need) {
    const i = names.indexOf(n);
    if (i < 0) throw new UserError(`${file}: no ${n} column in the header`);
    out[n] = i;
  }
  return out;
}

/** Runs a parser, naming the file in the one-line error it throws. */
function withFile<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    const message = (e as Error).message.replace(/^traces: /, '');
    throw new UserError(`${file}: ${message.split('\n')[0]}`);
  }
}

async function read(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw new UserError(`${file}: ${(e as Error).message}`);
  }
}

/** Names in a folder (folders too when `any`); undefined when it is not there. */
async function list(dir: string, any = false): Promise<string[] | undefined> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => any || e.isFile()).map((e) => e.name).sort();
  } catch {
    return undefined;
  }
}

// The per-pod columns that say something about one service. Client latency is left out: it is
// the callee's latency seen from the caller. Success rate is 0 throughout in this dataset's
// TrainTicket files and 100 or 0 in OnlineBoutique's, so it is read only where it moves.
const signals: { column: RegExp; name: string; signal: MetricSeries['signal']; limit?: number; value?: (v: number) => number }[] = [
  { column: /^CpuUsageRate\(%\)$/, name: 'CPU usage', signal: 'usage', limit: 100 },
  { column: /^MemoryUsageRate\(%\)$/, name: 'memory usage', signal: 'usage', limit: 100 },
  { column: /^PodServerLatencyP(\d+)\(s\)$/, name: 'p$1 server latency', signal: 'latency' },
  { column: /^PodSuccessRate\(%\)$/, name: 'error ratio', signal: 'error-ratio', value: (v) => 1 - v / 100 },
];

/** The pods' columns that have a meaning for the metric analysis, as its series. */
export function metricSeriesOf(pods: readonly PodMetrics[]): MetricSeries[] {
  const out: MetricSeries[] = [];
  for (const p of pods) {
    for (const [column, points] of Object.entries(p.columns)) {
      const s = signals.find((x) => x.column.test(column));
      if (!s) continue;
      const convert = s.value;
      out.push({
        name: column.replace(s.column, s.name),
        signal: s.signal,
        service: p.service,
        ...(s.limit ? { limit: s.limit } : {}),
        points: convert ? points.map((q) => ({ t: q.t, v: convert(q.v) })) : points,
      });
    }
  }
  return out;
}

/**
 * The ranking's input for a case. Fault-free folders (trace and log files,
 * no metrics) serve as the baseline of spans and logs when they are of the same
 * system: most of the case's services appear in them.
 */
export function rankInputOf(c: NezhaCase, faultFree: readonly NezhaCase[] = []): RankInput {
  const services = new Set([...c.spans.map((s) => s.service), ...c.logs.map((l) => l.service)]);
  const same = faultFree.filter((b) => {
    const theirs = new Set([...b.spans.map((s) => s.service), ...b.logs.map((l) => l.service)]);
    let shared = 0;
    for (const s of services) if (theirs.has(s)) shared++;
    return services.size > 0 && shared / services.size >= 0.5;
  });
  const metrics = metricSeriesOf(c.pods);
  const entry = entryOf(frontendSeriesOf(c), metrics);
  return {
    window: c.window,
    spans: c.spans,
    logs: c.logs,
    metrics,
    calls: c.calls,
    ...(entry ? { entry } : {}),
    baselines: same.map((b) => ({ spans: b.spans, logs: b.logs, seconds: b.window.end - b.window.start })),
  };
}

/**
 * The service the front end's SLIs are measured on: the one whose pods' server latency quantiles are
 * the front end's, point for point (the nearest within half a minute, to 1%), at nine points of ten
 * or more and at least five. TrainTicket's front_service.csv is ts-ui-dashboard's latency;
 * OnlineBoutique's is frontend's. None when two services match as well.
 */
export function entryOf(front: readonly MetricSeries[], pods: readonly MetricSeries[]): string | undefined {
  const quantile = (name: string) => /\bp(\d+)\b/.exec(name)?.[1];
  const matched = new Map<string, { same: number; all: number }>();
  for (const f of front) {
    const q = f.signal === 'latency' ? quantile(f.name) : undefined;
    if (!q) continue;
    for (const s of pods) {
      if (s.signal !== 'latency' || !s.service || quantile(s.name) !== q) continue;
      const m = matched.get(s.service) ?? { same: 0, all: 0 };
      for (const p of s.points) {
        let at: Point | undefined;
        for (const x of f.points) if (Math.abs(x.t - p.t) <= 30 && (!at || Math.abs(x.t - p.t) < Math.abs(at.t - p.t))) at = x;
        if (!at) continue;
        m.all++;
        if (Math.abs(at.v - p.v) <= 0.01 * Math.abs(at.v)) m.same++;
      }
      matched.set(s.service, m);
    }
  }
  const share = (m: { same: number; all: number }) => m.same / m.all;
  const best = [...matched].filter(([, m]) => m.same >= 5 && share(m) >= 0.9).sort((a, b) => share(b[1]) - share(a[1]));
  return best.length === 1 || (best.length > 1 && share(best[0][1]) > share(best[1][1])) ? best[0][0] : undefined;
}

/** The frontend SLIs of front_service.csv as series: its latency quantiles and its error ratio. */
export function frontendSeriesOf(c: NezhaCase): MetricSeries[] {
  const out: MetricSeries[] = [];
  for (const [column, points] of Object.entries(c.frontend)) {
    const latency = /^LatencyP(\d+)\(s\)$/.exec(column);
    if (latency) out.push({ name: `frontend p${latency[1]} latency`, signal: 'latency', points });
    else if (column === 'SuccessRate(%)') out.push({ name: 'frontend error ratio', signal: 'error-ratio', points: points.map((p) => ({ t: p.t, v: 1 - p.v / 100 })) });
  }
  return out;
}
