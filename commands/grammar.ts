// The /rca command grammar, one parser for every surface (Slack slash
// command, Feishu mention or slash command, the console). Text in, a
// Command or a short message saying what is wrong and what would work.

import { closeNames, type Registry } from '../src/config/registry.js';
import { err, ok, type Result } from '../src/errors.js';

export const profileNames = ['cpu', 'heap', 'block', 'mutex', 'goroutine'] as const;
export type ProfileName = (typeof profileNames)[number];

export type Command =
  | { kind: 'diagnose'; service: string; seconds?: number; profiles?: ProfileName[]; past?: PastWindow }
  | { kind: 'status'; job?: string }
  | { kind: 'services' }
  | { kind: 'ack' | 'resolve'; incident: string }
  | { kind: 'digest'; days: number; service?: string }
  | { kind: 'help' };

export const MAX_SECONDS = 300;

/** A past window, ms since the epoch: read from the service's continuous profiler. */
export interface PastWindow {
  start: number;
  end: number;
}

/** How far back `--since` and `--at` may reach, and the minutes either side of an `--at` time by default. */
export const MAX_PAST_SECONDS = 7 * 86400;
export const AT_HALF_SECONDS = 5 * 60;

export const helpText = [
  '`/rca <service> [<seconds>s] [cpu,heap,block,mutex,goroutine]` diagnose a service (default: its registry window, every profile)',
  '`/rca <service> --at 14:05 [10m]` or `--since 30m` diagnose a past window from its continuous profiler: the minutes around a time (UTC unless it says, e.g. 14:05+08:00), or up to now',
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

const timeHelp = 'use 14:05 (UTC), 14:05+08:00 or 2026-12-06T14:05Z';

/** When `--at` means, ms since the epoch: a clock time today (yesterday when that is still to come) or a date and time; UTC unless it says. */
export function atTime(word: string, now: Date): Result<number> {
  const offset = (o: string | undefined) => (o === undefined || o === 'Z' ? 'Z' : o.length === 5 ? `${o.slice(0, 3)}:${o.slice(3)}` : o);
  const clock = /^(\d{1,2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?$/i.exec(word);
  let t: number;
  if (clock) {
    const [, h, m, sec, o] = clock;
    if (Number(h) > 23 || Number(m) > 59 || Number(sec ?? 0) > 59) return err(`"${word}" is not a time of day; ${timeHelp}`);
    const day = now.toISOString().slice(0, 10);
    t = Date.parse(`${day}T${h.padStart(2, '0')}:${m}:${sec ?? '00'}${offset(o?.toUpperCase())}`);
    // 23:50 asked at 00:10 is yesterday's; a time zone can move it either way by a day.
    if (Number.isNaN(t)) return err(`"${word}" is not a time; ${timeHelp}`);
    for (let i = 0; i < 2 && t > now.getTime() + 60_000; i++) t -= 86_400_000;
    if (t < now.getTime() - 86_400_000) t += 86_400_000;
  } else {
    const full = /^(\d{4}-\d{2}-\d{2})[T_](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(word);
    if (!full) return err(`"${word}" is not a time; ${timeHelp}`);
    t = Date.parse(`${full[1]}T${full[2]}${offset(full[3]?.toUpperCase())}`);
    if (Number.isNaN(t)) return err(`"${word}" is not a time; ${timeHelp}`);
  }
  if (t > now.getTime() + 60_000) return err(`${word} is still to come; --at reads the past`);
  if (t < now.getTime() - MAX_PAST_SECONDS * 1000) return err(`${word} is more than 7 days ago`);
  // A minute ahead is a clock a little fast: now.
  return ok(Math.min(t, now.getTime()));
}

/** `--since 30m`: that long up to now. */
export function sinceSeconds(word: string): Result<number> {
  const m = /^(\d+)(s|m|min|h|d)$/i.exec(word);
  if (!m) return err(`"${word}" is not a duration; use --since 30m, 2h or 1d`);
  const seconds = Number(m[1]) * ({ s: 1, m: 60, min: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2].toLowerCase()];
  if (seconds < 60 || seconds > MAX_PAST_SECONDS) return err(`--since ${word} is out of range; use 1m to 7d`);
  return ok(seconds);
}

/** The window of `width` seconds around `at`; near now, the `width` up to now, so that it is never shorter. */
export function aroundAt(at: number, width: number, now: Date): PastWindow {
  const end = Math.min(now.getTime(), at + (width / 2) * 1000);
  return { start: Math.min(at - (width / 2) * 1000, end - width * 1000), end };
}

/** The width of an `--at` window: 10 s to 6 h. */
export function atWidth(word: string): Result<number> {
  const m = /^(\d+)(s|m|min|h)$/i.exec(word);
  const seconds = m ? Number(m[1]) * ({ s: 1, m: 60, min: 60, h: 3600 } as Record<string, number>)[m[2].toLowerCase()] : NaN;
  if (!(seconds >= 10 && seconds <= 6 * 3600)) return err(`${word} is no window to read around --at; use 10s to 6h`);
  return ok(seconds);
}

/** `--at T [width]` and `--since D` (or `--at=T`), taken out of the words: the past window, or what is wrong. */
function pastWindow(words: string[], now: Date): Result<{ past?: PastWindow; rest: string[] }> {
  const rest: string[] = [];
  let past: PastWindow | undefined;
  let at: number | undefined;
  for (let i = 0; i < words.length; i++) {
    // A phone's keyboard turns -- into a dash.
    const [flag, inline] = words[i].replace(/^[—–]/, '--').split('=', 2) as [string, string | undefined];
    if (flag !== '--at' && flag !== '--since') {
      if (/^--/.test(words[i])) return err(`unknown option "${words[i]}"; the options are --at <time> and --since <duration>`);
      rest.push(words[i]);
      continue;
    }
    const value = inline ?? words[++i];
    if (!value) return err(`${flag} needs a value: ${flag === '--at' ? '--at 14:05' : '--since 30m'}`);
    if (past || at !== undefined) return err('give one of --at and --since, once');
    const end = now.getTime();
    if (flag === '--since') {
      const d = sinceSeconds(value);
      if (!d.ok) return d;
      past = { start: end - d.value * 1000, end };
    } else {
      const t = atTime(value, now);
      if (!t.ok) return t;
      at = t.value;
    }
  }
  if (at !== undefined) {
    // `--at 14:05 2m`: the two minutes around 14:05; ten by default.
    const i = rest.findIndex((w) => /^\d+(?:s|m|min|h)$/i.test(w));
    const width = i < 0 ? ok(2 * AT_HALF_SECONDS) : atWidth(rest[i]);
    if (!width.ok) return width;
    if (i >= 0) rest.splice(i, 1);
    past = aroundAt(at, width.value, now);
  }
  return ok({ rest, ...(past ? { past } : {}) });
}

export function parseCommand(raw: string, now = new Date()): Result<Command> {
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
  const when = pastWindow(rest, now);
  if (!when.ok) return when;
  if (when.value.past) cmd.past = when.value.past;
  for (const word of when.value.rest) {
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
    return err(`did not understand "${word}"; usage: \`/rca <service> [<seconds>s] [cpu,heap,block,mutex,goroutine]\` or \`/rca <service> --at 14:05\``);
  }
  if (cmd.past && (cmd.seconds !== undefined || cmd.profiles)) return err('--at and --since read the profiler\'s window: give no capture duration or profile list with them (--at takes a width: --at 14:05 2m)');
  return ok(cmd);
}

/** Checks a diagnose command against the registry: an unknown service gets the close names. */
export function checkService(cmd: Command, registry: Registry): Result<Command> {
  if (cmd.kind !== 'diagnose') return ok(cmd);
  const cfg = registry.services[cmd.service];
  if (cfg && cmd.past && !cfg.profiles)
    return err(`${cmd.service} has no continuous profiler in the registry: --at and --since read its past from one (add \`profiles: {type: parca, url: …, selector: '{job="${cmd.service}"}'}\` or Pyroscope)`);
  if (cfg) return ok(cmd);
  const close = closeNames(registry, cmd.service);
  const known = Object.keys(registry.services);
  if (close.length) return err(`unknown service "${cmd.service}"; did you mean ${close.map((c) => `\`${c}\``).join(', ')}?`);
  return err(`unknown service "${cmd.service}"; known services: ${known.length ? known.map((c) => `\`${c}\``).join(', ') : 'none yet (add them to the registry)'}`);
}
