// Logs joined to traces by trace id: the log lines of a trace, quoted beside
// it, and the spans a log template occurred in. A line says which trace it
// belongs to in a field (Loki labels or structured metadata, a JSON or logfmt
// key: trace_id, traceID, traceId; OTel log records; Nezha's TraceID column)
// or in its text ("TraceID: 41d5…").
import type { TraceLogs } from '../model.js';
import { severity } from './logs/compare.js';
import type { Span } from '../sources/traces/span.js';

export type { TraceLogs };

export interface TraceRef {
  /** Lowercase hex. */
  traceId: string;
  spanId?: string;
}

/** A log line as the join reads it. */
export interface TracedLine {
  /** Unix seconds, when known. */
  time?: number;
  service?: string;
  line: string;
  ref?: TraceRef;
}

const traceKeys = ['trace_id', 'traceid', 'traceId', 'traceID', 'TraceID', 'TraceId', 'trace.id', 'otelTraceID', 'dd.trace_id'];
const spanKeys = ['span_id', 'spanid', 'spanId', 'spanID', 'SpanID', 'SpanId', 'span.id', 'otelSpanID'];
const hexId = /^(?:[0-9a-fA-F]{32}|[0-9a-fA-F]{16})$/;
const zero = /^0+$/;
// In the text: JSON ("trace_id":"…"), logfmt (trace_id=…) or prose (TraceID: …).
const inText = /\b(?:trace[_.]?id|otelTraceID)["']?\s*[=:]\s*["']?([0-9a-fA-F]{32}|[0-9a-fA-F]{16})\b/i;
const spanInText = /\b(?:span[_.]?id|otelSpanID)["']?\s*[=:]\s*["']?([0-9a-fA-F]{16})\b/i;

function id(v: unknown): string | undefined {
  if (typeof v !== 'string' || !hexId.test(v) || zero.test(v)) return undefined;
  // A 64-bit id (Jaeger's old format) is the low half of a 128-bit one.
  return v.length === 16 ? `${'0'.repeat(16)}${v.toLowerCase()}` : v.toLowerCase();
}

function pick(fields: Record<string, unknown>, keys: string[]): string | undefined {
  for (const k of keys) {
    const v = id(fields[k]);
    if (v) return v;
  }
  return undefined;
}

/** The trace (and span) a line belongs to: from its fields first, then from its text. */
export function traceRefOf(line: string, fields?: Record<string, unknown>): TraceRef | undefined {
  if (fields) {
    const traceId = pick(fields, traceKeys);
    if (traceId) {
      const spanId = pick(fields, spanKeys)?.slice(-16);
      return spanId ? { traceId, spanId } : { traceId };
    }
  }
  const m = inText.exec(line);
  const traceId = m ? id(m[1]) : undefined;
  if (!traceId) return undefined;
  const s = spanInText.exec(line);
  return s && !zero.test(s[1]) ? { traceId, spanId: s[1].toLowerCase() } : { traceId };
}

/** Trace ids of the spans, as the join compares them (64-bit ids widened). */
const norm = (traceId: string) => (traceId.length === 16 ? `${'0'.repeat(16)}${traceId}` : traceId).toLowerCase();

/** The spans of a window, looked up by trace and span id. */
export class SpanIndex {
  private readonly bySpan = new Map<string, number>();
  private readonly byTrace = new Map<string, number[]>();

  constructor(readonly spans: readonly Span[]) {
    spans.forEach((s, i) => {
      const t = norm(s.traceId);
      this.bySpan.set(`${t}/${s.spanId.toLowerCase()}`, i);
      const list = this.byTrace.get(t);
      if (list) list.push(i);
      else this.byTrace.set(t, [i]);
    });
  }

  has(traceId: string): boolean {
    return this.byTrace.has(norm(traceId));
  }

  /** The span a line was written in: its own span id, else the longest span of its service in that trace. */
  spanOf(ref: TraceRef, service?: string): Span | undefined {
    const t = norm(ref.traceId);
    if (ref.spanId) {
      const i = this.bySpan.get(`${t}/${ref.spanId}`);
      if (i !== undefined) return this.spans[i];
    }
    const all = this.byTrace.get(t);
    if (!all || !service) return undefined;
    let best: Span | undefined;
    for (const i of all) {
      const s = this.spans[i];
      if (s.service === service && (!best || s.duration > best.duration)) best = s;
    }
    return best;
  }
}

export interface QuoteOptions {
  /** Failing traces quoted besides the slowest. */
  failing: number;
  /** Lines quoted per trace. */
  lines: number;
}

/**
 * The slowest trace's lines and those of the failing traces (an error span or
 * an error line of its own), most errors first: traces without a single line are skipped.
 */
export function quoteTraceLogs(spans: readonly Span[], lines: readonly TracedLine[], options: Partial<QuoteOptions> = {}): TraceLogs[] {
  const o = { failing: 2, lines: 8, ...options };
  const byTrace = new Map<string, number[]>();
  lines.forEach((l, i) => {
    if (!l.ref) return;
    const list = byTrace.get(l.ref.traceId);
    if (list) list.push(i);
    else byTrace.set(l.ref.traceId, [i]);
  });
  if (byTrace.size === 0) return [];
  const index = new SpanIndex(spans);
  const roots = new Map<string, Span>();
  // A trace failed where one of its spans says so, or one of its own lines is an error.
  const errors = new Map<string, number>();
  for (const [t, is] of byTrace) {
    const n = is.filter((i) => severity(lines[i].line) === 2).length;
    if (n > 0) errors.set(t, n);
  }
  for (const s of spans) {
    const t = norm(s.traceId);
    if (s.error) errors.set(t, (errors.get(t) ?? 0) + 1);
    const r = roots.get(t);
    if (!r || (!s.parentId && r.parentId) || (!!s.parentId === !!r.parentId && s.duration > r.duration)) roots.set(t, s);
  }
  const withLines = [...roots.keys()].filter((t) => byTrace.has(t));
  const quote = (traceId: string, why: TraceLogs['why']): TraceLogs => {
    const root = roots.get(traceId) as Span;
    const mine = (byTrace.get(traceId) ?? []).map((i) => lines[i]).sort((a, b) => (a.time ?? 0) - (b.time ?? 0));
    // Its errors and warnings first, then its first lines; shown in time order.
    const rank = mine.map((l, k) => ({ k, s: severity(l.line) })).sort((a, b) => b.s - a.s || a.k - b.k);
    const kept = new Set(rank.slice(0, o.lines).map((r) => r.k));
    return {
      traceId,
      why,
      service: root.service,
      operation: root.operation,
      micros: root.duration,
      lines: mine.filter((_, k) => kept.has(k)).map((l) => {
        const span = l.ref && index.spanOf(l.ref, l.service);
        return { ...(l.time !== undefined ? { time: l.time } : {}), ...(l.service ? { service: l.service } : {}), ...(span ? { span: `${span.service} ${span.operation}` } : {}), line: l.line };
      }),
      more: Math.max(0, mine.length - o.lines),
    };
  };
  const out: TraceLogs[] = [];
  const longest = (ts: string[]) => ts.reduce<string | undefined>((best, t) => (!best || (roots.get(t) as Span).duration > (roots.get(best) as Span).duration ? t : best), undefined);
  const overall = longest([...roots.keys()]);
  const slowest = longest(withLines);
  if (slowest) out.push(quote(slowest, slowest === overall ? 'slowest' : 'slow'));
  const failing = withLines
    .filter((t) => t !== slowest && (errors.get(t) ?? 0) > 0)
    .sort((a, b) => (errors.get(b) ?? 0) - (errors.get(a) ?? 0) || (roots.get(b) as Span).duration - (roots.get(a) as Span).duration)
    .slice(0, o.failing);
  for (const t of failing) out.push(quote(t, 'failing'));
  return out;
}

/** "service operation" of the span each line was written in, for the lines that name a trace in the window. */
export function spanLabels(index: SpanIndex, lines: readonly TracedLine[]): (string | undefined)[] {
  return lines.map((l) => {
    const s = l.ref && index.spanOf(l.ref, l.service);
    return s ? `${s.service} ${s.operation}` : undefined;
  });
}
