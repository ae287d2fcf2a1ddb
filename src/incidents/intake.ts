// What an alert does: a firing alert opens one incident (however often
// Alertmanager re-sends its group), posts it in the service's channel and
// starts a diagnosis in that message's thread; a burst for one service joins
// one diagnosis; a resolved alert closes its incident. A service the
// registry does not know is still posted, with the reason there is no
// diagnosis.
import { metrics } from '../telemetry/metrics.js';
import type { ChatAdapter, Platform } from '../chat/adapter.js';
import { closeNames, type Registry, type ServiceConfig } from '../config/registry.js';
import type { Pipeline } from '../queue/pipeline.js';
import { targetOf } from '../rca/diagnose.js';
import { noticeText } from '../../templates/alert.js';
import type { Alert } from './alerts.js';
import type { IncidentStore } from './store.js';
import { inSpan } from '../telemetry/spans.js';
import { log } from '../telemetry/log.js';

export interface Where {
  platform: Platform;
  channel: string;
}

export interface IntakeContext {
  registry: Registry;
  pipeline: Pipeline;
  incidents: IncidentStore;
  adapter(platform: Platform): ChatAdapter | undefined;
  /** Where alerts go when the service has no channel (RCA_ALERT_CHANNEL). */
  fallback: Where;
  /** The label that names the service, for the reason when none does. */
  serviceLabel: string;
}

function channelOf(ctx: IntakeContext, cfg: ServiceConfig | undefined): Where {
  if (cfg?.channels.slack[0] && ctx.adapter('slack')) return { platform: 'slack', channel: cfg.channels.slack[0] };
  if (cfg?.channels.feishu[0] && ctx.adapter('feishu')) return { platform: 'feishu', channel: cfg.channels.feishu[0] };
  return ctx.fallback;
}

function whyNoDiagnosis(ctx: IntakeContext, a: Alert): string {
  if (!a.service) return `the alert has no ${ctx.serviceLabel}, job or app label naming a service`;
  const close = closeNames(ctx.registry, a.service);
  return `${a.service} is not in the registry${close.length ? ` (did you mean ${close.map((n) => `\`${n}\``).join(', ')}?)` : ''}`;
}

async function fire(ctx: IntakeContext, a: Alert, by: 'alertmanager' | 'grafana'): Promise<void> {
  metrics.alerts.inc({ sender: by });
  const cfg = a.service ? ctx.registry.services[a.service] : undefined;
  const where = channelOf(ctx, cfg);
  const adapter = ctx.adapter(where.platform);
  if (!adapter) throw new Error(`no ${where.platform} adapter for ${where.channel}`);
  const opened = await ctx.incidents.openForAlert(
    a.fingerprint,
    a.startsAt,
    (id) => ({ id, service: a.service ?? 'unknown', title: a.summary ? `${a.name}: ${a.summary}` : a.name, channel: where, ...(cfg ? {} : { note: whyNoDiagnosis(ctx, a) }) }),
    { type: 'detected', at: a.startsAt, by },
  );
  if (!opened.created) return void metrics.alertsDeduplicated.inc({ sender: by });
  metrics.incidentsOpened.inc({ by: 'alert' });
  const incident = await ctx.incidents.get(opened.id);
  if (!incident) return;
  const ref = await adapter.postNotice(where.channel, noticeText(incident));
  await ctx.incidents.setMessage(opened.id, ref.id);
  if (!cfg || !a.service) return;
  const submitted = await ctx.pipeline.submit({
    target: targetOf(a.service, cfg),
    seconds: cfg.seconds,
    requester: { platform: where.platform, channel: where.channel, thread: ref.id },
    key: `alert:${a.fingerprint}:${a.startsAt}`,
    alert: true,
    // With a continuous profiler: the minutes before the alert too, beside the live capture.
    ...(cfg.profiles ? { past: pastOfAlert(a.startsAt, cfg.lookback) } : {}),
  });
  await ctx.incidents.link(submitted.job, opened.id);
}

/**
 * The profiler's window an alert is diagnosed on: from `lookback` before it started up to now, and no
 * further than `lookback` after it started (an alert delivered late, or sent again, reads its own minutes).
 */
export function pastOfAlert(startsAt: string, lookbackS: number, now = Date.now()): { start: number; end: number } {
  const started = Date.parse(startsAt);
  const from = Number.isNaN(started) ? now : Math.min(started, now);
  return { start: from - lookbackS * 1000, end: Math.min(now, from + lookbackS * 1000) };
}

/** An adapter lookup that throws for an unconfigured platform (the pipeline's), as one that answers undefined. */
export function lenient(adapter: (platform: Platform) => ChatAdapter): (platform: Platform) => ChatAdapter | undefined {
  return (platform) => {
    try {
      return adapter(platform);
    } catch {
      return undefined;
    }
  };
}

/** Closes an incident and edits its message; false when it was closed already. */
export async function resolveIncident(ctx: Pick<IntakeContext, 'incidents' | 'adapter'>, id: string, by: string, at = new Date().toISOString()): Promise<boolean> {
  if (!(await ctx.incidents.append(id, { type: 'resolved', at, by }))) return false;
  metrics.incidentsResolved.inc();
  await refresh(ctx, id);
  return true;
}

/** Re-renders an incident's message from its timeline. */
export async function refresh(ctx: Pick<IntakeContext, 'incidents' | 'adapter'>, id: string): Promise<void> {
  const incident = await ctx.incidents.get(id);
  const adapter = incident && ctx.adapter(incident.channel.platform);
  if (!incident?.channel.message || !adapter) return;
  await adapter.editNotice({ platform: incident.channel.platform, channel: incident.channel.channel, id: incident.channel.message }, noticeText(incident));
}

export function takeAlerts(ctx: IntakeContext, alerts: Alert[], by: 'alertmanager' | 'grafana'): Promise<void> {
  return inSpan('rca.alerts', { 'rca.sender': by, 'rca.alerts': alerts.length }, async () => {
    log.info({ sender: by, firing: alerts.filter((a) => a.status === 'firing').length, resolved: alerts.filter((a) => a.status !== 'firing').length }, 'alerts received');
    for (const a of alerts) {
      if (a.status === 'firing') {
        await fire(ctx, a, by);
        continue;
      }
      const id = await ctx.incidents.forAlert(a.fingerprint, a.startsAt);
      if (id) await resolveIncident(ctx, id, by, a.endsAt);
    }
  });
}
