import { describe, expect, it } from 'vitest';
import { instrumentationsWanted, tracingWanted } from './tracing.js';

describe('tracing configuration from the OTEL_* variables', () => {
  it('exports only when an endpoint or an exporter is named, and never when the SDK is disabled', () => {
    expect(tracingWanted({})).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:4318/v1/traces' })).toBe(true);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_SDK_DISABLED: 'TRUE' })).toBe(false);
    expect(tracingWanted({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://x', OTEL_TRACES_EXPORTER: 'none' })).toBe(false);
    expect(tracingWanted({ OTEL_TRACES_EXPORTER: 'console' })).toBe(true);
  });

  it('loads every instrumentation unless the enabled or disabled lists say otherwise, by short or full name', () => {
    expect([...instrumentationsWanted({})]).toEqual(['http', 'undici', 'ioredis']);
    expect([...instrumentationsWanted({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'ioredis, @opentelemetry/instrumentation-undici' })]).toEqual(['http']);
    expect([...instrumentationsWanted({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,ioredis' })]).toEqual(['http', 'ioredis']);
    expect([...instrumentationsWanted({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: 'http,ioredis', OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'http' })]).toEqual(['ioredis']);
    // A name we do not load is no error: the same variables serve other Node services.
    expect([...instrumentationsWanted({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: 'pg,express' })]).toEqual(['http', 'undici', 'ioredis']);
  });
});
