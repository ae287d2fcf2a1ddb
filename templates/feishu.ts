// A Report as a Feishu/Lark interactive card (JSON 2.0), with the same
// content and buttons as the Slack message. Cards must keep update_multi
// true so they can be patched in place.
import type { Report } from '../src/model.js';
import { aboutLine, clip, executionTraceLine, headline, pastLines, shownFindings, traceHeading, traceLine, verdictSentence, where } from './summary.js';

const headerColour: Record<Report['verdict'], string> = {
  confirmed: 'red',
  likely: 'orange',
  'needs-review': 'yellow',
  healthy: 'green',
  inconclusive: 'grey',
};

export interface FeishuCard {
  schema: '2.0';
  config: { update_multi: true };
  header: Record<string, unknown>;
  body: { elements: Record<string, unknown>[] };
}

const md = (content: string) => ({ tag: 'markdown', content: clip(content, 4000) });

function button(text: string, action: string, job: string, service: string, type = 'default') {
  return { tag: 'button', text: { tag: 'plain_text', content: text }, type, behaviors: [{ type: 'callback', value: { action, job, service } }] };
}

export function toFeishuCard(r: Report, opts: { job: string; reportUrl?: string }): FeishuCard {
  const elements: Record<string, unknown>[] = [md(`**${verdictSentence(r)}**`)];
  for (const f of shownFindings(r)) {
    const loc = where(f);
    const lines = [`**${f.kind}** · confidence ${f.confidence.toFixed(2)}`, f.title];
    if (loc) lines.push(`at \`${loc}\``);
    for (const e of f.evidence.slice(0, 10)) lines.push(`- ${e.source}: ${e.summary}`);
    elements.push({ tag: 'hr' }, md(lines.join('\n')));
  }
  const past = pastLines(r);
  if (past.length > 0) elements.push({ tag: 'hr' }, md(`**What changed**\n${past.join('\n')}`));
  if (r.errors.length > 0) elements.push({ tag: 'hr' }, md(`**What failed**\n${r.errors.map((e) => `- ${e.source}: ${e.error}`).join('\n')}`));
  const absent = r.notCaptured ?? [];
  if (absent.length > 0) elements.push(md(`**Not captured**: ${absent.map((n) => `${n.source} (${n.reason})`).join('; ')}`));
  for (const t of (r.traceLogs ?? []).slice(0, 2)) elements.push(md(`**${traceHeading(t)}**\n\`\`\`\n${t.lines.map(traceLine).join('\n')}${t.more ? `\n… ${t.more} more lines` : ''}\n\`\`\``));
  const trace = executionTraceLine(r);
  elements.push(md(`${aboutLine(r)}${trace ? ` · ${trace}` : ''}${opts.reportUrl ? ` · [full report](${opts.reportUrl})` : ''}`));
  // A past window has nothing live to re-run or compare, and opened no incident.
  if (!r.pastOnly)
    elements.push(
      button('Re-run', 'rerun', opts.job, r.service),
      button('Compare with last healthy capture', 'compare', opts.job, r.service),
      button('Mark resolved', 'resolve', opts.job, r.service, 'primary'),
    );
  return {
    schema: '2.0',
    config: { update_multi: true },
    header: { title: { tag: 'plain_text', content: clip(headline(r), 100) }, template: headerColour[r.verdict] },
    body: { elements },
  };
}
