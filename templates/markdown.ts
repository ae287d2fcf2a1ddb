// The Markdown summary of a Report: what the chat posts and the CLI prints.
import { sourceCount } from '../src/rca/fuse.js';
import type { Finding, Report } from '../src/rca/model.js';

const verdictLine: Record<Report['verdict'], (r: Report) => string> = {
  confirmed: (r) => `**Confirmed** (${sourceCount(r.findings[0])} independent sources agree): ${r.findings[0].title}`,
  likely: (r) => `**Likely** (two independent sources agree): ${r.findings[0].title}`,
  'needs-review': (r) => `**Needs review** (one source only; a person should check): ${r.findings[0].title}`,
  healthy: (r) => `**Looks healthy**: nothing stands out in ${r.window.seconds} s of profiles.`,
  inconclusive: (r) =>
    r.errors.length > 0 ? `**Inconclusive**: the captures that matter failed, so there is no verdict.` : `**Inconclusive**: there was not enough to go on.`,
};

function finding(f: Finding, i: number): string {
  const lines = [`${i + 1}. **${f.kind}** (confidence ${f.confidence.toFixed(2)}): ${f.title}`];
  if (f.location) lines.push(`   at \`${f.location.function}\` (${f.location.file}:${f.location.line})`);
  for (const e of f.evidence) lines.push(`   - ${e.source}: ${e.summary}`);
  return lines.join('\n');
}

export function toMarkdown(r: Report): string {
  const out = [`## ${r.service}: ${r.verdict}`, '', verdictLine[r.verdict](r), '', `Captured ${r.window.seconds} s from ${r.target} at ${r.window.start}.`];
  if (r.findings.length > 0) out.push('', '### Findings', ...r.findings.map(finding));
  if (r.errors.length > 0) out.push('', '### What failed', ...r.errors.map((e) => `- ${e.source}: ${e.error}`));
  const files = r.artifacts.filter((a) => a.path);
  if (files.length > 0) out.push('', '### Files', ...files.map((a) => `- ${a.name}: ${a.path}`));
  return out.join('\n');
}
