// Trace analysis speed: 100,000 synthetic spans (no fixture has that many),
// parsed from OTLP/JSON and analysed against a baseline of the same size.
// The target is under 1 s for the analysis of 100,000 spans.
import { analyzeTraces } from '../../src/analysis/traces/index.js';
import { parseTraces } from '../../src/sources/traces/index.js';
import type { Span } from '../../src/sources/traces/span.js';

/** About `n` spans of a small shop: 20 spans a trace, routes with ids, SQL with literals, a few errors and retries. */
export function syntheticSpans(n: number, seed: number, slow = false): Span[] {
  let x = seed;
  const rand = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const spans: Span[] = [];
  const services = ['orders', 'catalog', 'users', 'payment', 'shipping'];
  for (let t = 0; spans.length < n; t++) {
    const traceId = (seed * 10_000_000 + t).toString(16).padStart(32, '0');
    let id = 0;
    const t0 = 1_700_000_000_000_000 + t * 10_000;
    const add = (parent: Span | undefined, service: string, operation: string, kind: Span['kind'], start: number, duration: number, attributes: Record<string, string> = {}, error = false): Span => {
      const s: Span = { traceId, spanId: (++id).toString(16).padStart(16, '0'), service, operation, kind, start, duration, error, attributes };
      if (parent) s.parentId = parent.spanId;
      spans.push(s);
      return s;
    };
    const root = add(undefined, 'frontend', `GET /api/users/${t % 5000}/orders`, 'server', t0, 0, { 'http.method': 'GET', 'http.target': `/api/users/${t % 5000}/orders?page=${t % 7}` });
    let at = t0 + 100;
    for (let k = 0; k < 4; k++) {
      const service = services[(t + k) % services.length];
      const d = Math.round(1000 + 4000 * rand() + (slow && service === 'payment' ? 50_000 : 0));
      const fails = rand() < 0.02;
      const attempts = fails ? 2 : 1;
      for (let a = 0; a < attempts; a++) {
        const call = add(root, 'frontend', `${service}.Get`, 'client', at, d + 300, { 'peer.service': service, 'rpc.grpc.status_code': a < attempts - 1 ? '14' : '0' }, a < attempts - 1);
        const server = add(call, service, `${service}.Get`, 'server', at + 100, d, {}, a < attempts - 1);
        add(server, service, 'SELECT', 'client', at + 200, Math.round(d / 2), { 'db.system': 'postgresql', 'db.statement': `SELECT * FROM ${service} WHERE id = ${Math.floor(rand() * 1e6)} AND name = 'n${t}'` });
        add(server, service, 'cache.get', 'client', at + 200 + Math.round(d / 2), 200, { 'db.system': 'redis' });
        at += d + 400;
      }
    }
    root.duration = at - t0 + 50;
  }
  return spans.slice(0, n);
}

/** OTLP/JSON of the spans, one resource per service. */
function toOtlp(spans: Span[]): string {
  const byService = new Map<string, Span[]>();
  for (const s of spans) (byService.get(s.service) ?? byService.set(s.service, []).get(s.service)!).push(s);
  const kinds = { internal: 1, server: 2, client: 3, producer: 4, consumer: 5 } as const;
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
      scopeSpans: [
        {
          scope: { name: 'bench' },
          spans: list.map((s) => ({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentId ?? '',
            name: s.operation,
            kind: s.kind ? kinds[s.kind] : 0,
            startTimeUnixNano: `${s.start}000`,
            endTimeUnixNano: `${s.start + s.duration}000`,
            attributes: Object.entries(s.attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
            status: s.error ? { code: 2 } : {},
          })),
        },
      ],
    })),
  });
}

export function benchTraces(n = 100_000, runs = 5): void {
  // Both through the same importer, so that their signatures match.
  const baseline = parseTraces(toOtlp(syntheticSpans(n, 1)));
  const text = toOtlp(syntheticSpans(n, 2, true));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const times = { parse: [] as number[], alone: [] as number[], against: [] as number[] };
  let findings = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const spans = parseTraces(text);
    const t1 = performance.now();
    analyzeTraces(spans);
    const t2 = performance.now();
    findings = analyzeTraces(spans, { baseline }).findings.length;
    const t3 = performance.now();
    if (i === 0) continue; // warm-up
    times.parse.push(t1 - t0);
    times.alone.push(t2 - t1);
    times.against.push(t3 - t2);
  }
  const line = (ms: number) => `${ms.toFixed(0)} ms (${Math.round(n / (ms / 1000)).toLocaleString('en')} spans/s)`;
  console.log(
    `trace analysis of ${n.toLocaleString('en')} synthetic spans (${runs} runs, median): ` +
      `parse OTLP/JSON (${Math.round(text.length / 2 ** 20)} MB) ${line(median(times.parse))}; ` +
      `analyse ${line(median(times.alone))}; against a baseline of as many ${line(median(times.against))}, ${findings} finding${findings === 1 ? '' : 's'}\n`,
  );
}
