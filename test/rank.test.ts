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

  // The cases the ranking was built on must stay right; across all of them the
  // top-1 count may not fall below what it is now. Issue 15 (rankings that hold on
  // unseen incidents) is where that floor rises. The floor is the bench's leave-one-out
  // figure (npm run bench -- rank), not the best in-sample count the defaults were fitted to.
  const builtOn = ['tt-2023-01-29-travel-exception', 'ob-2022-08-23-currency-cpu'];
  const floor = 23;

  it.each(builtOn.filter((n) => labelled.includes(n)))('%s: the labelled root cause service is ranked first', async (name) => {
    expect(await rankedFirst(name)).toBe(true);
  });

  it(`ranks the labelled root cause first in at least ${floor} of the cases`, async () => {
    let right = 0;
    for (const name of labelled) if (await rankedFirst(name)) right++;
    console.log(`top-1: ${right} of ${labelled.length}`);
    expect(right).toBeGreaterThanOrEqual(Math.min(floor, labelled.length));
  });

  async function rankedFirst(name: string): Promise<boolean> {
    const label = JSON.parse(readFileSync(join(dir, name, 'label.json'), 'utf8')) as { root_cause_service: string };
    const loaded = await loadNezhaCase(join(dir, name));
    if (!loaded.ok) {
      console.log(`${name} (label ${label.root_cause_service}): not loaded: ${loaded.error}`);
      return false;
    }
    const { ranking } = rank(rankInputOf(loaded.value, baselines));
    const at = ranking.findIndex((r) => r.service === label.root_cause_service) + 1;
    console.log(`${name} (label ${label.root_cause_service}, ranked ${at || 'nowhere'}): ${ranking.slice(0, 3).map((r) => `${r.service} ${r.score.toFixed(2)}`).join(', ')}`);
    return at === 1;
  }
});
