// Every protobuf profile in the shared fixtures that `go tool pprof` accepts:
// our top tables must equal pprof's own (-top, -top -cum, -top with no
// node fraction), for every sample type, within pprof's printed rounding.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseProfile } from '../src/profile/pprof.js';
import { resolveSampleIndex, top, type TopRow } from '../src/profile/top.js';
import { displayFactor, sampleUnitFactor } from '../src/profile/units.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

interface Expected {
  total: string;
  rows: { name: string; flat: string; cum: string }[];
}

function readExpected(path: string): Expected {
  // Go writes the raw bytes of names; compare them as UTF-8 with replacement, as we decode.
  const lines = readFileSync(path).toString('utf8').split('\n');
  const showing = lines.find((l) => l.startsWith('Showing nodes accounting for'));
  const total = /of (\S+) total$/.exec(showing ?? '')?.[1];
  if (!total) throw new Error(`${path}: no total line`);
  const start = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%$/.test(l));
  const rows: Expected['rows'] = [];
  const body = lines.slice(start + 1);
  if (body.at(-1) === '') body.pop();
  for (const line of body) {
    const m = /^\s*(\S+)\s+(?:\S+%)\s+(?:\S+%)\s+(\S+)\s+(?:\S+%)  (.*)$/.exec(line);
    // A name with a newline in it continues on the next line.
    if (!m && rows.length > 0) rows[rows.length - 1].name += `\n${line}`;
    else if (!m) throw new Error(`${path}: cannot read row ${JSON.stringify(line)}`);
    else rows.push({ flat: m[1], cum: m[2], name: m[3] });
  }
  for (const r of rows) r.name = r.name.replace(/ \((partial-)?inline\)$/, '');
  return { total, rows };
}

/** Our value (in the sample's unit) against pprof's printed one, within its rounding. */
function close(ours: number, printed: string, unit: string): boolean {
  const m = /^(-?\d+(?:\.\d+)?)(.*)$/.exec(printed);
  if (!m) return false;
  const factor = displayFactor(m[2]) ?? (m[2] === unit ? 1 : undefined);
  if (factor === undefined) return false;
  const scaled = (ours * (m[2] === unit ? 1 : sampleUnitFactor(unit))) / factor;
  return Math.abs(scaled - Number(m[1])) <= 0.005 + 1e-9 * Math.abs(scaled);
}

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
    const expected = readExpected(path);

    expect(close(table.total, expected.total, table.unit), `total ${table.total} vs ${expected.total}`).toBe(true);

    let rows: TopRow[] = table.rows;
    if (variant !== 'topall') {
      // pprof's default -nodefraction=0.005 keeps nodes whose |cum| reaches 0.5% of the summed flat.
      const sumFlat = rows.reduce((s, r) => s + r.flat, 0);
      const cutoff = Math.abs(Math.trunc(sumFlat * 0.005));
      rows = rows.filter((r) => Math.abs(r.cum) >= cutoff);
    }
    rows = rows.slice(0, 25);
    expect(rows.map((r) => r.name)).toEqual(expected.rows.map((r) => r.name));
    rows.forEach((r, i) => {
      const e = expected.rows[i];
      expect(close(r.flat, e.flat, table.unit), `${r.name} flat ${r.flat} vs ${e.flat}`).toBe(true);
      expect(close(r.cum, e.cum, table.unit), `${r.name} cum ${r.cum} vs ${e.cum}`).toBe(true);
    });
  });
});
