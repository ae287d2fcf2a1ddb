import { describe, expect, it } from 'vitest';
import { toFeishuCard } from './feishu.js';
import { healthyReport, poolReport } from '../test/helpers/reports.js';

describe('Feishu card', () => {
  it('is a 2.0 card that can be patched, with the same content and buttons as Slack', () => {
    const card = toFeishuCard(poolReport, { job: 'job-1' });
    expect(card.schema).toBe('2.0');
    expect(card.config).toEqual({ update_multi: true });
    expect(card.header).toMatchObject({ title: { content: '🔴 order-api: confirmed' }, template: 'red' });
    const json = JSON.stringify(card.body);
    expect(json).toContain('at `main.loadOrder (order-api/db.go:76)`');
    expect(json).toContain('probe:db-pool');
    const buttons = card.body.elements.filter((e) => e.tag === 'button') as { behaviors: { type: string; value: { action: string; job: string } }[] }[];
    expect(buttons.map((b) => b.behaviors[0])).toEqual([
      { type: 'callback', value: { action: 'rerun', job: 'job-1', service: 'order-api' } },
      { type: 'callback', value: { action: 'compare', job: 'job-1', service: 'order-api' } },
      { type: 'callback', value: { action: 'resolve', job: 'job-1', service: 'order-api' } },
    ]);
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(30 * 1024);
  });

  it('colours the header by verdict', () => {
    expect(toFeishuCard(healthyReport, { job: 'j' }).header.template).toBe('green');
  });
});
