// Jaeger query-API JSON: `/api/traces` answers `{data: [trace], errors}`, a
// trace page `{data: trace, id, state}`, or bare trace objects
// `{traceID, spans: [{spanID, operationName, references, startTime µs, duration µs, tags, logs, processID}], processes}`.
import { skipping, Skips } from '../skips.js';
import { fail, finishSpan, idOf, isObject, micros, text } from './facts.js';
import type { Span } from './span.js';

export function isJaeger(json: unknown): boolean {
  if (Array.isArray(json)) return json.length > 0 && isObject(json[0]) && 'spans' in json[0] && 'traceID' in json[0];
  if (!isObject(json)) return false;
  return 'data' in json || ('traceID' in json && Array.isArray(json.spans));
}

export function parseJaeger(json: unknown, skips = new Skips()): Span[] {
  const out: Span[] = [];
  const count = { n: 0 };
  for (const trace of tracesOf(json)) readTrace(trace, out, skips, count);
  return out;
}

function tracesOf(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (!isObject(json)) fail('a Jaeger answer must be a JSON object');
  if (!('data' in json)) return [json];
  const { data, errors } = json;
  if (Array.isArray(errors) && errors.length > 0 && (data === null || (Array.isArray(data) && data.length === 0))) {
    const e = errors[0] as unknown;
    fail(`Jaeger answered an error: ${isObject(e) ? text(e.msg ?? e.message ?? JSON.stringify(e)) : text(e)}`);
  }
  if (data === null || data === undefined) return [];
  return Array.isArray(data) ? data : [data];
}

/** `count.n`: spans read so far, readable or not, which numbers them in messages. */
function readTrace(trace: unknown, out: Span[], skips: Skips, count: { n: number }): void {
  if (!isObject(trace) || !Array.isArray(trace.spans)) fail('a Jaeger trace has no "spans" list');
  const processes = isObject(trace.processes) ? trace.processes : {};
  for (const item of trace.spans as unknown[]) {
    const n = ++count.n;
    const span = skipping(skips, () => readSpan(item, trace, processes, n));
    if (span) out.push(span);
  }
}

function readSpan(s: unknown, trace: Record<string, unknown>, processes: Record<string, unknown>, n: number): Span {
  if (!isObject(s)) fail(`span ${n} is not an object`);
  const traceId = idOf(s.traceID ?? trace.traceID, `span ${n}: traceID`);
  const spanId = idOf(s.spanID, `span ${n}: spanID`);
  const attributes: Record<string, string> = {};
  if (s.tags !== undefined && s.tags !== null && !Array.isArray(s.tags)) fail(`span ${n}: "tags" is not a list`);
  for (const t of (s.tags as unknown[] | undefined) ?? []) if (isObject(t) && typeof t.key === 'string') attributes[t.key] = text(t.value);
  return finishSpan({
    traceId,
    spanId,
    parentId: parentOf(s, traceId, n),
    service: serviceOf(s, processes, n),
    operation: typeof s.operationName === 'string' && s.operationName !== '' ? s.operationName : 'unknown',
    start: micros(s.startTime, `span ${n}: startTime`),
    duration: micros(s.duration, `span ${n}: duration`),
    attributes,
    errorType: errorTypeInLogs(s.logs),
  });
}

// As Jaeger's own model: the first CHILD_OF reference within the trace, else the first FOLLOWS_FROM.
function parentOf(s: Record<string, unknown>, traceId: string, n: number): string | undefined {
  let follows: string | undefined;
  if (Array.isArray(s.references)) {
    for (const r of s.references as unknown[]) {
      if (!isObject(r)) continue;
      if (r.traceID !== undefined && idOf(r.traceID, `span ${n}: a reference's traceID`) !== traceId) continue;
      if (r.refType === 'CHILD_OF') return idOf(r.spanID, `span ${n}: a reference's spanID`);
      if (r.refType === 'FOLLOWS_FROM' && follows === undefined) follows = idOf(r.spanID, `span ${n}: a reference's spanID`);
    }
  }
  if (follows === undefined && typeof s.parentSpanID === 'string' && !/^0*$/.test(s.parentSpanID)) return idOf(s.parentSpanID, `span ${n}: parentSpanID`);
  return follows;
}

function serviceOf(s: Record<string, unknown>, processes: Record<string, unknown>, n: number): string {
  const p = typeof s.processID === 'string' ? processes[s.processID] : undefined;
  const process = isObject(p) ? p : isObject(s.process) ? s.process : undefined;
  if (!process) fail(`span ${n}: process ${JSON.stringify(s.processID ?? null)} is not in the trace's "processes"`);
  return typeof process.serviceName === 'string' && process.serviceName !== '' ? process.serviceName : 'unknown';
}

function errorTypeInLogs(logs: unknown): string | undefined {
  if (!Array.isArray(logs)) return undefined;
  for (const l of logs as unknown[]) {
    if (!isObject(l) || !Array.isArray(l.fields)) continue;
    for (const f of l.fields as unknown[]) if (isObject(f) && (f.key === 'exception.type' || f.key === 'error.kind') && f.value) return text(f.value);
  }
  return undefined;
}
