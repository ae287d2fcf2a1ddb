// A comparison with the last healthy capture, as the one text every chat shows.
import { formatValue } from '../src/profile/units.js';
import type { Comparison } from '../src/model.js';

export function comparisonText(c: Comparison): string {
  const v = (x: number) => formatValue(x, c.unit);
  const ratio = c.base.total > 0 ? ` (${(c.current.total / c.base.total).toFixed(1)}×)` : '';
  const lines = [
    `📊 ${c.service}: ${c.profile} profile (${c.sampleType}) against the last healthy capture, \`${c.base.job}\` at ${c.base.at}`,
    `Total: ${v(c.base.total)} then, ${v(c.current.total)} now${ratio}.`,
  ];
  if (c.changes.length === 0) lines.push('Where it goes has not changed.');
  else {
    lines.push('Where it moved (the current profile scaled to the healthy total):');
    for (const ch of c.changes) lines.push(`• \`${ch.function}\` ${ch.change > 0 ? '+' : '−'}${v(Math.abs(ch.change))}`);
  }
  return lines.join('\n');
}
