// An incident: one firing alert group, or one /rca someone typed, from the
// moment it was detected until it was resolved. Only the timeline is stored;
// MTTA, MTTD and MTTR are derived from it (metrics.ts), never stored twice.
import type { FindingKind, Verdict } from '../model.js';

export type IncidentEvent =
  | { type: 'detected'; at: string; by: 'alertmanager' | 'grafana' | 'command' }
  | { type: 'acknowledged'; at: string; by: string }
  | { type: 'diagnosed'; at: string; verdict: Verdict; cause?: FindingKind; job: string }
  | { type: 'resolved'; at: string; by: string };

export interface Incident {
  id: string;
  /** The registry service, or the alert's own name for it when the registry does not know it. */
  service: string;
  /** The alert's name or the command, for lists. */
  title: string;
  /** Where it is discussed. */
  channel: { platform: 'slack' | 'feishu' | 'console'; channel: string; message?: string };
  /** Why there is no diagnosis (a service the registry does not know). */
  note?: string;
  /** Oldest first. Times are ISO 8601. */
  timeline: IncidentEvent[];
}
