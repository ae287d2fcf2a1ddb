// Spans around the steps of a diagnosis, through the OpenTelemetry API: no-ops
// unless the SDK was started (tracing.ts). A failing step records its error.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { BullMQOtel } from 'bullmq-otel';
import type { Telemetry } from 'bullmq';
import { tracingStarted, version } from './tracing.js';

const tracer = trace.getTracer('rca-bot', version);

/** Runs `fn` in a span named `name`; a throw is recorded on it and rethrown. */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T> | T): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/** The same, for synchronous work (the analysis threads). */
export function inSpanSync<T>(name: string, attributes: Attributes, fn: (span: Span) => T): T {
  return tracer.startActiveSpan(name, { attributes }, (span) => {
    try {
      return fn(span);
    } catch (e) {
      failed(span, e);
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Marks a span failed: an exception (thrown) or a one-line error (an error value). */
export function failed(span: Span, e: unknown): void {
  if (typeof e === 'string') {
    span.setStatus({ code: SpanStatusCode.ERROR, message: e });
    span.addEvent('exception', { 'exception.message': e });
    return;
  }
  const error = e instanceof Error ? e : new Error(String(e));
  span.recordException(error);
  span.setStatus({ code: SpanStatusCode.ERROR, message: error.message.split('\n')[0] });
}

/** The trace and span of the active context, when one is being recorded. */
export function activeIds(): { trace_id: string; span_id: string } | undefined {
  const span = trace.getActiveSpan();
  const ctx = span?.spanContext();
  // A span not recorded (a sampler said no) is in no backend: its id would lead nowhere.
  if (!ctx || !trace.isSpanContextValid(ctx) || !span?.isRecording()) return undefined;
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

/** The active context as W3C headers, to carry into a thread or another process. */
export function carrier(): Record<string, string> {
  const out: Record<string, string> = {};
  propagation.inject(context.active(), out);
  return out;
}

/** Runs `fn` in the context a `carrier` brought. */
export function withCarrier<T>(headers: Record<string, string> | undefined, fn: () => T): T {
  if (!headers) return fn();
  return context.with(propagation.extract(context.active(), headers), fn);
}

const unspanned = new Set(['/metrics', '/healthz', '/favicon.ico']);

/**
 * Runs `handle` for one request of the bot's own server inside a SERVER span, the child of the
 * caller's W3C context; the span ends when the response closes. Ours rather than the http
 * instrumentation's incoming spans: those bind every event of the request and the response to the
 * context, and cost the saturated ack path a quarter of its CPU. Async code keeps the context without that.
 */
export function serveInSpan(req: IncomingMessage, res: ServerResponse, path: string, route: string | undefined, handle: () => void): void {
  if (!tracingStarted() || unspanned.has(path)) return handle();
  const method = req.method ?? 'GET';
  const parent = propagation.extract(ROOT_CONTEXT, req.headers);
  const span = tracer.startSpan(
    route ? `${method} ${route}` : method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path, ...(route ? { 'http.route': route } : {}) } },
    parent,
  );
  res.once('close', () => {
    span.setAttribute('http.response.status_code', res.statusCode);
    if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    // The client went away before an answer: the slow acks are the ones worth seeing.
    if (!res.writableFinished) span.addEvent('the client closed the connection first');
    span.end();
  });
  context.with(trace.setSpan(parent, span), handle);
}

let telemetry: Telemetry | undefined;
/** BullMQ's telemetry option (bullmq-otel): job spans, and the context carried in each job of a flow. None when not tracing. */
export function bullmqTelemetry(): Telemetry | undefined {
  if (!tracingStarted()) return undefined;
  telemetry ??= new BullMQOtel({ tracerName: 'rca-bot', version }) as unknown as Telemetry;
  return telemetry;
}
