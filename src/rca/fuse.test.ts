import { describe, expect, it } from 'vitest';
import { causeOf, corroborate, fuse, sourceCount } from './fuse.js';
import type { Finding } from '../model.js';

const pool: Finding = {
  kind: 'pool-exhaustion',
  title: 'Requests queue for a bounded resource in database/sql.(*DB).conn',
  confidence: 0.6,
  evidence: [{ source: 'block', summary: '82% of blocked time waits in database/sql.(*DB).conn' }],
};
const logs = (title: string, confidence = 0.7): Finding => ({ kind: 'error-burst', title, confidence, evidence: [{ source: 'logs', summary: `12 lines; e.g. "${title}"` }] });

describe('fusion across sources', () => {
  it('reads the cause from the words of a log template, strictly', () => {
    expect(causeOf(logs('A new warning appeared 40 times: waiting for a free connection from pool <*>'))).toBe('pool-exhaustion');
    expect(causeOf(logs('A new error appeared 40 times: dial tcp <*>: connection refused'))).toBeUndefined();
  });

  it('a log template and a probe on top of the block profile confirm the cause: three sources', () => {
    const probe = { name: 'db', url: 'http://x/health', ok: false, status: 503, body: '{"db":"pool exhausted"}', reason: 'status 503' };
    const fused = fuse([pool], [probe], [], 8, false, [logs('A new warning appeared 40 times: waiting for a free connection from pool <*>')], 'order-api');
    expect(fused.verdict).toBe('confirmed');
    expect(fused.findings[0].evidence.map((e) => e.source)).toEqual(['block', 'logs', 'probe:db']);
    expect(fused.findings[0].confidence).toBeCloseTo(0.88);
  });

  it('three log templates of one kind count as one source', () => {
    const out = corroborate([], [logs('timeout calling inventory'), logs('retrying inventory'), logs('gave up on inventory')], 'order-api');
    expect(out).toHaveLength(1);
    expect(out[0].evidence).toHaveLength(3);
    expect(sourceCount(out[0])).toBe(1);
    expect(out[0].confidence).toBe(0.7);
    expect(fuse([], [], [], 8, false, out, 'order-api').verdict).toBe('needs-review');
  });

  it('findings about the same other service join up; about the diagnosed service they do not by that alone', () => {
    const slow: Finding = { kind: 'slow-dependency', service: 'inventory', title: 'inventory explains 80% of the slow traces', confidence: 0.7, evidence: [{ source: 'traces', summary: 'p95 self time 900 ms' }] };
    const latency: Finding = { kind: 'latency-regression', service: 'inventory', title: 'inventory p99 latency is 6× its usual', confidence: 0.6, evidence: [{ source: 'metrics', summary: '1.2 s vs 0.2 s' }] };
    expect(corroborate([], [slow, latency], 'order-api')).toHaveLength(1);
    const ownErrors: Finding = { ...latency, service: 'order-api' };
    expect(corroborate([], [{ ...slow, service: 'order-api' }, ownErrors], 'order-api')).toHaveLength(2);
  });

  it('a weak profile finding is not propped up by words alone', () => {
    const weak = { ...pool, confidence: 0.1 };
    const out = corroborate([weak], [logs('waiting for a free connection from pool')], 'order-api');
    expect(out).toHaveLength(2);
  });

  it('goroutines waiting for a P where the CPU goes fold into the CPU finding at that code, as one more source', () => {
    const at = (fn: string) => ({ function: fn, file: 'main.go', line: 1 });
    const hot: Finding = { kind: 'cpu-hotspot', title: 'main.hash takes 90% of CPU', confidence: 0.7, location: at('main.hash'), evidence: [{ source: 'cpu', summary: '90%' }] };
    const gc: Finding = { kind: 'gc-pressure', title: 'GC', confidence: 0.3, location: at('main.hash'), evidence: [{ source: 'cpu', summary: 'gc' }, { source: 'allocs', summary: 'a' }] };
    const waits: Finding = { kind: 'scheduler-latency', title: 'waits for a P', confidence: 0.9, location: at('main.hash'), evidence: [{ source: 'trace', summary: 'p99 20 ms' }] };
    const fused = fuse([hot, gc, waits], [], [], 8, false);
    expect(fused.findings.map((f) => f.kind)).toEqual(['cpu-hotspot', 'gc-pressure']);
    expect(fused.findings[0].evidence.map((e) => e.source)).toEqual(['cpu', 'trace']);
    expect(fused.findings[0].confidence).toBe(0.95);
    expect(fused.verdict).toBe('likely');
    // A background goroutine holding the P is its own cause: nothing at that code to fold into.
    const held = { ...waits, location: at('main.rebuildIndex') };
    expect(fuse([hot, held], [], [], 8, false).findings.map((f) => f.kind)).toEqual(['scheduler-latency', 'cpu-hotspot']);
  });
});
