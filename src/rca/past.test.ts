import { describe, expect, it } from 'vitest';
import type { Finding } from '../model.js';
import { fuse, sourceCount } from './fuse.js';
import { mergePast } from './past.js';

const at = { function: 'main.checksumRecords', file: 'faults.go', line: 90 };
const live: Finding = { kind: 'cpu-hotspot', title: 'main.checksumRecords takes 90% of the CPU.', confidence: 0.6, location: at, evidence: [{ source: 'cpu', summary: 'now: 1.8 cores' }] };
const past: Finding = { ...live, confidence: 0.8, evidence: [{ source: 'cpu', summary: 'Parca, 13:58–14:08 UTC: 1.9 cores' }, { source: 'cpu', summary: 'Parca, 13:58–14:08 UTC: 6.0× the same window a day earlier' }] };
const logs: Finding = { kind: 'error-burst', title: 'CPU throttled warnings', confidence: 0.5, evidence: [{ source: 'logs', summary: '"cpu throttled" 40 times, new' }] };

describe('live and past profiles in one verdict', () => {
  it('the same finding live and past is one finding with both lines, counted as one source', () => {
    const [merged, ...rest] = mergePast([live], [past]);
    expect(rest).toEqual([]);
    expect(merged.evidence.map((e) => e.summary)).toEqual(['now: 1.8 cores', 'Parca, 13:58–14:08 UTC: 1.9 cores', 'Parca, 13:58–14:08 UTC: 6.0× the same window a day earlier']);
    expect(merged.confidence).toBe(0.8);
    expect(sourceCount(merged)).toBe(1);
    // With the logs agreeing: two sources, likely, not three.
    expect(fuse(mergePast([live], [past]), [], [], 1, false, [logs]).verdict).toBe('likely');
  });

  it('a finding only the past shows stands on its own; one only live shows too', () => {
    const other: Finding = { kind: 'lock-contention', title: 'mu waits', confidence: 0.55, location: { function: 'main.(*cache).get', file: 'c.go', line: 3 }, evidence: [{ source: 'block', summary: 'Pyroscope, 13:58–14:08 UTC: 4 s waited' }] };
    const out = mergePast([live], [other]);
    expect(out.map((f) => f.kind)).toEqual(['cpu-hotspot', 'lock-contention']);
    expect(fuse([], [], [], 1, false, []).verdict).toBe('healthy');
    expect(fuse(mergePast([], [other]), [], [], 1, false, []).verdict).toBe('needs-review');
  });
});
