// Reading `go tool pprof -top` output and comparing our tables with it.
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { TopRow, TopTable } from '../../src/profile/top.js';
import { displayFactor, sampleUnitFactor } from '../../src/profile/units.js';

export interface PprofTop {
  total: string;
  rows: { name: string; flat: string; cum: string }[];
}

export function readTopText(text: string, what = 'pprof output'): PprofTop {
  const lines = text.split('\n');
  const showing = lines.find((l) => l.startsWith('Showing nodes accounting for'));
  const total = /of (\S+) total$/.exec(showing ?? '')?.[1];
  if (!total) throw new Error(`${what}: no total line`);
  const start = lines.findIndex((l) => /^\s+flat\s+flat%\s+sum%\s+cum\s+cum%$/.test(l));
  const rows: PprofTop['rows'] = [];
  const body = lines.slice(start + 1);
  if (body.at(-1) === '') body.pop();
  for (const line of body) {
    const m = /^\s*(\S+)\s+(?:\S+%)\s+(?:\S+%)\s+(\S+)\s+(?:\S+%)  (.*)$/.exec(line);
    // A name with a newline in it continues on the next line.
    if (!m && rows.length > 0) rows[rows.length - 1].name += `\n${line}`;
    else if (!m) throw new Error(`${what}: cannot read row ${JSON.stringify(line)}`);
    else rows.push({ flat: m[1], cum: m[2], name: m[3] });
  }
  for (const r of rows) r.name = r.name.replace(/ \((partial-)?inline\)$/, '');
  return { total, rows };
}

/** Our value (in the sample's unit) against pprof's printed one, within its rounding and `slack` (in the sample's unit). */
export function close(ours: number, printed: string, unit: string, slack = 0): boolean {
  const m = /^(-?\d+(?:\.\d+)?)(.*)$/.exec(printed);
  if (!m) return false;
  const factor = displayFactor(m[2]) ?? (m[2] === unit ? 1 : undefined);
  if (factor === undefined) return false;
  const toPrinted = (m[2] === unit ? 1 : sampleUnitFactor(unit)) / factor;
  const scaled = ours * toPrinted;
  return Math.abs(scaled - Number(m[1])) <= 0.005 + 1e-9 * Math.abs(scaled) + slack * toPrinted;
}

/**
 * Asserts our table equals pprof's: `fraction` is the -nodefraction pprof ran
 * with (0.005 by default), `count` its -nodecount; `slack` how far a value may be off, in the sample's unit.
 */
export function expectSameTable(table: TopTable, expected: PprofTop, fraction = 0.005, count = 25, slack = 0): void {
  expect(close(table.total, expected.total, table.unit, slack), `total ${table.total} vs ${expected.total}`).toBe(true);
  let rows: TopRow[] = table.rows;
  if (fraction > 0) {
    // pprof keeps nodes whose |cum| reaches the fraction of the summed flat.
    const sumFlat = rows.reduce((s, r) => s + r.flat, 0);
    const cutoff = Math.abs(Math.trunc(sumFlat * fraction));
    rows = rows.filter((r) => Math.abs(r.cum) >= cutoff);
  }
  rows = rows.slice(0, count);
  expect(rows.map((r) => r.name)).toEqual(expected.rows.map((r) => r.name));
  rows.forEach((r, i) => {
    const e = expected.rows[i];
    expect(close(r.flat, e.flat, table.unit, slack), `${r.name} flat ${r.flat} vs ${e.flat}`).toBe(true);
    expect(close(r.cum, e.cum, table.unit, slack), `${r.name} cum ${r.cum} vs ${e.cum}`).toBe(true);
  });
}

/** Runs `go tool pprof -top` with the given flags and returns its table. */
export function pprofTop(args: string[]): PprofTop {
  const r = spawnSync('go', ['tool', 'pprof', '-symbolize=none', '-top', '-nodecount=25', ...args], { env: { ...process.env, TZ: 'UTC' } });
  if (r.status !== 0) throw new Error(`go tool pprof failed: ${r.stderr}`);
  return readTopText(r.stdout.toString('utf8'), `go tool pprof ${args.join(' ')}`);
}
