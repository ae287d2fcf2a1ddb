// The ranking on every labelled Nezha case: the label's root cause service
// must come first. The label is read here only, to compare; the fault-free
// folders (no label) are the reference the ranking may use.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rank } from '../src/analysis/rank/index.js';
import { loadNezhaCase, rankInputOf, type NezhaCase } from '../src/sources/cases/nezha.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

const dir = sharedFixtures ? fixture('rca', 'nezha') : '';
const folders = sharedFixtures ? readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
const labelled = folders.filter((f) => existsSync(join(dir, f, 'label.json')));
const faultFree = folders.filter((f) => f.startsWith('baseline') && !existsSync(join(dir, f, 'label.json')));

async function load(name: string): Promise<NezhaCase> {
  const r = await loadNezhaCase(join(dir, name));
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe.skipIf(!sharedFixtures)('ranking the labelled Nezha cases', () => {
  let baselines: NezhaCase[] = [];
  beforeAll(async () => {
    baselines = await Promise.all(faultFree.map(load));
  });

  it('finds labelled cases to rank', () => {
    expect(labelled.length).toBeGreaterThan(0);
  });

  it.each(labelled)('%s: the labelled root cause service is ranked first', async (name) => {
    const { ranking } = rank(rankInputOf(await load(name), baselines));
    const label = JSON.parse(readFileSync(join(dir, name, 'label.json'), 'utf8')) as { root_cause_service: string };
    console.log(`${name} (label ${label.root_cause_service}):\n${ranking.slice(0, 5).map((r, i) => `  ${i + 1}. ${r.service} ${r.score.toFixed(2)}  ${r.evidence[0]?.summary.slice(0, 140) ?? ''}`).join('\n')}`);
    expect(ranking[0].service).toBe(label.root_cause_service);
  });
});
