// What the bot does with a command or a button press, whichever surface it
// came from: parse, check against the registry, start or join a diagnosis,
// or answer in a line.
import { randomBytes } from 'node:crypto';
import type { ChatAdapter, Inbox, IncomingAction, IncomingCommand, Platform, Status } from '../src/chat/adapter.js';
import type { Registry } from '../src/config/registry.js';
import type { Digests } from '../src/queue/digests.js';
import type { Pipeline } from '../src/queue/pipeline.js';
import { lenient, refresh, resolveIncident } from '../src/incidents/intake.js';
import type { IncidentStore } from '../src/incidents/store.js';
import { targetOf } from '../src/rca/diagnose.js';
import { checkService, helpText, parseCommand, type PastWindow } from './grammar.js';
import { notAllowed, type RateLimiter } from './limits.js';
import { inSpan } from '../src/telemetry/spans.js';
import { log } from '../src/telemetry/log.js';

export interface BotContext {
  registry: Registry;
  pipeline: Pipeline;
  adapter(platform: Platform): ChatAdapter;
  /** Rate limits; none when absent. */
  limiter?: RateLimiter;
  /** Incidents opened by alerts; ack and resolve need them. */
  incidents?: IncidentStore;
  /** Where /rca digest goes. */
  digests?: Digests;
}

async function diagnose(ctx: BotContext, c: { platform: Platform; channel: string; user: string; key: string; thread?: string }, service: string, seconds?: number, past?: PastWindow) {
  const cfg = ctx.registry.services[service];
  const refused = notAllowed(service, cfg, c.channel, c.user) ?? (await ctx.limiter?.take(c.platform, c.user, service));
  if (refused) {
    await ctx.adapter(c.platform).reply(c.channel, `⚠️ ${refused}`, c.thread);
    return undefined;
  }
  const window = past ? Math.round((past.end - past.start) / 1000) : (seconds ?? cfg.seconds);
  const submitted = await ctx.pipeline.submit({
    target: targetOf(service, cfg),
    seconds: window,
    requester: { platform: c.platform, channel: c.channel, user: c.user, thread: c.thread },
    key: c.key,
    ...(past ? { past: { ...past, only: true } } : {}),
  });
  // A diagnosis someone asked for is an incident too, resolved with its Mark resolved button; a look at the past is not.
  if (ctx.incidents && !past && !submitted.joined && !submitted.duplicate) {
    const id = `inc-${randomBytes(6).toString('hex')}`;
    await ctx.incidents.create({ id, service, title: `/rca ${service}`, channel: { platform: c.platform, channel: c.channel } }, { type: 'detected', at: new Date().toISOString(), by: 'command' });
    await ctx.incidents.link(submitted.job, id);
  }
  return submitted;
}

const describe = (s: Status) => `${s.service} is ${s.stage}${s.detail ? ` (${s.detail})` : ''}`;

async function oneStatus(ctx: BotContext, job: string): Promise<string> {
  const status = await ctx.pipeline.state.status(job);
  return status ? `\`${job}\`: ${describe(status)}` : `No diagnosis \`${job}\` is known (they are kept for a day).`;
}

async function allRunning(ctx: BotContext): Promise<string> {
  const running = await ctx.pipeline.state.running();
  if (running.length === 0) return 'Nothing is being diagnosed right now.';
  const now = Date.now();
  const age = (s: Status) => (s.since ? `, asked ${Math.max(0, Math.round((now - Date.parse(s.since)) / 1000))} s ago` : '');
  return [`Running now (${running.length}):`, ...running.map((s) => `• \`${s.job}\`: ${describe(s)}, a ${s.seconds} s window${age(s)}`)].join('\n');
}

async function moveIncident(ctx: BotContext, kind: 'ack' | 'resolve', id: string, user: string): Promise<string> {
  const store = ctx.incidents;
  if (!store || !(await store.get(id))) return `⚠️ No incident \`${id}\` is known.`;
  const at = new Date().toISOString();
  if (kind === 'resolve')
    return (await resolveIncident({ incidents: store, adapter: lenient(ctx.adapter) }, id, user, at)) ? `✔️ ${id} resolved by ${user}.` : `${id} was resolved already.`;
  if (!(await store.append(id, { type: 'acknowledged', at, by: user }))) return `${id} was acknowledged already.`;
  await refresh({ incidents: store, adapter: lenient(ctx.adapter) }, id);
  return `👀 ${id} acknowledged by ${user}.`;
}

