// A Report as Slack Block Kit: the verdict, the top findings with their
// evidence and code location, what failed, and the buttons.
import type { Report } from '../src/model.js';
import { aboutLine, clip, executionTraceLine, headline, pastLines, shownFindings, traceHeading, traceLine, verdictSentence, where } from './summary.js';

export type Block = Record<string, unknown>;

export interface SlackMessage {
  text: string;
  blocks: Block[];
}

export const actionIds = { rerun: 'rca_rerun', compare: 'rca_compare', resolve: 'rca_resolve' } as const;

// Block Kit limits: 50 blocks, 3000 characters a section, 150 a header.
const SECTION = 3000;

const mrkdwn = (text: string): Block => ({ type: 'section', text: { type: 'mrkdwn', text: clip(text, SECTION) } });

export function toSlackBlocks(r: Report, opts: { job: string; reportUrl?: string }): SlackMessage {
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline(r), 150), emoji: true } },
    mrkdwn(`*${verdictSentence(r)}*`),
  ];
  for (const f of shownFindings(r)) {
    const loc = where(f);
    const lines = [`*${f.kind}* · confidence ${f.confidence.toFixed(2)}`, f.title];
    if (loc) lines.push(`at \`${loc}\``);
    blocks.push({ type: 'divider' }, mrkdwn(lines.join('\n')));
    const evidence = f.evidence.slice(0, 10).map((e) => ({ type: 'mrkdwn', text: clip(`*${e.source}*: ${e.summary}`, 2000) }));
    if (evidence.length) blocks.push({ type: 'context', elements: evidence });
  }
  const past = pastLines(r);
  if (past.length > 0) blocks.push({ type: 'divider' }, mrkdwn(`*What changed*\n${past.join('\n')}`));
  if (r.errors.length > 0) blocks.push({ type: 'divider' }, mrkdwn(`*What failed*\n${r.errors.map((e) => `• ${e.source}: ${e.error}`).join('\n')}`));
  const absent = r.notCaptured ?? [];
  if (absent.length > 0) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(`*Not captured*: ${absent.map((n) => `${n.source} (${n.reason})`).join('; ')}`, 2000) }] });
  for (const t of (r.traceLogs ?? []).slice(0, 2))
    // Slack's mrkdwn reads &, < and > even in a code block; the fence is closed whatever the clip.
    blocks.push(mrkdwn(`*${traceHeading(t)}*\n\`\`\`${clip(`${t.lines.map(traceLine).join('\n')}${t.more ? `\n… ${t.more} more lines` : ''}`, 2800).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}\`\`\``));
  const trace = executionTraceLine(r);
  const about = `${aboutLine(r)}${trace ? ` · ${trace}` : ''}${opts.reportUrl ? ` · <${opts.reportUrl}|full report>` : ''}`;
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: clip(about, 2000) }] });
  const value = JSON.stringify({ job: opts.job, service: r.service });
  // A past window has nothing live to re-run or compare, and opened no incident.
  if (!r.pastOnly)
    blocks.push({
      type: 'actions',
      block_id: 'rca_actions',
      elements: [
        { type: 'button', action_id: actionIds.rerun, text: { type: 'plain_text', text: 'Re-run' }, value },
        { type: 'button', action_id: actionIds.compare, text: { type: 'plain_text', text: 'Compare with last healthy capture' }, value },
        { type: 'button', action_id: actionIds.resolve, text: { type: 'plain_text', text: 'Mark resolved' }, style: 'primary', value },
      ],
    });
  return { text: `${headline(r)}: ${verdictSentence(r)}`, blocks: blocks.slice(0, 50) };
}
