// The Markdown summary of a Report: what the chat posts and the CLI prints.
import type { Finding, Report } from '../src/model.js';
import { aboutLine, executionTraceLine, pastLines, traceHeading, traceLine, verdictSentence } from './summary.js';

function finding(f: Finding, i: number): string {
  const lines = [`${i + 1}. **${f.kind}** (confidence ${f.confidence.toFixed(2)}): ${f.title}`];
  if (f.location) lines.push(`   at \`${f.location.function}\` (${f.location.file}:${f.location.line})`);
  for (const e of f.evidence) lines.push(`   - ${e.source}: ${e.summary}`);
  return lines.join('\n');
}

export function toMarkdown(r: Report): string {
  const trace = executionTraceLine(r);
  const out = [`## ${r.service}: ${r.verdict}`, '', `**${verdictSentence(r)}**`, '', `${aboutLine(r)}${r.pastOnly ? '' : ` at ${r.window.start}`}.${trace ? ` ${trace}` : ''}`];
  if (r.findings.length > 0) out.push('', '### Findings', ...r.findings.map(finding));
  const past = pastLines(r);
  if (past.length > 0) out.push('', '### What changed', ...past);
  if (r.errors.length > 0) out.push('', '### What failed', ...r.errors.map((e) => `- ${e.source}: ${e.error}`));
  const absent = r.notCaptured ?? [];
  if (absent.length > 0) {
    // Profiles missing for one reason (a Node target serves none of block, mutex…) are one line.
    const byReason = new Map<string, string[]>();
    for (const n of absent) byReason.set(n.reason, [...(byReason.get(n.reason) ?? []), n.source]);
    out.push('', '### Not captured', ...[...byReason].map(([reason, sources]) => `- ${sources.join(', ')}: ${reason}`));
  }
  for (const t of r.traceLogs ?? []) out.push('', `### ${traceHeading(t)}`, '```', ...t.lines.map(traceLine), ...(t.more ? [`… ${t.more} more lines`] : []), '```');
  const files = r.artifacts.filter((a) => a.path);
  if (files.length > 0) out.push('', '### Files', ...files.map((a) => `- ${a.name}: ${a.path}`));
  return out.join('\n');
}