export function createInbox(ctx: BotContext): Inbox {
  const inbox = handlers(ctx);
  // Each command or press is a span: the root of a diagnosis's trace, under the request that carried it.
  return {
    command: (c) =>
      inSpan('rca.command', { 'rca.platform': c.platform, 'rca.command': c.text.trim().slice(0, 120) }, () => {
        log.info({ platform: c.platform, channel: c.channel, user: c.user, text: c.text.trim().slice(0, 120) }, 'command');
        return inbox.command(c);
      }),
    action: (a) => inSpan('rca.action', { 'rca.platform': a.platform, 'rca.action': a.action, 'rca.service': a.service }, () => inbox.action(a)),
  };
}

function handlers(ctx: BotContext): Inbox {
  return {
    async command(c: IncomingCommand) {
      const adapter = ctx.adapter(c.platform);
      const parsed = parseCommand(c.text);
      const cmd = parsed.ok ? checkService(parsed.value, ctx.registry) : parsed;
      if (!cmd.ok) {
        await adapter.reply(c.channel, `⚠️ ${cmd.error}`, c.thread);
        return;
      }
      const command = cmd.value;
      switch (command.kind) {
        case 'help':
          await adapter.reply(c.channel, helpText, c.thread);
          return;
        case 'services': {
          const names = Object.entries(ctx.registry.services).map(([name, s]) => `• \`${name}\` ${s.pprof} (${s.seconds} s)`);
          await adapter.reply(c.channel, names.length ? names.join('\n') : 'No services yet: add them to the registry.', c.thread);
          return;
        }
        case 'status': {
          const text = command.job ? await oneStatus(ctx, command.job) : await allRunning(ctx);
          await adapter.reply(c.channel, text, c.thread);
          return;
        }
        case 'diagnose':
          await diagnose(ctx, c, command.service, command.seconds, command.past);
          return;
        case 'digest':
          if (!ctx.digests) await adapter.reply(c.channel, '⚠️ Digests are not set up here.', c.thread);
          else await ctx.digests.request({ platform: c.platform, channel: c.channel, thread: c.thread, days: command.days, service: command.service }, `${c.platform}:${c.key}`);
          return;
        case 'ack':
        case 'resolve':
          await adapter.reply(c.channel, await moveIncident(ctx, command.kind, command.incident, c.user), c.thread);
          return;
      }
    },

    async action(a: IncomingAction) {
      const adapter = ctx.adapter(a.platform);
      const cfg = ctx.registry.services[a.service];
      if (!cfg) {
        await adapter.reply(a.channel, `⚠️ ${a.service} is no longer in the registry.`, a.thread);
        return;
      }
      const refused = notAllowed(a.service, cfg, a.channel, a.user);
      if (refused) {
        await adapter.reply(a.channel, `⚠️ ${refused}`, a.thread);
        return;
      }
      switch (a.action) {
        case 'rerun':
          // A new diagnosis gets its own root message in the channel.
          await diagnose(ctx, { ...a, thread: undefined }, a.service);
          return;
        case 'compare': {
          const started = await ctx.pipeline.compare({ job: a.job, service: a.service, requester: { platform: a.platform, channel: a.channel, user: a.user, thread: a.thread }, key: a.key });
          if (!started.ok) await adapter.reply(a.channel, `⚠️ No comparison: ${started.error}`, a.thread);
          return;
        }
        case 'resolve': {
          const incidents = ctx.incidents ? await ctx.incidents.byJob(a.job) : [];
          for (const id of incidents) await resolveIncident({ incidents: ctx.incidents as IncidentStore, adapter: lenient(ctx.adapter) }, id, a.user);
          await adapter.reply(a.channel, `✔️ Marked resolved by ${a.user}${incidents.length ? ` (${incidents.join(', ')})` : ''}.`, a.thread);
          return;
        }
      }
    },
  };
}
