// The whole diagnosis against a real Go service in each of its fault modes:
// the top finding names the right kind and the right code, and the healthy
// mode is called healthy.
import { afterEach, describe, expect, it } from 'vitest';
import { diagnose } from '../src/rca/diagnose.js';
import type { FindingKind } from '../src/rca/model.js';
import { hasGo, startLoadedTarget, type Target } from './helpers/go.js';

const faults: [string, FindingKind, string][] = [
  ['cpu', 'cpu-hotspot', 'main.checksumRecords'],
  ['lock', 'lock-contention', 'main.updateInventory'],
  ['pool', 'pool-exhaustion', 'main.loadOrder'],
  ['leak', 'goroutine-leak', 'main.notifyLater.func1'],
  ['memory', 'memory-growth', 'main.rememberResponse'],
  ['gc', 'gc-pressure', 'main.bufferPages'],
];

describe.skipIf(!hasGo)('diagnose a live Go service', () => {
  let target: Target | undefined;
  afterEach(async () => {
    await target?.stop();
  });

  async function run(mode: string, ...flags: string[]) {
    // Let the load reach the service before the window opens.
    target = await startLoadedTarget(['-mode', mode, ...flags], 100);
    return diagnose(
      { service: `demo-${mode}`, pprof: target.url, probes: [{ name: 'db', url: `${target.url}/health`, expect: { json: { status: 'OK' } } }] },
      { seconds: 3 },
    );
  }

  it.each(faults)('%s mode: the top finding is %s at %s', async (mode, kind, fn) => {
    const { report } = await run(mode);
    const top = report.findings[0];
    expect(top?.kind, JSON.stringify(report.findings.map((f) => [f.kind, f.confidence]))).toBe(kind);
    expect(top.confidence).toBeGreaterThanOrEqual(0.5);
    expect(top.location?.function).toBe(fn);
    expect(top.location?.file).toMatch(/test\/go\/target\/main\.go$/);
    expect(top.location?.line).toBeGreaterThan(0);
    expect(['confirmed', 'likely', 'needs-review']).toContain(report.verdict);
    expect(report.errors).toEqual([]);
  });

  it('pool mode: block profile, goroutines and the probe agree, so the cause is confirmed', async () => {
    const { report } = await run('pool');
    expect(report.verdict).toBe('confirmed');
    const probe = report.findings[0].evidence.find((e) => e.source === 'probe:db');
    expect(probe?.summary).toContain('{"activeConnections":8,"maxPoolSize":8,"status":"CRITICAL"}');
  });

  it.each([
    ['lock', 'lock-contention', 'main.updateInventory'],
    ['pool', 'pool-exhaustion', 'main.loadOrder'],
  ])('without block profiling, %s mode is still found from goroutine snapshots', async (mode, kind, fn) => {
    const { report } = await run(mode, '-contention=false');
    expect(report.findings[0]).toMatchObject({ kind, location: { function: fn } });
    expect(report.findings[0].evidence.map((e) => e.source)).toContain('goroutine');
  });

  it('healthy mode is reported healthy, with nothing at confidence 0.5 or more', async () => {
    const { report } = await run('healthy');
    expect(report.verdict).toBe('healthy');
    expect(report.findings.filter((f) => f.confidence >= 0.5)).toEqual([]);
  });
});
