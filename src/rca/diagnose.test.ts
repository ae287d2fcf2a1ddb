// A target that offers only some profiles (the Node demo service: CPU and heap,
// no block, mutex, allocs or goroutine): each missing one is listed once under
// "Not captured", nothing is under "What failed", and the verdict stands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTarget } from '../demo/target.js';
import { diagnose } from './diagnose.js';

describe('profiles a target does not offer', () => {
  let demo: { port: number; close: () => Promise<void> };
  beforeAll(async () => {
    demo = await startTarget();
  });
  afterAll(() => demo.close());

  it('are listed once each under Not captured, with the reason, and do not weaken the verdict', async () => {
    const { report } = await diagnose({ service: 'demo-api', pprof: `http://127.0.0.1:${demo.port}`, probes: [] }, { seconds: 1, marginMs: 2000 });
    expect(report.errors).toEqual([]);
    expect(report.notCaptured).toEqual(
      ['block', 'mutex', 'allocs', 'goroutine'].map((source) => ({ source, reason: 'the target does not serve this profile (HTTP 404: not found)' })),
    );
    expect(report.verdict).toBe('healthy');
  });
});
