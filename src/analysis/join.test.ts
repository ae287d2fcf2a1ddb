import { describe, expect, it } from 'vitest';
import { traceRefOf } from './join.js';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';

describe('traceRefOf', () => {
  it.each([
    ['a JSON line (trace_id, span_id)', `{"level":"error","msg":"timeout=5000ms","trace_id":"${T}","span_id":"${S}"}`],
    ['a JSON line (traceID, spanID: zap, Jaeger clients)', `{"msg":"retry attempt #2","traceID":"${T}","spanID":"${S}"}`],
    ['a JSON line (traceId, spanId: OTel log records as JSON)', `{"body":"x","traceId":"${T.toUpperCase()}","spanId":"${S}"}`],
    ['logfmt', `level=warn msg="pool exhausted" trace_id=${T} span_id=${S}`],
    ["Nezha's message", `18:20:35.307 INFO  t.c.Travel2Controller#115 TraceID: ${T} SpanID: ${S} [query]`],
  ])('%s', (_what, line) => {
    expect(traceRefOf(line)).toEqual({ traceId: T, spanId: S });
  });

  it('reads fields first: Loki labels and structured metadata, a CSV column', () => {
    expect(traceRefOf('no id in the text', { trace_id: T })).toEqual({ traceId: T });
    expect(traceRefOf('no id in the text', { TraceID: T, SpanID: S })).toEqual({ traceId: T, spanId: S });
  });

  it('widens a 64-bit trace id, as Jaeger stores it', () => {
    expect(traceRefOf('trace_id=a3ce929d0e0e4736')).toEqual({ traceId: '0000000000000000a3ce929d0e0e4736' });
  });

  it('takes no id from an all-zero (invalid) id, a wrong length or a word that only looks like a key', () => {
    expect(traceRefOf(`trace_id=${'0'.repeat(32)}`)).toBeUndefined();
    expect(traceRefOf('trace_id=4bf92f3577b34da6a3ce929d0e0e47')).toBeUndefined();
    expect(traceRefOf('traced the id of the request')).toBeUndefined();
    expect(traceRefOf('x', { trace_id: 'not-hex' })).toBeUndefined();
  });
});
