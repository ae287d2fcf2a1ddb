// The MTTR digest as a short Markdown text, posted beside the charts.
import { formatDuration, periodText, type Change, type Digest } from '../src/incidents/digest.js';

/** "▲ 12%" (longer: worse), "▼ 8%" (shorter: better), "= 0%"; absent without a previous value. */
export function changeText(c: Change): string | undefined {
  if (c.change === undefined) return undefined;
  const pct = Math.round(Math.abs(c.change) * 100);
  if (pct === 0) return '= 0%';
  return `${c.change > 0 ? '▲' : '▼'} ${pct}%`;
}

/** Markdown link text may not hold brackets, and emphasis characters would be read as such. */
const escape = (s: string) => s.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);

function stat(name: string, c: Change): string {
  if (c.current === undefined) return `${name} n/a`;
  const change = changeText(c);
  const before = c.previous === undefined ? '' : ` (previous period ${formatDuration(c.previous)})`;
  return `${name} **${formatDuration(c.current)}**${change ? ` ${change}` : ''}${change ? before : ''}`;
}

export function digestText(d: Digest, link?: (id: string) => string): string {
  const out = [`**Incidents ${periodText(d)}: ${d.count}**` + (d.previousCount > 0 ? ` (previous period ${d.previousCount})` : '')];
  if (d.count === 0) return out.join('\n');
  if (d.resolved === 0) {
    out.push(`None resolved yet, so no MTTR.`);
  } else {
    out.push(`MTTR ${stat('median', d.mttr.median)}, ${stat('p90', d.mttr.p90)}`);
    if (d.unresolved > 0) out.push(`${d.unresolved} of ${d.count} not resolved yet: counted, but not in the MTTR.`);
  }
  if (d.slowest.length > 0) {
    out.push('', `Slowest to resolve:`);
    d.slowest.forEach((s, i) => {
      const id = link ? `[${escape(s.id)}](${link(s.id)})` : escape(s.id);
      out.push(`${i + 1}. ${id} ${escape(s.service)}: ${escape(s.title)} (${formatDuration(s.mttr)})`);
    });
  }
  return out.join('\n');
}
