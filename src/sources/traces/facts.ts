// What every importer derives the same way: ids as lowercase hex, the span
// kind, and from the tags whether the span failed, its status, error type and
// peer service. Malformed input stops the import with one line.
import { UserError } from '../../errors.js';
import type { Span, SpanKind } from './span.js';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function fail(message: string): never {
  throw new UserError(`traces: ${message}`);
}

const hex = /^[0-9a-fA-F]{1,32}$/;
const base64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const token = /^[\w.:-]{1,128}$/;

/**
 * Hex ids lowercase, zero-padded to 16 or 32 digits. Ids that are not hex but
 * plain tokens (`span-1` in synthetic test traces) are kept as they are.
 */
export function idOf(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') fail(`${what} is missing`);
  if (hex.test(v)) return v.toLowerCase().padStart(v.length <= 16 ? 16 : 32, '0');
  if (token.test(v)) return v;
  fail(`${what} ${JSON.stringify(v.slice(0, 40))} is not an id`);
}

/** OTLP ids: hex (OTLP/JSON) or base64 of the 8 or 16 bytes (Tempo, protobuf-JSON); never ambiguous by length. */
export function otlpId(v: unknown, what: string): string {
  if (typeof v !== 'string' || v === '') fail(`${what} is missing`);
  if ((v.length === 16 || v.length === 32) && hex.test(v)) return v.toLowerCase();
  if (base64.test(v)) {
    const bytes = Buffer.from(v, v.includes('-') || v.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === 8 || bytes.length === 16) return bytes.toString('hex');
  }
  fail(`${what} ${JSON.stringify(v.slice(0, 40))} is neither hex nor the base64 of 8 or 16 bytes`);
}

/** Microseconds from a number or a decimal string. */
export function micros(v: unknown, what: string): number {
  const n = typeof v === 'string' && /^\d{1,17}(\.\d+)?$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) fail(`${what} is not a number of microseconds`);
  return Math.floor(n);
}

const kinds: Record<string, SpanKind> = {
  server: 'server',
  client: 'client',
  producer: 'producer',
  consumer: 'consumer',
  internal: 'internal',
  span_kind_server: 'server',
  span_kind_client: 'client',
  span_kind_producer: 'producer',
  span_kind_consumer: 'consumer',
  span_kind_internal: 'internal',
};
const kindNumbers: (SpanKind | undefined)[] = [undefined, 'internal', 'server', 'client', 'producer', 'consumer'];

/** `server`, `SERVER`, `SPAN_KIND_SERVER` or OTLP's 2; undefined when unspecified. */
export function kindOf(v: unknown): SpanKind | undefined {
  if (typeof v === 'number') return kindNumbers[v];
  return typeof v === 'string' ? kinds[v.toLowerCase()] : undefined;
}

// gRPC codes a server reports as its own failure (OpenTelemetry semantic conventions);
// a client counts every code but OK.
const grpcServerErrors = new Set(['2', '4', '12', '13', '14', '15', 'UNKNOWN', 'DEADLINE_EXCEEDED', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS']);

/** What an importer reads off the wire; finishSpan works out error and status. */
export type SpanCore = Omit<Span, 'error' | 'status'> & {
  /** The format itself says the span failed (OTLP status, an error tag). */
  failed?: boolean;
};

/** The span, with error, status, error type and peer service read from its attributes. */
export function finishSpan(c: SpanCore): Span {
  const a = c.attributes;
  const kind = c.kind ?? kindOf(a['span.kind']);
  const http = a['http.response.status_code'] ?? a['http.status_code'];
  const grpc = a['rpc.grpc.status_code'] ?? a['grpc.status_code'];
  let error = c.failed === true || a.error === 'true' || a['otel.status_code'] === 'ERROR';
  let status: string | undefined;
  if (http !== undefined && http !== '') {
    status = http;
    if (Number(http) >= 500) error = true;
  } else if (grpc !== undefined && grpc !== '') {
    status = grpc;
    const code = grpc.toUpperCase();
    if (kind === 'server' ? grpcServerErrors.has(code) : code !== '0' && code !== 'OK') error = true;
  }
  const span: Span = {
    traceId: c.traceId,
    spanId: c.spanId,
    service: c.service,
    operation: c.operation,
    start: c.start,
    duration: c.duration,
    error,
    attributes: a,
  };
  if (c.parentId !== undefined) span.parentId = c.parentId;
  if (kind !== undefined) span.kind = kind;
  if (status !== undefined) span.status = status;
  const errorType = a['error.type'] ?? a['exception.type'] ?? c.errorType ?? a['error.kind'];
  if (errorType) span.errorType = errorType;
  const peer = c.peerService ?? a['peer.service'];
  if (peer) span.peerService = peer;
  return span;
}

/** Tag values as text: numbers and booleans as JSON writes them, objects as JSON. */
export function text(v: unknown): string {
  return typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
}
