import { describe, expect, it } from 'vitest';
import type { Span } from '../../sources/traces/span.js';
import { pathSignals } from './paths.js';
import { routine } from './metrics.js';
import type { ServiceLine } from './logs.js';

const span = (trace: string, id: string, parent: string | undefined, service: string, operation: string, start: number): Span => ({
  traceId: trace, spanId: id, ...(parent ? { parentId: parent } : {}), service, operation, start, duration: 10, error: false, attributes: {},
});

/** n calls of api → price; the first `until` of them make price log "Query price …". */
function calls(n: number, until: number, logged = true) {
  const spans: Span[] = [];
  const lines: ServiceLine[] = [];
  for (let i = 0; i < n; i++) {
    const t = `t${i}`;
    spans.push(span(t, 'a', undefined, 'api', 'GET /trips', i * 1000), span(t, 'p', 'a', 'price', 'PriceController.query', i * 1000 + 1));
    lines.push({ service: 'api', line: `INFO trips asked for route ${i}`, ref: { traceId: t, spanId: 'a' } });
    if (i < until) lines.push({ service: 'price', line: `INFO [query][Query price][route ${i}]`, ref: { traceId: t, spanId: 'p' } });
    if (!logged) lines.pop();
  }
  return { spans, lines };
}

describe('pathSignals', () => {
  it('names the service whose calls stop writing a statement they always wrote', () => {
    const { spans, lines } = calls(40, 20);
    const signals = pathSignals(lines, spans);
    expect(signals.map((s) => [s.service, s.says, s.operation])).toEqual([['price', 'diverted', 'PriceController.query']]);
    expect(signals[0].score).toBeGreaterThan(0.5);
  });

  it('says nothing when the statement keeps being written, or is only sometimes written', () => {
    expect(pathSignals(calls(40, 40).lines, calls(40, 40).spans)).toEqual([]);
    const { spans, lines } = calls(40, 40);
    const sometimes = lines.filter((l, i) => l.service !== 'price' || i % 4 === 1);
    expect(pathSignals(sometimes, spans)).toEqual([]);
  });

  it('ignores errors that stop (a recovery) and traces no line was logged in (a missing log file)', () => {
    const { spans, lines } = calls(40, 20);
    expect(pathSignals(lines.map((l) => ({ ...l, line: l.line.replace('INFO', 'ERROR') })), spans)).toEqual([]);
    const silent = lines.filter((l) => Number(l.ref?.traceId.slice(1)) < 20);
    expect(pathSignals(silent, spans)).toEqual([]);
  });
});

describe('pathSignals: lines without a span id', () => {
  it('are not read: the join would pin them to the longest span of the service in the trace', () => {
    // price serves two operations per trace; its "Query price" line carries the trace id only.
    // Once the second operation's call grows longer than the first, the join puts the line in it,
    // and the first operation would seem to stop writing it.
    const spans: Span[] = [];
    const lines: ServiceLine[] = [];
    for (let i = 0; i < 40; i++) {
      const t = `t${i}`;
      spans.push(span(t, 'a', undefined, 'api', 'GET /trips', i * 1000), span(t, 'p', 'a', 'price', 'PriceController.query', i * 1000 + 1));
      spans.push({ ...span(t, 'q', 'a', 'price', 'PriceController.audit', i * 1000 + 20), duration: i < 20 ? 5 : 50 });
      lines.push({ service: 'api', line: `INFO trips asked for route ${i}`, ref: { traceId: t, spanId: 'a' } });
      lines.push({ service: 'price', line: `INFO [query][Query price][route ${i}]`, ref: { traceId: t } });
    }
    expect(pathSignals(lines, spans)).toEqual([]);
    // The same lines naming their span: nothing changed, nothing found.
    const named = lines.map((l) => (l.ref?.spanId ? l : { ...l, ref: { traceId: (l.ref as { traceId: string }).traceId, spanId: 'p' } }));
    expect(pathSignals(named, spans)).toEqual([]);
  });

  it('a line with its span id still counts', () => {
    const { spans, lines } = calls(40, 20);
    expect(pathSignals(lines, spans).map((s) => s.service)).toEqual(['price']);
    const traceOnly = lines.map((l) => (l.service === 'price' && l.ref ? { ...l, ref: { traceId: l.ref.traceId } } : l));
    expect(pathSignals(traceOnly, spans)).toEqual([]);
  });
});

describe('routine', () => {
  const series = (values: number[]) => ({ name: 'p95', signal: 'latency' as const, service: 's', points: values.map((v, i) => ({ t: i * 60, v })) });
  it('is the share of earlier windows as long that reached the level', () => {
    const bursty = series([400, 410, 20, 420, 400, 20, 450, 400, 20, 400, 430, 20, 440, 400, 20, 400, 420, 20]);
    expect(routine(bursty, { start: 15 * 60, end: 17 * 60 }, 400)).toBeGreaterThan(0.9);
    const flat = series([20, 21, 20, 22, 20, 21, 20, 20, 21, 20, 22, 20, 20, 21, 20, 400, 410, 420]);
    expect(routine(flat, { start: 15 * 60, end: 17 * 60 }, 410)).toBe(0);
  });
});

describe('pathSignalsOf: a G threshold of 0', () => {
  it('scores a change without NaN', () => {
    const { spans, lines } = calls(40, 20);
    const [s] = pathSignals(lines, spans, { g0: 0 });
    expect(Number.isFinite(s.score)).toBe(true);
    expect(s.score).toBe(0.8);
    // No change at all (G 0) let through by thresholds that ask for none.
    const same = calls(40, 40);
    const [t] = pathSignals(same.lines, same.spans, { g0: 0, before: 0, after: 1 });
    expect(t.score).toBe(0.2);
  });
});
