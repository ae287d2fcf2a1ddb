import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { UserError } from '../../errors.js';
import { Skips } from '../skips.js';
import { parseTraces, serviceOfPod, type Span } from './index.js';

const read = (...p: string[]) => readFileSync(fixture(...p), 'utf8');
const traces = (dir: string) => readdirSync(fixture('traces', dir)).filter((f) => f.endsWith('.json') && !f.includes('_logs'));

function failure(input: string | object): string {
  try {
    parseTraces(input);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

/** What two formats must agree on. */
const essence = (spans: Span[]) =>
  spans
    .map((s) => ({ traceId: s.traceId, spanId: s.spanId, parentId: s.parentId, service: s.service, operation: s.operation, kind: s.kind, start: s.start, duration: s.duration, error: s.error }))
    .sort((a, b) => a.start - b.start || a.spanId.localeCompare(b.spanId));

describe.skipIf(!sharedFixtures)('parseTraces on every fixture', () => {
  const counts: Record<string, [spans: number, errors: number]> = {
    'jaeger/grafana_loki-CAS_mockJsonResponse.json': [2, 0],
    'jaeger/jaeger-ui_otlp2jaeger-multi-out.json': [4, 0],
    'jaeger/jaeger-ui_ride-sharing-pyroscope.json': [4, 0],
    'jaeger/jaeger-ui_spring-petclinic.json': [17, 0],
    'jaeger/jaeger-ui_synthetic-2svc.json': [11, 1],
    'jaeger/jaeger_otlp2jaeger-out.json': [2, 0],
    'jaeger/jaeger_ui_01.json': [5, 1],
    'otlp/jaeger-ui_otlp2jaeger-in-error.json': [1, 0],
    'otlp/jaeger-ui_otlp2jaeger-multi-in-combined.json': [4, 0],
    'otlp/jaeger_memstore_otel_traces_01.json': [4, 4],
    'otlp/jaeger_otlp2jaeger-in.json': [2, 0],
    'otlp/opentelemetry-proto_examples_trace.json': [1, 0],
    'zipkin/ascend.json': [8, 0],
    'zipkin/envoy.json': [1, 0],
    'zipkin/messaging-kafka.json': [28, 3],
    'zipkin/messaging.json': [4, 0],
    'zipkin/messaging2.json': [11, 0],
    'zipkin/simple-db-p6.json': [5, 0],
    'zipkin/skew.json': [4, 0],
    'zipkin/smartthings-oauth-authorization.json': [175, 2],
    'zipkin/yelp.json': [16, 0],
  };

  it('knows every fixture', () => {
    expect(['jaeger', 'otlp', 'zipkin'].flatMap((d) => traces(d).map((f) => `${d}/${f}`)).sort()).toEqual(Object.keys(counts).sort());
  });

  it.each(Object.entries(counts))('%s', (name, [n, errors]) => {
    const spans = parseTraces(read('traces', name));
    expect(spans).toHaveLength(n);
    expect(spans.filter((s) => s.error)).toHaveLength(errors);
    for (const s of spans) {
      expect(s.traceId).toMatch(/^(?:[0-9a-f]{16}|[0-9a-f]{32}|trace-123)$/);
      expect(s.spanId).toMatch(/^(?:[0-9a-f]{16}|span-[\d_]+)$/);
      expect(s.service).not.toBe('');
      expect(s.operation).not.toBe('');
      expect(Number.isSafeInteger(s.start) && s.start > 1e15).toBe(true);
      expect(Number.isSafeInteger(s.duration) && s.duration >= 0).toBe(true);
    }
  });

  it('OTLP logs are named as such', () => {
    expect(failure(read('traces', 'otlp', 'opentelemetry-proto_examples_logs.json'))).toBe('traces: this is OTLP logs, not traces');
  });

  it.each([
    ['otlp/jaeger_otlp2jaeger-in.json', 'jaeger/jaeger_otlp2jaeger-out.json'],
    ['otlp/jaeger-ui_otlp2jaeger-multi-in-combined.json', 'jaeger/jaeger-ui_otlp2jaeger-multi-out.json'],
  ])('the conversion oracle %s = %s', (otlp, jaeger) => {
    const a = essence(parseTraces(read('traces', otlp)));
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(essence(parseTraces(read('traces', jaeger))));
  });

  it('reads Jaeger references, processes, tags and logs', () => {
    const spans = parseTraces(read('traces', 'jaeger', 'jaeger_ui_01.json'));
    const bySpan = (id: string, k = 0) => spans.filter((s) => s.spanId === id)[k];
    expect(bySpan('0000000000000002', 1)).toMatchObject({ service: 'service-x', error: true, peerService: 'service-y', attributes: { 'peer.ipv4': '23456', temperature: '72.5', javascript_limit: '9223372036854775222' } });
    expect(bySpan('0000000000000003')).toMatchObject({ parentId: '0000000000000002', service: 'service-y' });
    // A CHILD_OF in another trace is skipped; the first CHILD_OF of this trace is the parent.
    expect(bySpan('0000000000000004').parentId).toBe('0000000000000002');
    const synthetic = parseTraces(read('traces', 'jaeger', 'jaeger-ui_synthetic-2svc.json'));
    expect(synthetic.find((s) => s.spanId === 'span-7')).toMatchObject({ parentId: 'span-6', service: 'service2', kind: 'consumer' });
    expect(synthetic.filter((s) => s.error).map((s) => s.attributes.error)).toEqual(['true']);
  });

  it('reads OTLP kinds, status, attributes and a missing service name', () => {
    const [s] = parseTraces(read('traces', 'otlp', 'jaeger_memstore_otel_traces_01.json'));
    expect(s).toMatchObject({ traceId: '00000000000000010000000000000000', spanId: '0000000000000002', parentId: '0000000000000003', kind: 'server', error: true, service: 'service-x', start: 1485467191639875, duration: 5 });
    expect(s.attributes).toMatchObject({ 'peer.ipv4': '23456', blob: 'AAAwOQ==', temperature: '72.5' });
    expect(parseTraces(read('traces', 'otlp', 'jaeger-ui_otlp2jaeger-in-error.json'))[0].service).toBe('unknown');
    expect(parseTraces(read('traces', 'otlp', 'opentelemetry-proto_examples_trace.json'))[0]).toMatchObject({ traceId: '5b8efff798038103d269b633813fc60c', duration: 1_000_000 });
  });

  it('reads Zipkin endpoints, tags and kinds, and gives the server side of a shared span its own id', () => {
    const kafka = parseTraces(read('traces', 'zipkin', 'messaging-kafka.json'));
    expect(kafka.filter((s) => s.error).map((s) => s.attributes.error).sort()).toEqual(['', 'some error', 'some error']);
    expect(kafka[0]).toMatchObject({ service: 'servicea', kind: 'consumer', peerService: 'kafka' });
    const db = parseTraces(read('traces', 'zipkin', 'simple-db-p6.json'));
    expect(db.filter((s) => s.attributes['sql.query']).length).toBe(4);
    const skew = parseTraces(read('traces', 'zipkin', 'skew.json'));
    const client = skew.find((s) => s.kind === 'client' && s.spanId === '74280ae0c10d8062')!;
    const server = skew.find((s) => s.kind === 'server' && s.service === 'serviceb')!;
    expect(server).toMatchObject({ spanId: '74280ae0c10d8063', parentId: client.spanId });
    expect(skew.find((s) => s.operation === 'async')!.parentId).toBe(server.spanId);
    expect(new Set(skew.map((s) => s.spanId)).size).toBe(4);
    // A shared span with no client side in the data keeps its id.
    expect(parseTraces(read('traces', 'zipkin', 'envoy.json'))[0]).toMatchObject({ spanId: '978883983d506fa5', service: 'unknown', status: '200', error: false });
  });
});

describe.skipIf(!sharedFixtures)('span tables (Nezha)', () => {
  const table = (...p: string[]) => parseTraces(read('rca', 'nezha', ...p));

  it.each([
    ['tt-2023-01-29-travel-exception', 'trace', '10_20_trace.csv'],
    ['tt-2023-01-29-travel-exception', 'trace', '10_21_trace.csv'],
    ['tt-2023-01-29-travel-exception', 'trace', '10_22_trace.csv'],
    ['baseline-tt-2023-01-29', 'trace', '08_50_trace.csv'],
  ])('%s/%s/%s parses', (...p) => {
    const spans = table(...p);
    const lines = read('rca', 'nezha', ...p).split('\n').filter((l) => l.trim() !== '').length;
    expect(spans).toHaveLength(lines - 1);
    for (const s of spans) expect(s.service).toMatch(/^ts-[a-z0-9-]+-service$/);
  });

  it('reads ids, roots, times and pods', () => {
    const [root, child] = table('tt-2023-01-29-travel-exception', 'trace', '10_22_trace.csv');
    expect(root).toEqual({
      traceId: 'cf420bef7c53b3ee4a661e1626a43cb0',
      spanId: '1b8610efff1207b0',
      service: 'ts-gateway-service',
      operation: '/*',
      start: 1674987684735000,
      duration: 115367,
      error: false,
      attributes: { 'k8s.pod.name': 'ts-gateway-service-6f6cfc45b-h5m2n' },
    });
    expect(child).toMatchObject({ parentId: '1b8610efff1207b0', start: 1674987684735778, duration: 114388 });
  });
});

describe('parseTraces', () => {
  it('strips the ReplicaSet and pod hashes from pod names', () => {
    expect(serviceOfPod('ts-travel-service-64469b5b48-25zj6')).toBe('ts-travel-service');
    expect(serviceOfPod('currencyservice-cf787dd48-vpjrd')).toBe('currencyservice');
    expect(serviceOfPod('ts-station-food-service-dc4d75dd-fw6ft')).toBe('ts-station-food-service');
    expect(serviceOfPod('redis-cart')).toBe('redis-cart');
    expect(serviceOfPod('ts-travel-service')).toBe('ts-travel-service');
  });

  const otlp = (span: Record<string, unknown>, key = 'resourceSpans', scope = 'scopeSpans') => ({
    [key]: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, [scope]: [{ spans: [span] }] }],
  });
  const base = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'op', startTimeUnixNano: '1544712660000000999', endTimeUnixNano: '1544712661000001998' };

  it('reads Tempo batches with base64 ids, string kinds and statuses, and typed attributes', () => {
    const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
    const span = {
      ...base,
      traceId: b64(base.traceId),
      spanId: b64(base.spanId),
      parentSpanId: b64('eee19b7ec3c1b173'),
      kind: 'SPAN_KIND_CLIENT',
      status: { code: 'STATUS_CODE_ERROR', message: 'boom' },
      attributes: [
        { key: 'i', value: { intValue: '42' } },
        { key: 'b', value: { boolValue: false } },
        { key: 'd', value: { doubleValue: 1.5 } },
        { key: 'a', value: { arrayValue: { values: [{ stringValue: 'x' }, { intValue: 1 }] } } },
        { key: 'http.response.status_code', value: { intValue: 503 } },
        { key: 'peer.service', value: { stringValue: 'payments' } },
      ],
      events: [{ name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'java.io.IOException' } }] }],
    };
    const [s] = parseTraces(JSON.stringify(otlp(span, 'batches', 'instrumentationLibrarySpans')));
    expect(s).toEqual({
      traceId: base.traceId,
      spanId: base.spanId,
      parentId: 'eee19b7ec3c1b173',
      service: 'svc',
      operation: 'op',
      kind: 'client',
      start: 1544712660000000,
      duration: 1_000_000,
      error: true,
      status: '503',
      errorType: 'java.io.IOException',
      peerService: 'payments',
      attributes: { i: '42', b: 'false', d: '1.5', a: '["x","1"]', 'http.response.status_code': '503', 'peer.service': 'payments', 'otel.status_description': 'boom' },
    });
    // Jaeger api_v3 wraps OTLP in {result}; an empty answer has no spans.
    expect(parseTraces({ result: otlp(base) })).toHaveLength(1);
    expect(parseTraces({ result: {} })).toEqual([]);
  });

  it('reads gRPC codes as the OpenTelemetry conventions do', () => {
    const grpc = (kind: number, code: number) => parseTraces(otlp({ ...base, kind, attributes: [{ key: 'rpc.grpc.status_code', value: { intValue: code } }] }))[0];
    expect(grpc(2, 5)).toMatchObject({ error: false, status: '5' }); // NOT_FOUND is the client's problem
    expect(grpc(3, 5)).toMatchObject({ error: true, status: '5' });
    expect(grpc(2, 14)).toMatchObject({ error: true, status: '14' });
  });

  it('reads a Zipkin /api/v2/traces answer (a list of traces) and JSON lines of OTLP', () => {
    const span = { traceId: 'a', id: 'b', name: 'get', timestamp: 1, duration: 2, localEndpoint: { serviceName: 'x' }, tags: { 'http.status_code': '500' } };
    expect(parseTraces(JSON.stringify([[span], [{ ...span, id: 'c' }]]))).toMatchObject([
      { traceId: '000000000000000a', spanId: '000000000000000b', error: true, status: '500' },
      { spanId: '000000000000000c' },
    ]);
    expect(parseTraces(`${JSON.stringify(otlp(base))}\n${JSON.stringify(otlp({ ...base, spanId: 'eee19b7ec3c1b175' }))}\n`)).toHaveLength(2);
  });

  it.each([
    ['', 'traces: the input is empty'],
    ['hello', 'traces: not JSON, and not a span table with a TraceID,SpanID,... header'],
    ['{"resourceSpans": [', /^traces: not valid JSON \(/],
    ['42', 'traces: not JSON, and not a span table with a TraceID,SpanID,... header'],
    ['{"foo": 1}', /^traces: unknown trace format: an object with "foo"; expected Jaeger/],
    ['{"traces": []}', 'traces: this is a Tempo search answer (trace ids only), not traces'],
    ['{"data": null, "errors": [{"code": 500, "msg": "storage down"}]}', 'traces: Jaeger answered an error: storage down'],
    ['{"data": [{"traceID": "ab"}]}', 'traces: a Jaeger trace has no "spans" list'],
    ['{"data": [{"traceID": "ab", "spans": [{"spanID": "1", "processID": "p1", "startTime": 1, "duration": 1}], "processes": {}}]}', 'traces: span 1: process "p1" is not in the trace\'s "processes"'],
    ['{"data": [{"spans": [{"spanID": "1", "processID": "p1", "startTime": 1, "duration": 1}], "processes": {"p1": {"serviceName": "a"}}}]}', 'traces: span 1: traceID is missing'],
    ['{"data": [{"traceID": "ab", "spans": [{"spanID": "1", "processID": "p1", "startTime": "soon", "duration": 1}], "processes": {"p1": {"serviceName": "a"}}}]}', 'traces: span 1: startTime is not a number of microseconds'],
    [JSON.stringify(otlp({ ...base, traceId: undefined })), 'traces: span 1: traceId is missing'],
    [JSON.stringify(otlp({ ...base, spanId: 'not an id!' })), 'traces: span 1: spanId "not an id!" is neither hex nor the base64 of 8 or 16 bytes'],
    [JSON.stringify(otlp({ ...base, endTimeUnixNano: '15447126600' })), 'traces: span 1 ends before it starts'],
    [JSON.stringify(otlp({ ...base, startTimeUnixNano: 1.5 })), 'traces: span 1: startTimeUnixNano is not a nanosecond timestamp'],
    ['{"resourceSpans": {}}', 'traces: the OTLP answer has no "resourceSpans" (or "batches") list'],
    ['[{"traceId": "a", "id": "b"}, {"traceId": "a", "id": "c"}]', 'traces: no span could be read: 2 skipped, the last: span 2: timestamp is not a number of microseconds'],
    ['[{"traceId": "a b", "id": "b", "timestamp": 1}]', 'traces: span 1: traceId "a b" is not an id'],
    ['TraceID,SpanID,PodName\n', 'traces: the span table has no ParentID, OperationName, StartTimeUnixNano, EndTimeUnixNano or Duration column'],
    ['TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration\nab,cd,root,p,op,12x,1,1\n', 'traces: line 2: StartTimeUnixNano is not a nanosecond timestamp'],
    ['TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration\nab,cd,root\n', 'traces: line 2 has 3 fields, the header has 8'],
  ])('malformed input is one line: %j', (input, want) => {
    const message = failure(input);
    if (typeof want === 'string') expect(message).toBe(want);
    else expect(message).toMatch(want);
  });

  it('a span that cannot be read is skipped and counted, in every format; the rest are kept', () => {
    const zipkin = new Skips();
    expect(parseTraces('[{"traceId": "a", "id": "b", "timestamp": 1}, {"traceId": "a", "id": "c"}, {"traceId": "a b", "id": "d", "timestamp": 2}]', undefined, zipkin).map((x) => x.spanId)).toEqual(['000000000000000b']);
    expect(zipkin.summary('spans')).toBe('2 spans skipped: 1 timestamp is not a number of microseconds; 1 traceId is not an id');
    const table = new Skips();
    const csv = 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration\nab,cd,root,p,op,1674984054005313341,1674984054105313341,100000\nab,ce,cd,p,op,-6795364578871345152,1,1\nab,cf,cd,p,"op\n,1,1\nab,d0,cd,p,op,1674984054005313341,1674984054105313341,100000\n';
    expect(parseTraces(csv, undefined, table).map((x) => x.spanId)).toEqual(['00000000000000cd', '00000000000000d0']);
    // The line after a quote never closed is read afresh: here it is the rest of that row, too short to be one.
    expect(table.summary('spans')).toBe('3 spans skipped: 1 StartTimeUnixNano is not a nanosecond timestamp; 1 a quoted field is never closed; 1 has 3 fields, the header has 8');
    // An OTLP file a line per object: a line whose only span cannot be read costs that line, not the file.
    const otlp = new Skips();
    const line = (span: object) => JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] }, scopeSpans: [{ spans: [span] }] }] });
    const good = { traceId: '5b8efff798038103d269b633813fc60c', spanId: 'eee19b7ec3c1b174', name: 'op', startTimeUnixNano: '1544712660000000999', endTimeUnixNano: '1544712661000001998' };
    expect(parseTraces(`${line(good)}\n${line({ ...good, spanId: 'not an id!' })}\n`, undefined, otlp)).toHaveLength(1);
    expect(otlp.count).toBe(1);
  });
});
