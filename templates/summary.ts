// Pieces of a Report's summary that every chat surface shows the same way.
import { sourceCount } from '../src/rca/fuse.js';
import type { Finding, Report } from '../src/rca/model.js';

export const verdictEmoji: Record<Report['verdict'], string> = {
  confirmed: '🔴',
  likely: '🟠',
  'needs-review': '🟡',
  healthy: '🟢',
  inconclusive: '⚪',
};

export function headline(r: Report): string {
  return `${verdictEmoji[r.verdict]} ${r.service}: ${r.verdict}`;
}

export function verdictSentence(r: Report): string {
  const top = r.findings[0];
  switch (r.verdict) {
    case 'confirmed':
      return `${sourceCount(top)} independent sources agree: ${top.title}`;
    case 'likely':
      return `Two independent sources agree: ${top.title}`;
    case 'needs-review':
      return `One source only, a person should check: ${top.title}`;
    case 'healthy':
      return `Looks healthy: nothing stands out in ${r.window.seconds} s of profiles.`;
    case 'inconclusive':
      return r.errors.length > 0 ? 'Inconclusive: the captures that matter failed, so there is no verdict.' : 'Inconclusive: there was not enough to go on.';
  }
}

export function where(f: Finding): string | undefined {
  if (!f.location) return undefined;
  const file = f.location.file.split('/').slice(-2).join('/');
  return `${f.location.function} (${file}:${f.location.line})`;
}

/** Findings worth a chat message: the strong ones, or the best one when none is. */
export function shownFindings(r: Report, most = 3): Finding[] {
  const strong = r.findings.filter((f) => f.confidence >= 0.5);
  return (strong.length ? strong : r.verdict === 'healthy' ? [] : r.findings).slice(0, most);
}

export function clip(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
