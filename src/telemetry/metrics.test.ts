import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../test/helpers/shared.js';
import { reasonOf, registry, surfaceOf } from './metrics.js';

describe('metrics', () => {
  it('every query of the Grafana dashboard names a metric the bot exports', async () => {
    const dashboard = JSON.parse(readFileSync(join(repoRoot, 'src/telemetry/grafana-dashboard.json'), 'utf8')) as { panels: { type: string; title: string; targets?: { expr: string }[] }[] };
    const exported = new Set<string>();
    for (const m of await registry.getMetricsAsJSON()) {
      exported.add(m.name);
      if (m.type === 'histogram') for (const suffix of ['_bucket', '_sum', '_count']) exported.add(m.name + suffix);
    }
    const exprs = dashboard.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr);
    expect(exprs.length).toBeGreaterThan(15);
    const named = exprs.flatMap((e) => [...e.matchAll(/\brca_\w+/g)].map((m) => m[0]));
    expect(named.filter((n) => !exported.has(n))).toEqual([]);
    // One row per stage of the flow.
    expect(dashboard.panels.filter((p) => p.type === 'row').map((p) => p.title.split(':')[0])).toEqual(['Ack', 'Queue', 'Capture', 'Analysis', 'Publish', 'Alerts and incidents', 'Process and Redis']);
  });

  it.each([
    ['/slack/events', 'slack'],
    ['/feishu/events', 'feishu'],
    ['/console/api/send', 'console'],
    ['/console', 'console-page'],
    ['/alerts/alertmanager', 'alertmanager'],
    ['/alerts/grafana', 'grafana'],
    ['/reports/abc', 'reports'],
    ['/nope', 'other'],
  ])('the surface of %s is %s', (path, surface) => {
    expect(surfaceOf(path)).toBe(surface);
  });

  it.each([
    ['connection refused by 127.0.0.1:1 (is the service running?)', 'refused'],
    ['GET /debug/pprof/heap?gc=1: no complete answer within 10 s', 'timeout'],
    ['GET /debug/pprof/block?seconds=10: HTTP 503: unavailable', 'http_5xx'],
    ['not a pprof profile (bad magic) (text/html, 12 bytes)', 'malformed'],
    ['gzip data expands past the 256 MB limit (application/octet-stream, 9 bytes)', 'too_large'],
    ['the CPU profiler stayed busy (another CPU profile was running) for the whole window', 'busy'],
    ['jaeger: something odd', 'other'],
  ])('the reason of "%s" is %s', (error, reason) => {
    expect(reasonOf(error)).toBe(reason);
  });
});
