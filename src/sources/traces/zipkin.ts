// Zipkin v2 JSON: a list of spans `[{traceId, id, parentId, name, kind, timestamp µs,
// duration µs, localEndpoint, remoteEndpoint, tags, shared}]`, or the list of
// traces `/api/v2/traces` answers. Zipkin's RPC spans share one id between the
// client and the server side (`shared`); the server side gets an id of its own
// under the client side, as Jaeger's span-id deduper does.
import { skipping, Skips } from '../skips.js';
import { fail, finishSpan, idOf, isObject, kindOf, micros, text } from './facts.js';
import type { Span } from './span.js';

export function isZipkin(json: unknown): boolean {
  if (!Array.isArray(json)) return false;
  // A list of spans, or of traces (lists of spans) as /api/v2/traces answers.
  if (json.length === 0 || Array.isArray(json[0])) return true;
  return isObject(json[0]) && 'traceId' in json[0] && 'id' in json[0];
}

export function parseZipkin(json: unknown, skips = new Skips()): Span[] {
  if (!Array.isArray(json)) fail('a Zipkin answer must be a JSON list of spans');
  const out: Span[] = [];
  const shared: Span[] = [];
  let count = 0;
  const read = (s: unknown) => {
    const n = ++count;
    const span = skipping(skips, () => readSpan(s, n));
    if (!span) return;
    if (isObject(s) && s.shared === true) shared.push(span);
    out.push(span);
  };
  for (const item of json as unknown[]) {
    if (Array.isArray(item)) for (const s of item) read(s);
    else read(item);
  }
  if (shared.length > 0) splitShared(out, shared);
  return out;
}

function readSpan(s: unknown, n: number): Span {
  if (!isObject(s)) fail(`span ${n} is not an object`);
  const attributes: Record<string, string> = {};
  if (s.tags !== undefined && !isObject(s.tags)) fail(`span ${n}: "tags" is not an object`);
  for (const [k, v] of Object.entries((s.tags as Record<string, unknown> | undefined) ?? {})) attributes[k] = text(v);
  const local = isObject(s.localEndpoint) ? s.localEndpoint : {};
  const remote = isObject(s.remoteEndpoint) ? s.remoteEndpoint : {};
  return finishSpan({
    traceId: idOf(s.traceId, `span ${n}: traceId`),
    spanId: idOf(s.id, `span ${n}: id`),
    parentId: s.parentId === undefined || s.parentId === null || (typeof s.parentId === 'string' && /^0*$/.test(s.parentId)) ? undefined : idOf(s.parentId, `span ${n}: parentId`),
    service: typeof local.serviceName === 'string' && local.serviceName !== '' ? local.serviceName : 'unknown',
    operation: typeof s.name === 'string' && s.name !== '' ? s.name : 'unknown',
    kind: kindOf(s.kind),
    start: micros(s.timestamp, `span ${n}: timestamp`),
    duration: s.duration === undefined ? 0 : micros(s.duration, `span ${n}: duration`),
    attributes,
    // Zipkin's convention: the "error" tag marks a failed span; its value is the message, maybe empty.
    failed: 'error' in attributes,
    peerService: typeof remote.serviceName === 'string' && remote.serviceName !== '' ? remote.serviceName : undefined,
  });
}

function splitShared(spans: Span[], shared: Span[]): void {
  const key = (traceId: string, spanId: string) => `${traceId}/${spanId}`;
  const isShared = new Set(shared);
  const used = new Set<string>();
  const owner = new Map<string, Span>();
  const children = new Map<string, Span[]>();
  for (const s of spans) {
    used.add(key(s.traceId, s.spanId));
    if (!isShared.has(s)) owner.set(key(s.traceId, s.spanId), s);
    if (s.parentId !== undefined) {
      const k = key(s.traceId, s.parentId);
      const list = children.get(k);
      if (list) list.push(s);
      else children.set(k, [s]);
    }
  }
  for (const span of shared) {
    const old = key(span.traceId, span.spanId);
    const client = owner.get(old);
    if (!client) continue;
    const hex = /^[0-9a-f]{16}$/.test(span.spanId);
    let id = hex ? BigInt(`0x${span.spanId}`) : 0n;
    let next: string;
    do {
      id = (id + 1n) & 0xffffffffffffffffn;
      next = hex ? id.toString(16).padStart(16, '0') : `${span.spanId}.${id}`;
    } while (used.has(key(span.traceId, next)));
    used.add(key(span.traceId, next));
    // What the server side recorded under the RPC hangs under the server side.
    for (const c of children.get(old) ?? []) if (c.service === span.service && c !== span) c.parentId = next;
    span.parentId = client.spanId;
    span.spanId = next;
  }
}
