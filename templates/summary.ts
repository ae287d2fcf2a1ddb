// Pieces of a Report's summary that every chat surface shows the same way.
import { sourceCount } from '../src/rca/fuse.js';
import { agoWords, pastLabel } from '../src/rca/past.js';
import { profilerName } from '../src/sources/profiles/index.js';
import { formatSpan as span, formatValue } from '../src/profile/units.js';
import type { Finding, Report, TraceLogs } from '../src/model.js';

export const verdictEmoji: Record<Report['verdict'], string> = {
  confirmed: '🔴',
  likely: '🟠',
  'needs-review': '🟡',
  healthy: '🟢',
  inconclusive: '⚪',
};

export function headline(r: Report): string {
  return `${verdictEmoji[r.verdict]} ${r.service}: ${r.verdict}`;
}

export function verdictSentence(r: Report): string {
  const top = r.findings[0];
  switch (r.verdict) {
    case 'confirmed':
      return `${sourceCount(top)} independent sources agree: ${top.title}`;
    case 'likely':
      return `Two independent sources agree: ${top.title}`;
    case 'needs-review':
      return `One source only, a person should check: ${top.title}`;
    case 'healthy':
      return r.pastOnly ? `Looks healthy: nothing stands out in the profiler's ${span(r.window.seconds)} of profiles.` : `Looks healthy: nothing stands out in ${r.window.seconds} s of profiles.`;
    case 'inconclusive':
      return r.errors.length > 0 ? 'Inconclusive: the captures that matter failed, so there is no verdict.' : 'Inconclusive: there was not enough to go on.';
  }
}

const hms = (iso: string) => iso.slice(11, 19);


/** What was read, and when: "Captured 10 s from http://…", or the profiler's window of a past diagnosis. */
export function aboutLine(r: Report): string {
  const p = r.past;
  if (r.pastOnly && p) return `Read ${span(r.window.seconds)} of profiles from ${profilerName[p.profiler]} (${p.start.slice(0, 10)} ${p.start.slice(11, 16)}–${p.end.slice(11, 16)} UTC) for ${p.selector}`;
  return `Captured ${r.window.seconds} s from ${r.target}`;
}

/**
 * The profiler's window, and what grew in it against the same window a baseline earlier: a line
 * saying where and when, then the totals and the functions that moved most.
 */
export function pastLines(r: Report): string[] {
  const p = r.past;
  if (!p) return [];
  const ago = agoWords(p);
  const lines = [`From ${pastLabel(p)} (${p.selector}), against the same window ${ago} earlier:`];
  const c = p.comparison;
  if (!c) return [...lines.slice(0, 1).map((l) => l.replace(/, against.*$/, ':')), 'no comparison with the earlier window (see What failed).'];
  const v = (x: number) => formatValue(x, c.unit);
  const ratio = c.base.total > 0 ? ` (${(c.current.total / c.base.total).toFixed(1)}×)` : '';
  lines.push(`${c.profile} (${c.sampleType}): ${v(c.base.total)} then, ${v(c.current.total)} in the window${ratio}.`);
  if (c.changes.length === 0) lines.push('Where it goes has not changed.');
  else lines.push(`Moved most (scaled to the earlier total): ${c.changes.map((ch) => `\`${ch.function}\` ${ch.change > 0 ? '+' : '−'}${v(Math.abs(ch.change))}`).join(', ')}.`);
  return lines;
}

/** Which execution trace the findings read, in a phrase: "the flight recorder's 6.1 s before the alert (11:02:03–11:02:09 UTC)". */
export function executionTraceLine(r: Report): string | undefined {
  const t = r.executionTrace;
  if (!t) return undefined;
  const when = t.start && t.end ? ` (${hms(t.start)}–${hms(t.end)} UTC)` : '';
  return t.source === 'flight-recorder' ? `Execution trace: the flight recorder's ${t.seconds} s before the alert${when}.` : `Execution trace: ${t.seconds} s of the window${when}.`;
}

export function where(f: Finding): string | undefined {
  if (!f.location) return undefined;
  const file = f.location.file.split('/').slice(-2).join('/');
  return `${f.location.function} (${file}:${f.location.line})`;
}

/** Findings worth a chat message: the strong ones, or the best one when none is. */
export function shownFindings(r: Report, most = 3): Finding[] {
  const strong = r.findings.filter((f) => f.confidence >= 0.5);
  return (strong.length ? strong : r.verdict === 'healthy' ? [] : r.findings).slice(0, most);
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** "slowest trace 4f2a…91 (frontend GET /cart, 2.31 s)": the heading of a trace's quoted log lines. */
export function traceHeading(t: TraceLogs): string {
  const what = t.why === 'slowest' ? 'The slowest trace' : t.why === 'slow' ? 'The slowest trace with log lines' : 'A failing trace';
  return `${what} ${t.traceId} (${t.service} ${t.operation}, ${formatMicros(t.micros)})`;
}

/** One quoted line: its time, the span it was written in, the line itself. */
export function traceLine(l: TraceLogs['lines'][number]): string {
  const at = l.time !== undefined ? `${new Date(l.time * 1000).toISOString().slice(11, 23)} ` : '';
  const where = l.span ?? l.service;
  // Quoted inside a code block: a fence in the line would end it early.
  return `${at}${where ? `[${where}] ` : ''}${clip(l.line.replace(/\s*[\r\n]+\s*/g, ' ⏎ ').replace(/`{3,}/g, "'''"), 300)}`;
}

export function formatMicros(us: number): string {
  if (us >= 1e6) return `${(us / 1e6).toFixed(2)} s`;
  if (us >= 1e3) return `${(us / 1e3).toFixed(1)} ms`;
  return `${Math.round(us)} µs`;
}
