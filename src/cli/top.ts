// `rca-bot top <file>`: pprof's -top table, as text or JSON.
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { emptyNote, kindLabel, profileKind } from '../profile/kind.js';
import { resolveSampleIndex, top, type TopTable } from '../profile/top.js';
import { formatValue, outputUnit, percentage, scaledLabel } from '../profile/units.js';
import { readProfile } from './read.js';
import type { Io } from './io.js';
import { usageOf } from './usage.js';

export function runTop(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'sample-index': { type: 'string' },
      cum: { type: 'boolean', default: false },
      limit: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UserError(`usage: ${usageOf('top')}`);
  const file = positionals[0];
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) throw new UserError(`--limit must be a positive whole number, not "${values.limit}"`);
  const profile = readProfile(file);
  const index = resolveSampleIndex(profile, values['sample-index']);
  if (!index.ok) throw new UserError(`${file}: ${index.error}`);
  const table = top(profile, { sampleIndex: index.value, cum: values.cum });
  const note = emptyNote(profile);
  if (note) io.err(`rca-bot: ${file}: ${note}`);
  if (values.json) {
    const rows = table.rows.slice(0, limit).map((r) => ({ name: r.name, flat: r.flat, cum: r.cum }));
    io.out(JSON.stringify({ sampleType: table.sampleType, unit: table.unit, total: table.total, rows }));
    return 0;
  }
  io.out(`Type: ${table.sampleType} (${kindLabel[profileKind(profile)]} profile)`);
  if (profile.durationNanos > 0) io.out(`Duration: ${formatValue(profile.durationNanos, 'nanoseconds')}, Total = ${formatValue(table.total, table.unit)}`);
  io.out(formatTable(table, limit));
  return 0;
}

/** The rows in pprof's -top layout; the unit is chosen on all rows, as pprof chooses it on all it keeps. */
export function formatTable(table: TopTable, limit?: number): string {
  let min = 0;
  for (const r of table.rows) {
    const v = Math.abs(r.flat) || Math.abs(r.cum);
    if (v > 0 && (min === 0 || v < min)) min = v;
  }
  const unit = outputUnit(min, table.total, table.unit);
  const fmt = (v: number) => scaledLabel(v, table.unit, unit);
  const lines = [`${'flat'.padStart(10)} ${'flat%'.padStart(6)} ${'sum%'.padStart(6)} ${'cum'.padStart(10)} ${'cum%'.padStart(6)}`];
  let sum = 0;
  for (const r of table.rows.slice(0, limit)) {
    sum += r.flat;
    const inl = r.inline ? ` (${r.inline})` : '';
    lines.push(`${fmt(r.flat).padStart(10)} ${percentage(r.flat, table.total)} ${percentage(sum, table.total)} ${fmt(r.cum).padStart(10)} ${percentage(r.cum, table.total)}  ${r.name}${inl}`);
  }
  return lines.join('\n');
}
