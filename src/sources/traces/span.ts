// The one span model every trace importer produces (Jaeger, Tempo, OTLP,
// Zipkin, span tables) and the trace analysis reads. Plain data.

export type SpanKind = 'server' | 'client' | 'producer' | 'consumer' | 'internal';

export interface Span {
  /** Lowercase hex, whatever the wire format used (Tempo sends base64). */
  traceId: string;
  spanId: string;
  /** Absent for a root, or when the format says the parent is outside the data. */
  parentId?: string;
  service: string;
  operation: string;
  kind?: SpanKind;
  /** Microseconds since the Unix epoch. */
  start: number;
  /** Microseconds. */
  duration: number;
  /** The span says it failed: OTLP status ERROR, an `error` tag, HTTP 5xx, a gRPC error code. */
  error: boolean;
  /** HTTP status or gRPC code as text, when the span has one. */
  status?: string;
  /** Exception or error type, when the span has one. */
  errorType?: string;
  /** The service called, for client spans, when known. */
  peerService?: string;
  /** Tags and attributes, stringified. */
  attributes: Record<string, string>;
}
