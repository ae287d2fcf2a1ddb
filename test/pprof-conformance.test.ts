// Every protobuf profile in the shared fixtures that `go tool pprof` accepts:
// our top tables must equal pprof's own (-top, -top -cum, -top with no
// node fraction), for every sample type, within pprof's printed rounding.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../src/profile/pprof.js';
import { resolveSampleIndex, top } from '../src/profile/top.js';
import { expectSameTable, readTopText } from './helpers/pprof-top.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

const cases: { file: string; type: string; variant: 'top' | 'topcum' | 'topall'; path: string }[] = [];
if (sharedFixtures) {
  const dir = fixture('pprof');
  for (const meta of readdirSync(dir).filter((f) => f.endsWith('.meta.json'))) {
    const file = meta.slice(0, -'.meta.json'.length);
    const info = JSON.parse(readFileSync(`${dir}/${meta}`, 'utf8'));
    if (info.format !== 'proto' || existsSync(`${dir}/${file}.error.txt`)) continue;
    for (const { type } of info.sample_types as { type: string }[])
      for (const variant of ['top', 'topcum', 'topall'] as const) {
        const path = `${dir}/${file}.${variant}.${type}.txt`;
        if (existsSync(path)) cases.push({ file, type, variant, path });
      }
  }
}

describe.skipIf(!sharedFixtures)('top tables equal go tool pprof on every fixture', () => {
  it('finds the fixtures', () => {
    expect(cases.length).toBeGreaterThan(100);
  });

  it.each(cases)('$file $variant $type', ({ file, type, variant, path }) => {
    const parsed = parseProfile(readFileSync(`${fixture('pprof')}/${file}`));
    if (!parsed.ok) throw new Error(parsed.error);
    const p = parsed.value;
    const index = resolveSampleIndex(p, type);
    if (!index.ok) throw new Error(index.error);
    const cum = variant === 'topcum';
    const table = top(p, { sampleIndex: index.value, cum });
    const expected = readTopText(readFileSync(path).toString('utf8'), path);
    expectSameTable(table, expected, variant === 'topall' ? 0 : 0.005);
  });
});
