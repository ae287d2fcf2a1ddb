import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/shared.js';
import { closeNames, parseRegistry } from './registry.js';

describe('service registry', () => {
  it('reads the README example with its defaults', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const yaml = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => y.startsWith('services:'));
    expect(yaml).toBeDefined();
    const r = parseRegistry(yaml as string, 'README.md');
    if (!r.ok) throw new Error(r.error);
    const order = r.value.services['order-api'];
    expect(order.pprof).toBe('http://10.0.3.17:6060');
    expect(order.probes[0]).toMatchObject({ name: 'db-pool', indicates: 'pool-exhaustion', expect: { json: { status: 'OK' } } });
    expect(order.channels.slack).toEqual(['C0123ABCD']);
    expect(r.value.services['billing'].seconds).toBe(10);
    expect(order).toMatchObject({ lookback: 900, baseline: 86400, traces: { type: 'jaeger', limit: 200 }, logs: { type: 'loki', limit: 5000 } });
    expect(order.metrics?.queries.map((q) => q.signal)).toEqual(['error-ratio', 'latency', 'usage']);
    expect(r.value.services['billing']).toMatchObject({ lookback: 900, baseline: 86400 });
    expect(r.value.services['billing'].traces).toBeUndefined();
    const digests = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => y.startsWith('digests:'));
    const d = parseRegistry(`${digests}services: {}\n`, 'README.md');
    if (!d.ok) throw new Error(d.error);
    expect(d.value.digests).toEqual([{ platform: 'slack', channel: 'C0LEADS', cron: '0 9 * * 1', days: 7 }]);
  });

  it('takes a single channel or user written on its own as the list of that one', () => {
    const r = parseRegistry('services:\n  order-api:\n    pprof: http://x:6060\n    channels: {slack: C0123ABCD, feishu: [oc_1, oc_2]}\n    allowed: {users: U042, channels: []}\n', 'rca.config.yaml');
    if (!r.ok) throw new Error(r.error);
    expect(r.value.services['order-api'].channels).toEqual({ slack: ['C0123ABCD'], feishu: ['oc_1', 'oc_2'] });
    expect(r.value.services['order-api'].allowed).toEqual({ users: ['U042'], channels: [] });
    const bad = parseRegistry('services:\n  order-api:\n    pprof: http://x:6060\n    channels: {slack: 42}\n', 'rca.config.yaml');
    expect(bad.ok ? '' : bad.error).toBe('rca.config.yaml: services.order-api.channels.slack: expected an id or a list of ids');
  });

  it.each([
    ['services:\n  order-api:\n    pprof: not a url\n', 'rca.config.yaml: services.order-api.pprof: expected an http or https URL'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    probes:\n      - name: db\n        url: http://x/health\n        indicates: slowness\n', 'rca.config.yaml: services.order-api.probes.0.indicates:'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    seconds: 0\n', 'rca.config.yaml: services.order-api.seconds:'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    prof: http://x:6060\n', 'rca.config.yaml: services.order-api: Unrecognized key: "prof"'],
    ['services:\n  Order API:\n    pprof: http://x:6060\n', 'rca.config.yaml: services.Order API: service names are lower-case'],
    ['services:\n  order-api:\n    pprof: [\n', 'rca.config.yaml:4:1: not valid YAML'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    lookback: 15 minutes\n', 'rca.config.yaml: services.order-api.lookback: expected a duration such as 90s, 15m, 1h or 1d'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    traces: {type: skywalking, url: "http://x"}\n', 'rca.config.yaml: services.order-api.traces.type:'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    metrics: {type: prometheus, url: "http://x", queries: [{name: errors, signal: errors, query: up}]}\n', 'rca.config.yaml: services.order-api.metrics.queries.0.signal:'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    profiles: {type: parca, url: "http://p:7070", selector: \'{job="order-api"}\', types: [cpu, block]}\n', 'rca.config.yaml: services.order-api.profiles.types: Parca keeps block and mutex as running totals, not per window: only cpu can be read from it'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    profiles: {type: pyroscope, url: "http://p:4040", selector: order-api}\n', 'rca.config.yaml: services.order-api.profiles.selector: expected a label selector in braces, such as {job="order-api"}'],
    ['services:\n  order-api:\n    pprof: http://x:6060\n    profiles: {type: pyroscope, url: "http://p:4040", selector: "{}", types: [heap]}\n', 'rca.config.yaml: services.order-api.profiles.types.0:'],
  ])('a bad file names the bad key: %#', (text, message) => {
    const r = parseRegistry(text, 'rca.config.yaml');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.startsWith(message), r.error).toBe(true);
      expect(r.error).not.toContain('\n');
    }
  });

  it('reads a continuous profiler, CPU by default', () => {
    const r = parseRegistry('services:\n  order-api:\n    pprof: http://x:6060\n    profiles: {type: pyroscope, url: "http://p:4040", selector: \'{service_name="order-api"}\', types: [cpu, mutex], tenant: team-a}\n  billing:\n    pprof: http://y:6060\n    profiles: {type: parca, url: "http://p:7070", selector: \'{job="billing"}\'}\n', 'x');
    if (!r.ok) throw new Error(r.error);
    expect(r.value.services['order-api'].profiles).toEqual({ type: 'pyroscope', url: 'http://p:4040', selector: '{service_name="order-api"}', types: ['cpu', 'mutex'], tenant: 'team-a' });
    expect(r.value.services['billing'].profiles).toEqual({ type: 'parca', url: 'http://p:7070', selector: '{job="billing"}', types: ['cpu'] });
  });

  it('reads a scheduled healthy baseline beside the baseline window', () => {
    const r = parseRegistry('services:\n  a:\n    pprof: http://x:6060\n    baseline: {ago: 2h, every: 6h}\n  b:\n    pprof: http://x:6060\n    baseline: 1h\n', 'x');
    if (!r.ok) throw new Error(r.error);
    expect(r.value.services['a']).toMatchObject({ baseline: 7200, scheduledBaseline: { every: 21600, seconds: 10 } });
    expect(r.value.services['b'].baseline).toBe(3600);
    expect(r.value.services['b'].scheduledBaseline).toBeUndefined();
    const fast = parseRegistry('services:\n  a:\n    pprof: http://x:6060\n    baseline: {every: 30s}\n', 'x');
    expect(fast.ok ? '' : fast.error).toBe('x: services.a.baseline.every: expected an interval of 1m or more, such as 6h');
  });

  it('suggests close service names', () => {
    const r = parseRegistry('services:\n  order-api: {pprof: "http://a:1"}\n  orders-db: {pprof: "http://b:1"}\n  billing: {pprof: "http://c:1"}\n', 'x');
    if (!r.ok) throw new Error(r.error);
    expect(closeNames(r.value, 'order-apl')).toEqual(['order-api']);
    expect(closeNames(r.value, 'order')).toEqual(['order-api', 'orders-db']);
    expect(closeNames(r.value, 'inventory')).toEqual([]);
  });
});
