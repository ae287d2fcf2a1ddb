// What the logs say about each service: its error and warning lines are
// mined into templates (Drain) and, against fault-free logs of the same
// service, a template that is new or grew sharply is evidence (compareWindows).
// With no fault-free logs, error lines alone are weak evidence, scored low.

import { compareWindows, severity } from '../logs/compare.js';
import { Drain, templateText } from '../logs/drain.js';
import { round2, type Signal } from './signal.js';
import { SpanIndex, spanLabels, type TraceRef } from '../join.js';
import type { Span } from '../../sources/traces/span.js';

export interface ServiceLine {
  service: string;
  line: string;
  /** The trace it was written in, when the line says. */
  ref?: TraceRef;
}

export interface LogSide {
  lines: readonly ServiceLine[];
  /** Seconds the lines cover. */
  seconds: number;
}

/** `spans`, the incident's: a template then names the spans its lines were written in. */
export function logSignals(incident: LogSide, baseline: LogSide | undefined, spans?: readonly Span[]): Signal[] {
  const index = spans?.length ? new SpanIndex(spans) : undefined;
  const drain = new Drain();
  const seen = new Set<string>();
  const mine = (side: LogSide) => {
    const by = new Map<string, { ids: number[]; lines: string[]; refs: ServiceLine[] }>();
    for (const l of side.lines) {
      seen.add(l.service);
      if (severity(l.line) === 0) continue;
      const w = by.get(l.service) ?? { ids: [], lines: [], refs: [] };
      w.ids.push(drain.add(l.line).id);
      w.lines.push(l.line);
      w.refs.push(l);
      by.set(l.service, w);
    }
    return by;
  };
  const before = baseline && baseline.lines.length > 0 ? mine(baseline) : undefined;
  const known = new Set(seen);
  const now = mine(incident);
  const out: Signal[] = [];
  for (const [service, w] of now) {
    if (!before) {
      const score = round2(0.3 * Math.min(1, Math.log10(1 + w.ids.length) / 2));
      const summary = `${w.ids.length} error or warning lines in the incident window (no fault-free logs to compare with); e.g. "${shorten(w.lines[0], 200)}"`;
      out.push({ service, score, says: 'errors', evidence: { source: 'logs', summary } });
      continue;
    }
    const was = before.get(service) ?? { ids: [], lines: [] };
    const [top] = compareWindows(
      (id) => templateText(drain.templates[id]),
      { ids: was.ids, lines: was.lines, seconds: (baseline as LogSide).seconds },
      { ids: w.ids, lines: w.lines, seconds: incident.seconds, ...(index ? { spans: spanLabels(index, w.refs) } : {}) },
      { max: 1 },
    );
    if (!top) continue;
    // A service that wrote nothing in the baseline may only have had no traffic then.
    const quiet = !known.has(service);
    const counts = top.evidence[0].summary.replace(/; e\.g\. .*$/, '');
    const where = top.evidence[1]?.summary.replace(/^Written in spans: /, '; written in spans: ').replace(/;[^;]*$/, '') ?? '';
    const summary = `${top.title} (${counts}${quiet ? '; the service wrote nothing in the baseline' : ''}${where})`;
    out.push({ service, score: round2(top.confidence * (quiet ? 0.5 : 1)), says: 'errors', template: top.template, ...(operationOf(top.writtenIn, service) ? { operation: operationOf(top.writtenIn, service) } : {}), evidence: { source: 'logs', summary } });
  }
  return out;
}

const shorten = (s: string, max: number) => {
  const one = s.replace(/\s*[\r\n]+\s*/g, ' ');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
};

/** The operation of a "service operation" span label, when the span is the service's own. */
function operationOf(label: string | undefined, service: string): string | undefined {
  return label?.startsWith(`${service} `) ? label.slice(service.length + 1) : undefined;
}
