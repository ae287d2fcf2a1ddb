// Spans from any trace format we read: Jaeger JSON, OTLP/JSON (Tempo too),
// Zipkin v2 JSON, span-table CSV. The format is recognised from the content
// unless a hint says it. Malformed input is a UserError of one line.
import { Skips } from '../skips.js';
import { fail, isObject } from './facts.js';
import { isJaeger, parseJaeger } from './jaeger.js';
import { isOtlp, parseOtlp } from './otlp.js';
import type { Span } from './span.js';
import { isSpanTable, parseSpanTable } from './table.js';
import { isZipkin, parseZipkin } from './zipkin.js';

export type TraceFormat = 'jaeger' | 'otlp' | 'zipkin' | 'table';
export type { Span, SpanKind } from './span.js';
export { serviceOfPod } from './table.js';

const parsers: Record<TraceFormat, (json: unknown, skips: Skips) => Span[]> = {
  jaeger: parseJaeger,
  otlp: parseOtlp,
  zipkin: parseZipkin,
  table: (v, skips) => (typeof v === 'string' ? parseSpanTable(v, skips) : fail('a span table must be CSV text')),
};

/**
 * The spans of `input`; a span that cannot be read is skipped and counted in `skips`, the rest
 * kept. When none can be read, that is the error, with the reasons.
 */
export function parseTraces(input: string | Buffer | object, hint?: TraceFormat, skips = new Skips()): Span[] {
  const before = skips.count;
  const spans = parseSome(input, hint, skips);
  if (spans.length === 0 && skips.count > before) fail(skips.nothingRead(before, 'span'));
  return spans;
}

/** The spans of `input` that can be read, the rest counted in `skips`; none is no error here. */
export function parseSome(input: string | Buffer | object, hint: TraceFormat | undefined, skips: Skips): Span[] {
  if (typeof input === 'string' || Buffer.isBuffer(input)) return parseText(input.toString(), hint, skips);
  return hint ? parsers[hint](input, skips) : parsers[formatOf(input)](input, skips);
}

function parseText(raw: string, hint: TraceFormat | undefined, skips: Skips): Span[] {
  const text = raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
  const head = text.trimStart();
  if (hint === 'table' || (hint === undefined && head[0] !== '{' && head[0] !== '[')) {
    if (hint === 'table' || isSpanTable(head)) return parseSpanTable(head, skips);
    if (head === '') fail('the input is empty');
    fail('not JSON, and not a span table with a TraceID,SpanID,... header');
  }
  let json: unknown;
  try {
    json = JSON.parse(head);
  } catch (e) {
    // An OpenTelemetry collector's file exporter writes one OTLP object a line.
    const lines = head.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (lines.length > 1 && lines.every((l) => l.trimStart().startsWith('{'))) {
      // A line cut short (the exporter was killed mid-write) costs that line only.
      return lines.flatMap((l) => {
        let json: unknown;
        try {
          json = JSON.parse(l);
        } catch {
          skips.add('a line that is not valid JSON');
          return [];
        }
        return parseSome(json as object, hint, skips);
      });
    }
    fail(`not valid JSON (${(e as Error).message.split('\n')[0]})`);
  }
  return parseSome(json as object, hint, skips);
}

/** Which format a parsed JSON answer is in; a UserError when none. */
export function formatOf(json: unknown): TraceFormat {
  if (isOtlp(json)) return 'otlp';
  if (isZipkin(json)) return 'zipkin';
  if (isJaeger(json)) return 'jaeger';
  if (isObject(json) && 'resourceLogs' in json) fail('this is OTLP logs, not traces');
  if (isObject(json) && 'resourceMetrics' in json) fail('this is OTLP metrics, not traces');
  if (isObject(json) && Array.isArray(json.traces)) fail('this is a Tempo search answer (trace ids only), not traces');
  const keys = isObject(json) ? `an object with ${Object.keys(json).slice(0, 5).map((k) => JSON.stringify(k)).join(', ') || 'no keys'}` : 'a list of something else';
  fail(`unknown trace format: ${keys}; expected Jaeger ({"data": [...]}), OTLP ({"resourceSpans": [...]}), Zipkin v2 ([{"traceId", "id", ...}]) or a span-table CSV`);
}
