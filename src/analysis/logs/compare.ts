// Baseline against incident: a template that is new in the incident window, or
// whose rate grew sharply, becomes an `error-burst` finding quoting one of its
// lines. Rates are per second when the windows' lengths are known, per line
// otherwise; both get one pseudo-line so that a small baseline cannot make a
// template look new. Error-ish levels and words weigh more.

export interface LogWindow {
  /** Template id of each line. */
  ids: readonly number[];
  /** The lines themselves, to quote. */
  lines: readonly string[];
  /** Level of each line, when the format has one. */
  levels?: readonly (string | undefined)[];
  /** Length of the window in seconds, when known. */
  seconds?: number;
  /** "service operation" of the span each line was written in, when its trace is known (analysis/join.ts). */
  spans?: readonly (string | undefined)[];
}

/** A Finding of kind 'error-burst' (rca/model.ts shape). */
export interface ErrorBurst {
  kind: 'error-burst';
  title: string;
  confidence: number;
  evidence: { source: 'logs'; summary: string }[];
  /** The template, whole. */
  template: string;
  /** The span ("service operation") most of its lines were written in, when their traces are known. */
  writtenIn?: string;
}

export interface CompareOptions {
  /** Fewest incident lines of a template worth a finding. */
  minLines: number;
  /** Smallest incident/baseline rate ratio worth a finding. */
  minRatio: number;
  /** Most findings returned, strongest first. */
  max: number;
}

export const defaultCompareOptions: CompareOptions = { minLines: 3, minRatio: 4, max: 5 };

type Severity = 0 | 1 | 2;
const severityWeight = [0.45, 0.75, 1] as const;

