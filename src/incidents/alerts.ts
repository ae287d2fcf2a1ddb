// Alert webhooks in, plain alerts out: Alertmanager (version 4) and Grafana
// unified alerting share one shape. Alerts without a status take the
// group's; alerts without a fingerprint (older Alertmanagers) get one from
// their labels. A malformed body is an error value naming what is wrong.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { err, ok, type Result } from '../errors.js';

export interface Alert {
  /** Stable per alert: Alertmanager's fingerprint, or a hash of the labels. */
  fingerprint: string;
  startsAt: string;
  status: 'firing' | 'resolved';
  /** alertname. */
  name: string;
  /** The service the labels name (the configured label, then job, then app), if any. */
  service?: string;
  /** The summary or description annotation. */
  summary?: string;
  labels: Record<string, string>;
  endsAt?: string;
}

const labels = z.record(z.string(), z.coerce.string());
const alert = z.object({
  status: z.enum(['firing', 'resolved']).optional(),
  labels,
  annotations: labels.optional(),
  startsAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'expected a date'),
  endsAt: z.string().optional(),
  fingerprint: z.string().optional(),
});
const payload = z.object({
  version: z.string().optional(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alert),
});

function fingerprintOf(l: Record<string, string>): string {
  const text = Object.keys(l)
    .sort()
    .map((k) => `${k}=${l[k]}`)
    .join('\n');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export function parseAlerts(body: string, serviceLabel = 'service'): Result<Alert[]> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return err('the body is not JSON');
  }
  const parsed = payload.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err(`${issue.path.join('.') || 'the body'}: ${issue.message}`);
  }
  const group = parsed.data;
  return ok(
    group.alerts.map((a) => ({
      fingerprint: a.fingerprint || fingerprintOf(a.labels),
      // One instant, however the sender wrote it.
      startsAt: new Date(a.startsAt).toISOString(),
      status: a.status ?? group.status,
      name: a.labels.alertname ?? 'alert',
      service: a.labels[serviceLabel] ?? a.labels.job ?? a.labels.app,
      summary: a.annotations?.summary ?? a.annotations?.description,
      labels: a.labels,
      ...(a.endsAt && !a.endsAt.startsWith('0001-') ? { endsAt: new Date(a.endsAt).toISOString() } : {}),
    })),
  );
}
