// A target that offers only some profiles (the Node demo service: CPU and heap,
// no execution trace, block, mutex, allocs or goroutine): each missing one is listed once under
// "Not captured", nothing is under "What failed", and the verdict stands.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from './diagnose.js';

describe('profiles a target does not offer', () => {
  // In its own process (the compiled demo in dist/, as `rca-bot serve` runs it): in the test's, the
  // test runner's own work would be in the CPU profile.
  let demo: { port: number; process: ChildProcess };
  beforeAll(async () => {
    const proc = spawn(process.execPath, ['--expose-gc', fileURLToPath(new URL('../../dist/src/demo/target.js', import.meta.url))], { stdio: ['ignore', 'pipe', 'inherit'] });
    const [line] = (await once(createInterface({ input: proc.stdout! }), 'line')) as [string];
    demo = { port: (JSON.parse(line) as { port: number }).port, process: proc };
  });
  afterAll(() => {
    demo?.process.kill();
  });

  it('are listed once each under Not captured, with the reason, and do not weaken the verdict', async () => {
    const { report } = await diagnose({ service: 'demo-api', pprof: `http://127.0.0.1:${demo.port}`, probes: [] }, { seconds: 1, marginMs: 2000 });
    expect(report.errors).toEqual([]);
    expect(report.notCaptured).toEqual(
      ['trace', 'block', 'mutex', 'allocs', 'goroutine'].map((source) => ({ source, reason: 'the target does not serve this profile (HTTP 404: not found)' })),
    );
    expect(report.verdict).toBe('healthy');
  });
});
