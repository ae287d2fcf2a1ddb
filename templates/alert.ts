// An alert's message in its channel, edited in place as the incident moves:
// firing → diagnosed → resolved.
import type { Incident } from '../src/incidents/model.js';
import { timeToResolve } from '../src/incidents/metrics.js';
import { verdictEmoji } from './summary.js';

const duration = (s: number) => (s < 90 ? `${Math.round(s)} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

export function noticeText(i: Incident): string {
  const resolved = timeToResolve(i);
  const diagnosed = i.timeline.find((e) => e.type === 'diagnosed');
  const acked = i.timeline.find((e) => e.type === 'acknowledged');
  const head = resolved === undefined ? `🔥 Firing: ${i.title} (${i.service})` : `✅ Resolved after ${duration(resolved)}: ${i.title} (${i.service})`;
  const lines = [head];
  if (diagnosed?.type === 'diagnosed')
    lines.push(`${verdictEmoji[diagnosed.verdict]} Diagnosis: ${diagnosed.verdict}${diagnosed.cause ? `, ${diagnosed.cause}` : ''} (details in the thread)`);
  else if (i.note) lines.push(`No diagnosis: ${i.note}`);
  else if (resolved === undefined) lines.push('⏳ Diagnosing…');
  if (acked?.type === 'acknowledged') lines.push(`Acknowledged by ${acked.by}`);
  lines.push(`incident ${i.id}`);
  return lines.join('\n');
}
