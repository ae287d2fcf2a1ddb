// The minimum mutator utilization against Go's own computation (gc.go, run by
// test/go/tracedump -mmu), on every fixture Go reads.
import { describe, expect, it } from 'vitest';
import { minimumUtilization } from '../src/trace/mmu.js';
import { hasGo } from './helpers/go.js';
import { expectMmuEqualGo, traceDir, traceFiles, traceHeader } from './helpers/trace.js';

describe('minimum mutator utilization', () => {
  it('is the least mean over every window, found where a window edge meets a change', () => {
    // 1 until 10 ms, 0 for 2 ms, 0.5 until 30 ms.
    const u = { times: [0, 10e6, 12e6, 30e6], utils: [1, 0, 0.5, 0] };
    expect(minimumUtilization(u, 1e6)).toBe(0);
    expect(minimumUtilization(u, 4e6)).toBeCloseTo(0.25, 12);
    // A window longer than the trace is the whole trace: (10 + 9) / 30.
    expect(minimumUtilization(u, 100e6)).toBeCloseTo(19 / 30, 12);
  });

  // Go reads 1.11 and later.
  const files = traceFiles().filter((f) => traceHeader(f) >= 11);
  describe.skipIf(!hasGo || !traceDir)('equals go tool trace on the fixtures', () => {
    it('finds them', () => expect(files.length).toBeGreaterThan(3));
    it.each(files.map((f) => [f.slice(traceDir!.length + 1), f]))('%s', (_name, file) => {
      expectMmuEqualGo(file, traceHeader(file) >= 22 ? 1e-9 : 1e-7);
    }, 60_000);
  });
});
