import { describe, expect, it } from 'vitest';
import { healthyReport, poolReport } from '../test/helpers/reports.js';
import { actionIds, toSlackBlocks } from './slack.js';

describe('Block Kit summary', () => {
  it('shows the verdict, the strong finding with its evidence and location, what failed, and the buttons', () => {
    const m = toSlackBlocks(poolReport, { job: 'job-1', reportUrl: 'https://rca.example/reports/abc' });
    expect(m.text).toBe('🔴 order-api: confirmed: 3 independent sources agree: Requests queue for a bounded resource in database/sql.(*DB).conn: 13.6 wait at any time.');
    const json = JSON.stringify(m.blocks);
    expect(json).toContain('at `main.loadOrder (order-api/db.go:76)`');
    expect(json).toContain('{\\"activeConnections\\":8,\\"maxPoolSize\\":8,\\"status\\":\\"CRITICAL\\"}');
    expect(json).toContain('*What failed*\\n• heap-end: GET /debug/pprof/heap?gc=1: no complete answer within 10 s');
    // A profile the target does not offer is said once, apart from what failed.
    expect(json).toContain('*Not captured*: mutex (no samples: mutex profiling is not enabled in the target (runtime.SetMutexProfileFraction))');
    expect(json.match(/mutex profiling is not enabled/g)).toHaveLength(1);
    expect(json).toContain('<https://rca.example/reports/abc|full report>');
    expect(json).not.toContain('cpu-hotspot');
    const actions = m.blocks.at(-1) as { elements: { action_id: string; value: string }[] };
    expect(actions.elements.map((e) => e.action_id)).toEqual([actionIds.rerun, actionIds.compare, actionIds.resolve]);
    expect(JSON.parse(actions.elements[0].value)).toEqual({ job: 'job-1', service: 'order-api' });
  });

  it('a healthy service gets no findings, just the sentence', () => {
    const m = toSlackBlocks(healthyReport, { job: 'j' });
    expect(m.text).toBe('🟢 order-api: healthy: Looks healthy: nothing stands out in 10 s of profiles.');
    expect(m.blocks.filter((b) => b.type === 'divider')).toEqual([]);
  });

  it('stays within Block Kit limits with long evidence', () => {
    const long = { ...poolReport, findings: [{ ...poolReport.findings[0], evidence: Array.from({ length: 20 }, () => ({ source: 'block', summary: 'x'.repeat(5000) })) }] };
    const m = toSlackBlocks(long, { job: 'j' });
    expect(m.blocks.length).toBeLessThanOrEqual(50);
    for (const b of m.blocks) {
      const text = (b as { text?: { text: string } }).text?.text;
      if (text) expect(text.length).toBeLessThanOrEqual(3000);
      for (const e of ((b as { elements?: { text?: string }[] }).elements ?? [])) if (typeof e.text === 'string') expect(e.text.length).toBeLessThanOrEqual(2000);
    }
  });
});
