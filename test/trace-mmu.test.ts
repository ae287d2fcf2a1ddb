// The minimum mutator utilization against Go's own computation (gc.go, run by
// test/go/tracedump -mmu), on every fixture Go reads.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { minimumUtilization } from '../src/trace/mmu.js';
import { hasGo } from './helpers/go.js';
import { sharedFixtures } from './helpers/shared.js';
import { expectMmuEqualGo } from './helpers/trace.js';

const traceDir = sharedFixtures && join(sharedFixtures, 'gotrace');

function traceFiles(): string[] {
  if (!traceDir) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) {
        if (name !== 'fuzz' && name !== 'tests') walk(p);
      } else if (/^go 1\.(2[2-9])/.test(readFileSync(p).subarray(0, 8).toString('latin1'))) out.push(p);
    }
  };
  walk(traceDir);
  return out;
}

describe('minimum mutator utilization', () => {
  it('is the least mean over every window, found where a window edge meets a change', () => {
    // 1 until 10 ms, 0 for 2 ms, 0.5 until 30 ms.
    const u = { times: [0, 10e6, 12e6, 30e6], utils: [1, 0, 0.5, 0] };
    expect(minimumUtilization(u, 1e6)).toBe(0);
    expect(minimumUtilization(u, 4e6)).toBeCloseTo(0.25, 12);
    // A window longer than the trace is the whole trace: (10 + 9) / 30.
    expect(minimumUtilization(u, 100e6)).toBeCloseTo(19 / 30, 12);
  });

  const files = traceFiles();
  describe.skipIf(!hasGo || !traceDir)('equals go tool trace on the fixtures', () => {
    it('finds them', () => expect(files.length).toBeGreaterThan(3));
    it.each(files.map((f) => [f.slice(traceDir!.length + 1), f]))('%s', (_name, file) => {
      expectMmuEqualGo(file);
    }, 60_000);
  });
});
