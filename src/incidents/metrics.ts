// Times derived from an incident's timeline, in seconds from detection:
// to acknowledge (MTTA), to a diagnosis (MTTD), to resolve (MTTR).
import type { Incident, IncidentEvent } from './model.js';

const first = <T extends IncidentEvent['type']>(i: Incident, type: T) => i.timeline.find((e) => e.type === type) as Extract<IncidentEvent, { type: T }> | undefined;

function since(i: Incident, type: IncidentEvent['type']): number | undefined {
  const detected = first(i, 'detected');
  const event = first(i, type);
  if (!detected || !event) return undefined;
  return Math.max(0, (Date.parse(event.at) - Date.parse(detected.at)) / 1000);
}

export const timeToAcknowledge = (i: Incident) => since(i, 'acknowledged');
export const timeToDiagnose = (i: Incident) => since(i, 'diagnosed');
export const timeToResolve = (i: Incident) => since(i, 'resolved');

export const detectedAt = (i: Incident) => first(i, 'detected')?.at;
export const causeOf = (i: Incident) => first(i, 'diagnosed')?.cause;
export const isResolved = (i: Incident) => first(i, 'resolved') !== undefined;
