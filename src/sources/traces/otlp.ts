// OTLP/JSON traces: `{resourceSpans: [{resource, scopeSpans: [{scope, spans}]}]}`,
// with the older `instrumentationLibrarySpans`, Tempo's `batches` (base64 ids),
// Jaeger api_v3's `{result: {...}}` and Tempo v2's `{trace: {...}}` around it.
// Times are nanosecond strings; they are split so no digit is lost to floats.
import { skipping, Skips } from '../skips.js';
import { fail, finishSpan, isObject, kindOf, otlpId, text } from './facts.js';
import type { Span } from './span.js';

export function isOtlp(json: unknown): boolean {
  if (isObject(json) && (isObject(json.result) || isObject(json.trace))) return true;
  return isObject(json) && ('resourceSpans' in json || 'batches' in json);
}

function unwrap(json: unknown): unknown {
  if (isObject(json) && isObject(json.result)) return json.result;
  if (isObject(json) && isObject(json.trace)) return json.trace;
  return json;
}

export function parseOtlp(json: unknown, skips = new Skips()): Span[] {
  const body = unwrap(json);
  if (!isObject(body)) fail('an OTLP answer must be a JSON object');
  const resources = body.resourceSpans ?? body.batches;
  if (resources === undefined && Object.keys(body).length === 0) return [];
  if (!Array.isArray(resources)) fail('the OTLP answer has no "resourceSpans" (or "batches") list');
  const out: Span[] = [];
  let count = 0;
  for (let r = 0; r < resources.length; r++) {
    const rs = resources[r] as unknown;
    if (!isObject(rs)) fail(`resourceSpans[${r}] is not an object`);
    const service = serviceOf(rs.resource);
    const scopes = rs.scopeSpans ?? rs.instrumentationLibrarySpans ?? [];
    if (!Array.isArray(scopes)) fail('"scopeSpans" is not a list');
    for (const scope of scopes as unknown[]) {
      if (!isObject(scope)) continue;
      if (!Array.isArray(scope.spans)) {
        if (scope.spans === undefined) continue;
        fail('"spans" is not a list');
      }
      for (const s of scope.spans as unknown[]) {
        const n = ++count;
        const span = skipping(skips, () => readSpan(s, service, n));
        if (span) out.push(span);
      }
    }
  }
  return out;
}

function serviceOf(resource: unknown): string {
  if (!isObject(resource) || !Array.isArray(resource.attributes)) return 'unknown';
  const name = attributes(resource.attributes)['service.name'];
  return name ? name : 'unknown';
}

function readSpan(s: unknown, service: string, n: number): Span {
  if (!isObject(s)) fail(`span ${n} is not an object`);
  const parent = s.parentSpanId;
  const start = nanos(s.startTimeUnixNano, `span ${n}: startTimeUnixNano`);
  const end = nanos(s.endTimeUnixNano, `span ${n}: endTimeUnixNano`);
  const durationNs = (end[0] - start[0]) * 1e9 + (end[1] - start[1]);
  if (durationNs < 0) fail(`span ${n} ends before it starts`);
  const attrs = Array.isArray(s.attributes) ? attributes(s.attributes) : {};
  const status = isObject(s.status) ? s.status : {};
  const failed = status.code === 2 || status.code === 'STATUS_CODE_ERROR';
  if (failed && typeof status.message === 'string' && status.message !== '') attrs['otel.status_description'] = status.message;
  return finishSpan({
    traceId: otlpId(s.traceId, `span ${n}: traceId`),
    spanId: otlpId(s.spanId, `span ${n}: spanId`),
    parentId: parent === undefined || parent === null || parent === '' || (typeof parent === 'string' && /^0+$/.test(parent)) ? undefined : otlpId(parent, `span ${n}: parentSpanId`),
    service,
    operation: typeof s.name === 'string' && s.name !== '' ? s.name : 'unknown',
    kind: kindOf(s.kind),
    start: start[0] * 1e6 + Math.floor(start[1] / 1000),
    duration: Math.floor(durationNs / 1000),
    attributes: attrs,
    failed,
    errorType: exceptionType(s.events),
  });
}

/** [seconds, nanoseconds within the second] of a decimal nanosecond timestamp. */
function nanos(v: unknown, what: string): [number, number] {
  const s = typeof v === 'number' && Number.isInteger(v) && v >= 0 ? BigInt(v).toString() : v;
  if (typeof s !== 'string' || !/^\d{1,20}$/.test(s)) fail(`${what} is not a nanosecond timestamp`);
  return s.length > 9 ? [Number(s.slice(0, -9)), Number(s.slice(-9))] : [0, Number(s)];
}

function attributes(list: unknown[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) if (isObject(kv) && typeof kv.key === 'string') out[kv.key] = value(kv.value);
  return out;
}

function value(v: unknown): string {
  if (!isObject(v)) return text(v);
  if ('stringValue' in v) return text(v.stringValue);
  if ('intValue' in v) return text(v.intValue);
  if ('boolValue' in v) return text(v.boolValue);
  if ('doubleValue' in v) return text(v.doubleValue);
  if ('bytesValue' in v) return text(v.bytesValue);
  if (isObject(v.arrayValue)) return JSON.stringify(((v.arrayValue.values as unknown[] | undefined) ?? []).map(value));
  if (isObject(v.kvlistValue)) return JSON.stringify(attributes((v.kvlistValue.values as unknown[] | undefined) ?? []));
  return '';
}

function exceptionType(events: unknown): string | undefined {
  if (!Array.isArray(events)) return undefined;
  for (const e of events as unknown[]) {
    if (!isObject(e) || e.name !== 'exception' || !Array.isArray(e.attributes)) continue;
    const type = attributes(e.attributes)['exception.type'];
    if (type) return type;
  }
  return undefined;
}
