// The /rca command grammar, one parser for every surface (Slack slash
// command, Feishu mention or slash command, the console). Text in, a
// Command or a short message saying what is wrong and what would work.

import { closeNames, type Registry } from '../src/config/registry.js';
import { err, ok, type Result } from '../src/errors.js';

export const profileNames = ['cpu', 'heap', 'block', 'mutex', 'goroutine'] as const;
export type ProfileName = (typeof profileNames)[number];

export type Command =
  | { kind: 'diagnose'; service: string; seconds?: number; profiles?: ProfileName[] }
  | { kind: 'status'; job?: string }
  | { kind: 'services' }
  | { kind: 'ack' | 'resolve'; incident: string }
  | { kind: 'digest'; days: number; service?: string }
  | { kind: 'help' };

export const MAX_SECONDS = 300;

export const helpText = [
  '`/rca <service> [<seconds>s] [cpu,heap,block,mutex,goroutine]` diagnose a service (default: its registry window, every profile)',
  '`/rca status [<job>]` the diagnoses running now, or where one is',
  '`/rca services` the services you can diagnose',
  '`/rca digest [7d|30d|90d] [service]` time to resolve by week, service and cause, as a chart',
  '`/rca ack <incident>`, `/rca resolve <incident>` acknowledge or resolve an alert\'s incident (its id is on the alert)',
  '`/rca help` this text',
].join('\n');

/** Strips what surrounds the command: a leading "/rca", Feishu's "@_user_1" mention keys, extra spaces. */
export function commandText(raw: string): string {
  return raw
    .replace(/@_user_\d+|@_all/g, ' ')
    .replace(/<at[^>]*>.*?<\/at>/g, ' ')
    .trim()
    .replace(/^\/rca\b/i, '')
    .trim()
    .replace(/\s+/g, ' ');
}

function duration(word: string): Result<number> | undefined {
  const m = /^(\d+(?:\.\d+)?)(s|sec|secs|seconds|m|min|mins|minutes)?$/i.exec(word);
  if (!m) return /^\d/.test(word) ? err(`"${word}" is not a duration; use seconds like 30s (1 to ${MAX_SECONDS})`) : undefined;
  const seconds = Number(m[1]) * (/^m/i.test(m[2] ?? 's') ? 60 : 1);
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_SECONDS) return err(`${word} is out of range; use 1s to ${MAX_SECONDS}s`);
  return ok(seconds);
}

function profiles(word: string): Result<ProfileName[]> | undefined {
  const parts = word.toLowerCase().split(',').filter(Boolean);
  if (!parts.some((p) => (profileNames as readonly string[]).includes(p)) && !word.includes(',')) return undefined;
  const bad = parts.filter((p) => !(profileNames as readonly string[]).includes(p));
  if (bad.length > 0) return err(`unknown profile ${bad.map((b) => `"${b}"`).join(', ')}; choose from ${profileNames.join(', ')}`);
  return ok([...new Set(parts)] as ProfileName[]);
}

export function parseCommand(raw: string): Result<Command> {
  const words = commandText(raw).split(' ').filter(Boolean);
  const [first, ...rest] = words;
  if (!first || first === 'help' || first === '-h' || first === '--help') return ok({ kind: 'help' });
  if (first === 'services') return rest.length ? err('`/rca services` takes nothing more') : ok({ kind: 'services' });
  if (first === 'status') {
    if (rest.length > 1) return err('usage: `/rca status [<job>]`');
    return ok(rest[0] ? { kind: 'status', job: rest[0] } : { kind: 'status' });
  }
  if (first === 'digest') {
    const [period, service, extra] = /^\d+d$/.test(rest[0] ?? '') ? rest : ['7d', ...rest];
    if (extra !== undefined || !['7d', '30d', '90d'].includes(period)) return err('usage: `/rca digest [7d|30d|90d] [service]`');
    return ok({ kind: 'digest', days: Number(period.slice(0, -1)), ...(service ? { service: service.toLowerCase() } : {}) });
  }
  if (first === 'ack' || first === 'resolve') {
    if (rest.length !== 1 || !/^inc-[0-9a-f]+$/.test(rest[0])) return err(`usage: \`/rca ${first} <incident>\` with the id on the alert, like inc-3f2a9c01d4e5`);
    return ok({ kind: first, incident: rest[0] });
  }
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(first)) return err(`"${first}" is not a service name; try \`/rca services\``);
  const cmd: Extract<Command, { kind: 'diagnose' }> = { kind: 'diagnose', service: first.toLowerCase() };
  for (const word of rest) {
    const d = duration(word);
    if (d && !d.ok) return d;
    if (d?.ok) {
      if (cmd.seconds !== undefined) return err('give one duration');
      cmd.seconds = d.value;
      continue;
    }
    const p = profiles(word);
    if (p && !p.ok) return p;
    if (p?.ok) {
      cmd.profiles = [...(cmd.profiles ?? []), ...p.value];
      continue;
    }
    return err(`did not understand "${word}"; usage: \`/rca <service> [<seconds>s] [cpu,heap,block,mutex,goroutine]\``);
  }
  return ok(cmd);
}

/** Checks a diagnose command against the registry: an unknown service gets the close names. */
export function checkService(cmd: Command, registry: Registry): Result<Command> {
  if (cmd.kind !== 'diagnose' || registry.services[cmd.service]) return ok(cmd);
  const close = closeNames(registry, cmd.service);
  const known = Object.keys(registry.services);
  if (close.length) return err(`unknown service "${cmd.service}"; did you mean ${close.map((c) => `\`${c}\``).join(', ')}?`);
  return err(`unknown service "${cmd.service}"; known services: ${known.length ? known.map((c) => `\`${c}\``).join(', ') : 'none yet (add them to the registry)'}`);
}