const errorLevel = /^(?:e|err|error|fatal|f|crit|critical|alert|emerg|emergency|panic|severe)$/i;
const warnLevel = /^(?:w|warn|warning)$/i;
const levelInLine = /\b(?:level|lvl|severity)["']?\s*[=:]\s*["']?([A-Za-z]+)|\b(ERROR|FATAL|CRITICAL|PANIC|SEVERE|WARN|WARNING)\b/;
const errorWords =
  /\b(?:error|errors|fail|failed|failing|failure|fatal|panic|exception|timeout|timed out|refused|denied|unavailable|unreachable|killed|oom|out of memory|deadline exceeded|aborted|crash(?:ed)?|broken pipe|reset by peer)\b/i;

/** 2 error, 1 warning, 0 anything else: from the level field, a level in the line, or error words. */
export function severity(line: string, level?: string): Severity {
  let named = level;
  if (named === undefined) {
    const m = levelInLine.exec(line);
    if (m) named = m[1] ?? m[2];
  }
  if (named !== undefined && errorLevel.test(named)) return 2;
  if (errorWords.test(line)) return 2;
  if (named !== undefined && warnLevel.test(named)) return 1;
  return 0;
}

interface Tally {
  count: number;
  /** Index of the first line. */
  first: number;
}

function tally(w: LogWindow): Map<number, Tally> {
  const out = new Map<number, Tally>();
  w.ids.forEach((id, i) => {
    const t = out.get(id);
    if (t) t.count++;
    else out.set(id, { count: 1, first: i });
  });
  return out;
}

export function compareWindows(
  templates: (id: number) => string,
  baseline: LogWindow,
  incident: LogWindow,
  options: Partial<CompareOptions> = {},
): ErrorBurst[] {
  const opts = { ...defaultCompareOptions, ...options };
  const before = tally(baseline);
  const now = tally(incident);
  const perSecond = baseline.seconds !== undefined && incident.seconds !== undefined && baseline.seconds > 0 && incident.seconds > 0;
  const baseSpan = perSecond ? (baseline.seconds as number) : baseline.ids.length;
  const nowSpan = perSecond ? (incident.seconds as number) : incident.ids.length;
  const found: { burst: ErrorBurst; rank: number }[] = [];
  for (const [id, t] of now) {
    if (t.count < opts.minLines) continue;
    const was = before.get(id)?.count ?? 0;
    const ratio = ((t.count + 1) / (nowSpan + 1)) / ((was + 1) / (baseSpan + 1));
    if (ratio < opts.minRatio) continue;
    const ex = example(incident, id, t);
    const weight = severityWeight[ex.severity];
    const strength = Math.min(1, Math.log10(ratio) / 2);
    const volume = Math.min(1, Math.log10(t.count + 1) / 2);
    const confidence = Math.round(Math.min(0.95, weight * (0.5 + 0.25 * strength + 0.25 * volume)) * 100) / 100;
    const template = templates(id);
    const text = shorten(template, 120);
    const what = ex.severity === 2 ? 'error' : ex.severity === 1 ? 'warning' : 'log message';
    const title =
      was === 0
        ? `A new ${what} appeared ${t.count} times in the incident window: ${text}`
        : `A ${what} came ${formatRatio(ratio)} as often in the incident window: ${text}`;
    const rate = (n: number, span: number) => (perSecond ? `${formatRate(n / span)}/s` : `${formatShare(n / span)} of lines`);
    const summary = `${t.count} lines in the incident window (${rate(t.count, nowSpan)}), ${was} in the baseline (${rate(was, baseSpan)}); e.g. "${shorten(oneLine(incident.lines[ex.index]), 300)}"`;
    const evidence: ErrorBurst['evidence'] = [{ source: 'logs', summary }];
    const where = incident.spans && spansOfTemplate(incident, id);
    if (where) evidence.push({ source: 'logs', summary: where.summary });
    found.push({ burst: { kind: 'error-burst', title, confidence, evidence, template, ...(where ? { writtenIn: where.top } : {}) }, rank: confidence * 1e9 + t.count });
  }
  return found
    .sort((a, b) => b.rank - a.rank)
    .slice(0, opts.max)
    .map((f) => f.burst);
}

/** "Written in spans: checkout PlaceOrder (12 lines), …" for the lines of a template whose span is known. */
function spansOfTemplate(w: LogWindow, id: number): { summary: string; top: string } | undefined {
  const counts = new Map<string, number>();
  let traced = 0;
  let lines = 0;
  for (let i = 0; i < w.ids.length; i++) {
    if (w.ids[i] !== id) continue;
    lines++;
    const s = w.spans?.[i];
    if (!s) continue;
    traced++;
    counts.set(s, (counts.get(s) ?? 0) + 1);
  }
  if (traced === 0) return undefined;
  const top = [...counts].sort((a, b) => b[1] - a[1]);
  const named = top.slice(0, 3).map(([s, n]) => `${s} (${n} line${n === 1 ? '' : 's'})`);
  const rest = top.length > 3 ? `, and ${top.length - 3} more` : '';
  return { summary: `Written in spans: ${named.join(', ')}${rest}; ${traced} of its ${lines} lines name a trace of the window.`, top: top[0][0] };
}

/** The first line of the template with its most severe level (among its first 1,000 lines). */
function example(w: LogWindow, id: number, t: Tally): { index: number; severity: Severity } {
  let best = { index: t.first, severity: -1 as number };
  let seen = 0;
  for (let i = t.first; i < w.ids.length && best.severity < 2 && seen < 1000; i++) {
    if (w.ids[i] !== id) continue;
    seen++;
    const s = severity(w.lines[i], w.levels?.[i]);
    if (s > best.severity) best = { index: i, severity: s };
  }
  return best as { index: number; severity: Severity };
}

/** A multi-line entry (a Loki line with a stack trace) quoted on one line. */
const oneLine = (s: string) => s.replace(/\s*[\r\n]+\s*/g, ' ⏎ ');
const shorten = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const formatRatio = (r: number) => `${r >= 10 ? Math.round(r) : r.toFixed(1)}×`;
const formatRate = (r: number) => (r >= 10 ? String(Math.round(r)) : r >= 0.1 ? r.toFixed(1) : r.toPrecision(1));
const formatShare = (r: number) => `${r >= 0.1 ? (r * 100).toFixed(0) : (r * 100).toPrecision(1)}%`;
