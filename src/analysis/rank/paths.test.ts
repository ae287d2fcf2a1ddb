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

describe('routine', () => {
  const series = (values: number[]) => ({ name: 'p95', signal: 'latency' as const, service: 's', points: values.map((v, i) => ({ t: i * 60, v })) });
  it('is the share of earlier windows as long that reached the level', () => {
    const bursty = series([400, 410, 20, 420, 400, 20, 450, 400, 20, 400, 430, 20, 440, 400, 20, 400, 420, 20]);
    expect(routine(bursty, { start: 15 * 60, end: 17 * 60 }, 400)).toBeGreaterThan(0.9);
    const flat = series([20, 21, 20, 22, 20, 21, 20, 20, 21, 20, 22, 20, 20, 21, 20, 400, 410, 420]);
    expect(routine(flat, { start: 15 * 60, end: 17 * 60 }, 410)).toBe(0);
  });
});
