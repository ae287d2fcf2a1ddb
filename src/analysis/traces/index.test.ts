import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import type { Span } from '../../sources/traces/span.js';
import { parseTraces } from '../../sources/traces/index.js';
import { analyzeTraces } from './index.js';
import { maskPath, maskSql } from './signature.js';
import { buildTree, criticalPath } from './tree.js';

/** A shop: frontend GET /checkout → checkout PlaceOrder → a SQL query, three catalog calls (a loop over items) and a payment Charge. */
interface Fault {
  /** Payment's own time, ms. */
  paymentMs?: number;
  /** Payment answers UNAVAILABLE; the error climbs to the user. */
  paymentFails?: boolean;
  /** Checkout calls payment this many times, all but the last failing. */
  attempts?: number;
}

function shop(traces: number, seed: number, fault: (t: number) => Fault = () => ({})): Span[] {
  let x = seed;
  const jitter = (ms: number) => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return Math.round(ms * 1000 * (0.8 + 0.4 * (x / 2 ** 31)));
  };
  const spans: Span[] = [];
  for (let t = 0; t < traces; t++) {
    const f = fault(t);
    const traceId = (seed * 1_000_000 + t).toString(16).padStart(32, '0');
    let n = 0;
    const add = (parent: Span | undefined, service: string, operation: string, kind: Span['kind'], start: number, duration: number, extra: Partial<Span> = {}): Span => {
      const s: Span = { traceId, spanId: (++n).toString(16).padStart(16, '0'), service, operation, kind, start, duration, error: false, attributes: {}, ...extra };
      if (parent) s.parentId = parent.spanId;
      spans.push(s);
      return s;
    };
    const t0 = 1_700_000_000_000_000 + t * 1_000_000;
    const root = add(undefined, 'frontend', 'GET /checkout', 'server', t0, 0, { attributes: { 'http.route': '/checkout' } });
    const call = add(root, 'frontend', 'PlaceOrder', 'client', t0 + 500, 0, { peerService: 'checkout' });
    const order = add(call, 'checkout', 'PlaceOrder', 'server', t0 + 700, 0);
    let at = order.start + jitter(1);
    const sql = add(order, 'checkout', 'SELECT', 'client', at, jitter(3), { attributes: { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM orders WHERE id = ${t}` } });
    at = sql.start + sql.duration + 100;
    for (let k = 0; k < 3; k++) {
      const d = jitter(2);
      const c = add(order, 'checkout', 'GetProduct', 'client', at, d, { peerService: 'catalog' });
      add(c, 'catalog', 'GetProduct', 'server', at + 200, d - 400);
      at += d + 50;
    }
    const attempts = f.attempts ?? 1;
    let failed = false;
    for (let k = 0; k < attempts; k++) {
      const fails = k < attempts - 1 || f.paymentFails === true;
      const d = fails && k < attempts - 1 ? jitter(5) : jitter(f.paymentMs ?? 8);
      const c = add(order, 'checkout', 'Charge', 'client', at, d + 600, { peerService: 'payment', error: fails, status: fails ? '14' : '0', attributes: { 'rpc.grpc.status_code': fails ? '14' : '0' } });
      add(c, 'payment', 'Charge', 'server', at + 300, d, { error: fails, status: fails ? '14' : '0', errorType: fails ? 'UNAVAILABLE' : undefined });
      at += d + 600 + 100;
      failed = fails;
    }
    order.duration = at - order.start + jitter(1);
    call.duration = order.start + order.duration - call.start + 200;
    root.duration = call.start + call.duration - root.start + jitter(1);
    if (failed) for (const s of [order, call, root]) s.error = true;
  }
  return spans;
}

const kinds = (r: ReturnType<typeof analyzeTraces>) => r.findings.map((f) => `${f.kind}:${f.service}`);

describe('analyzeTraces', () => {
  it('finds nothing in a healthy shop, alone or against a healthy baseline', () => {
    expect(analyzeTraces(shop(300, 1)).findings).toEqual([]);
    expect(analyzeTraces(shop(300, 1), { baseline: shop(300, 2) }).findings).toEqual([]);
  });

  it('clusters by signature, with SQL literals masked, and counts self time', () => {
    const r = analyzeTraces(shop(50, 1));
    expect(r).toMatchObject({ spans: 50 * 12, traces: 50 });
    const sql = r.clusters.find((c) => c.operation === 'SELECT');
    expect(sql).toMatchObject({ service: 'checkout', kind: 'client', detail: 'SELECT * FROM orders WHERE id = ?', system: 'postgresql', count: 50, errors: 0 });
    const products = r.clusters.find((c) => c.service === 'catalog');
    expect(products?.count).toBe(150);
    const order = r.clusters.find((c) => c.service === 'checkout' && c.operation === 'PlaceOrder')!;
    expect(order.selfP95).toBeLessThan(order.p50 / 2);
    expect(r.clusters.map((c) => c.selfTotal)).toEqual([...r.clusters.map((c) => c.selfTotal)].sort((a, b) => b - a));
  });

  it('a slow payment against the baseline is a slow dependency, with its critical path', () => {
    const r = analyzeTraces(shop(200, 3, () => ({ paymentMs: 400 })), { baseline: shop(200, 4) });
    expect(kinds(r)).toEqual(['slow-dependency:payment']);
    const f = r.findings[0];
    expect(f.confidence).toBeGreaterThanOrEqual(0.5);
    expect(f.title).toMatch(/^payment is slow: it adds \d+ ms to 100% of "frontend GET \/checkout" requests, most of it in payment Charge\.$/);
    expect(f.evidence.map((e) => e.source)).toEqual(['traces', 'traces', 'traces']);
    expect(f.evidence[2].summary).toMatch(/^Critical path of the slowest \(trace [0-9a-f]{32}, .*payment Charge/);
    const charge = r.clusters.find((c) => c.service === 'payment')!;
    expect(charge.p95Ratio).toBeGreaterThan(30);
    expect(r.criticalPath.map((p) => `${p.service} ${p.operation}`)).toContain('payment Charge');
    const top = [...r.criticalPath].sort((a, b) => b.selfMicros - a.selfMicros)[0];
    expect(top).toMatchObject({ service: 'payment', operation: 'Charge' });
  });

  it('without a baseline, a slow tail caused by payment is found, less surely', () => {
    const r = analyzeTraces(shop(200, 5, (t) => (t % 5 === 0 ? { paymentMs: 400 } : {})));
    expect(kinds(r)).toEqual(['slow-dependency:payment']);
    expect(r.findings[0].confidence).toBeGreaterThan(0.4);
    expect(r.findings[0].confidence).toBeLessThan(analyzeTraces(shop(200, 3, () => ({ paymentMs: 400 })), { baseline: shop(200, 4) }).findings[0].confidence);
  });

  it('a slow root service is a latency regression of the service itself', () => {
    const slow = shop(100, 6);
    for (const s of slow) if (s.operation === 'GET /checkout') s.duration += 300_000;
    expect(kinds(analyzeTraces(slow, { baseline: shop(100, 7) }))).toEqual(['latency-regression:frontend']);
  });

  it('new errors at payment are an error burst at payment, not at the services they climb through', () => {
    const r = analyzeTraces(shop(200, 8, (t) => ({ paymentFails: t % 4 === 0 })), { baseline: shop(200, 9) });
    expect(kinds(r)).toEqual(['error-burst:payment']);
    expect(r.findings[0].title).toBe('payment fails Charge with status 14, UNAVAILABLE: a new error in 50 of 200 traces.');
    expect(r.findings[0].confidence).toBeGreaterThanOrEqual(0.5);
    expect(r.findings[0].evidence[1].summary).toBe('The request itself failed in 50 of those 50 traces.');
    // The same errors in the baseline are not news.
    expect(analyzeTraces(shop(200, 8, (t) => ({ paymentFails: t % 4 === 0 })), { baseline: shop(200, 9, (t) => ({ paymentFails: t % 4 === 1 })) }).findings).toEqual([]);
  });

  it('without a baseline, a clear share of failing requests is an error burst, less surely', () => {
    const r = analyzeTraces(shop(200, 8, (t) => ({ paymentFails: t % 4 === 0 })));
    expect(kinds(r)).toEqual(['error-burst:payment']);
    expect(r.findings[0].title).toBe('payment fails Charge with status 14, UNAVAILABLE in 50 of 200 traces.');
    expect(r.findings[0].confidence).toBeGreaterThan(0.35);
    expect(r.findings[0].confidence).toBeLessThan(0.66);
    // A few errors alone are not a finding.
    expect(analyzeTraces(shop(200, 8, (t) => ({ paymentFails: t % 50 === 0 }))).findings).toEqual([]);
  });

  it('retries that end in success are a retry storm at the service retried', () => {
    const r = analyzeTraces(shop(200, 10, (t) => (t % 3 === 0 ? { attempts: 3 } : {})), { baseline: shop(200, 11) });
    const storm = r.findings.find((f) => f.kind === 'retry-storm');
    expect(storm).toMatchObject({ service: 'payment', title: 'checkout retries payment Charge: 134 extra attempts in 67 of 200 traces (3.0 attempts a call).' });
    expect(storm!.confidence).toBeGreaterThanOrEqual(0.5);
    // The catalog loop (three calls that succeed) is not a retry.
    expect(r.findings.some((f) => f.service === 'catalog')).toBe(false);
  });

  it('without a baseline, retries are found too, less surely', () => {
    const alone = analyzeTraces(shop(200, 10, (t) => (t % 3 === 0 ? { attempts: 3 } : {}))).findings.find((f) => f.kind === 'retry-storm');
    const against = analyzeTraces(shop(200, 10, (t) => (t % 3 === 0 ? { attempts: 3 } : {})), { baseline: shop(200, 11) }).findings.find((f) => f.kind === 'retry-storm');
    expect(alone?.service).toBe('payment');
    expect(alone!.confidence).toBeLessThan(against!.confidence);
    expect(alone!.evidence[0].summary).toMatch(/no baseline to compare with/);
  });

  it('handles 100,000 spans in well under a second', () => {
    const spans = shop(10_000, 12, (t) => (t % 10 === 0 ? { paymentMs: 100, attempts: 2 } : {}));
    const baseline = shop(10_000, 13);
    analyzeTraces(shop(500, 1)); // warm up
    const t0 = performance.now();
    const r = analyzeTraces(spans, { baseline });
    const ms = performance.now() - t0;
    expect(r.spans).toBeGreaterThan(100_000);
    expect(ms).toBeLessThan(2000); // the bench asks for 1 s; a loaded CI machine gets slack
  });
});

describe('critical path', () => {
  const span = (spanId: string, parentId: string | undefined, start: number, duration: number): Span => ({ traceId: 't', spanId, parentId, service: 's', operation: spanId, start, duration, error: false, attributes: {} });

  it('walks back from the end through the last-finishing child', () => {
    // root 0..100; a 10..40; b 20..90 (overlaps a, finishes last); c 50..60 under b; d 95..99 after b.
    const spans = [span('root', undefined, 0, 100), span('a', 'root', 10, 30), span('b', 'root', 20, 70), span('c', 'b', 50, 10), span('d', 'root', 92, 7)];
    const tree = buildTree(spans);
    const path = criticalPath(tree, 0).map((p) => [spans[p.span].spanId, p.micros]);
    expect(path).toEqual([['root', 20], ['b', 30], ['c', 10], ['b', 30], ['root', 2], ['d', 7], ['root', 1]]);
    expect(tree.self[0]).toBe(100 - 80 - 7);
  });

  it('clips children that outlive their parent', () => {
    const spans = [span('root', undefined, 0, 10), span('c', 'root', 5, 50)];
    const tree = buildTree(spans);
    expect(tree.self[0]).toBe(5);
    expect(criticalPath(tree, 0).map((p) => [spans[p.span].spanId, p.micros])).toEqual([['root', 5], ['c', 5]]);
  });

  it('cuts a cycle of parents instead of looping', () => {
    const spans = [span('a', 'b', 0, 10), span('b', 'a', 0, 10)];
    const tree = buildTree(spans);
    expect([...tree.parent].filter((p) => p < 0)).toHaveLength(1);
    expect(criticalPath(tree, tree.traces[0].root).reduce((s, p) => s + p.micros, 0)).toBe(10);
  });
});

describe('signatures', () => {
  it.each([
    ["SELECT * FROM t WHERE id = 42 AND name = 'bob''s' AND x IN (1, 2, 3)", 'SELECT * FROM t WHERE id = ? AND name = ? AND x IN (?)'],
    ['insert into revinfo (rev, revtstmp) values (null, 1541485537483)', 'insert into revinfo (rev, revtstmp) values (null, ?)'],
    ['select  t2.col1\n from t2', 'select t2.col1 from t2'],
  ])('maskSql(%j)', (sql, want) => expect(maskSql(sql)).toBe(want));

  it.each([
    ['/api/v1/users/12345/orders', '/api/v1/users/{id}/orders'],
    ['/items/3edec1e4-9678-4a3a-a21b-a145a4ee5e61?x=1', '/items/{id}'],
    ['/api/v1/configservice/configs/{configName}', '/api/v1/configservice/configs/{configName}'],
    ['/blob/a64f992c1b', '/blob/{id}'],
  ])('maskPath(%j)', (path, want) => expect(maskPath(path)).toBe(want));
});

describe.skipIf(!sharedFixtures)('analyzeTraces on real traces', () => {
  const nezha = (...p: string[]) => parseTraces(readFileSync(fixture('rca', 'nezha', ...p), 'utf8'));

  it('reads the TrainTicket incident minutes against the fault-free baseline without error', () => {
    const incident = ['10_20', '10_21', '10_22'].flatMap((m) => nezha('tt-2023-01-29-travel-exception', 'trace', `${m}_trace.csv`));
    const r = analyzeTraces(incident, { baseline: nezha('baseline-tt-2023-01-29', 'trace', '08_50_trace.csv') });
    expect(r.spans).toBe(incident.length);
    expect(r.clusters.length).toBeGreaterThan(10);
    expect(r.criticalPath.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(f.confidence).toBeGreaterThanOrEqual(0);
      expect(f.confidence).toBeLessThanOrEqual(0.95);
      expect(f.service).toBeTruthy();
    }
  });

  it('every Zipkin, Jaeger and OTLP fixture analyses without error', () => {
    for (const name of ['zipkin/smartthings-oauth-authorization.json', 'zipkin/yelp.json', 'zipkin/skew.json', 'jaeger/jaeger-ui_spring-petclinic.json', 'otlp/jaeger_memstore_otel_traces_01.json']) {
      const r = analyzeTraces(parseTraces(readFileSync(fixture('traces', name), 'utf8')));
      expect(r.traces).toBeGreaterThan(0);
      expect(r.criticalPath.length).toBeGreaterThan(0);
    }
  });
});
