// `rca-bot doctor`'s checks, which the bot also runs and logs at start: the
// environment, the registry, Redis, each service's pprof endpoint, probes and
// sources, and the chat platforms' credentials. Each is one line, with what
// to do when it fails; none throws.
import { existsSync, accessSync, constants } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';
import type { Result } from '../errors.js';
import { client, describeTarget, redisTargetOf, type RedisTarget } from '../server/redis.js';
import { requiredScopes } from '../chat/slack/app.js';
import { slackClient } from '../chat/slack/adapter.js';
import { createClient } from '../chat/feishu/adapter.js';
import { readEnv, type Env } from '../config/env.js';
import { loadRegistry, type Registry, type ProfilesConfig, type ScrapeConfig, type ServiceConfig } from '../config/registry.js';
import { get } from '../sources/http.js';
import { scrapeOnce } from '../sources/metrics/scrape.js';
import { queries as pastQueries } from '../sources/profiles/index.js';
import { parseProfile } from '../profile/pprof.js';

export type Level = 'ok' | 'warn' | 'fail';

export interface Check {
  what: string;
  level: Level;
  detail: string;
  /** What to do about it, when it is not ok. */
  fix?: string;
}

const ok = (what: string, detail: string): Check => ({ what, level: 'ok', detail });
const warn = (what: string, detail: string, fix: string): Check => ({ what, level: 'warn', detail, fix });
const fail = (what: string, detail: string, fix: string): Check => ({ what, level: 'fail', detail, fix });
const message = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export interface Options {
  timeoutMs?: number;
}

export async function runChecks(source: NodeJS.ProcessEnv, options: Options = {}): Promise<Check[]> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const parsed = readEnv(source);
  if (!parsed.ok) return [fail('environment', parsed.error, 'fix the variable (see .env.example)')];
  const env = parsed.value;
  const out: Check[] = [environment(env)];
  // A half-made chat set-up is already named; its API is not called.
  const chats = out[0].level === 'ok';
  const registry = registryCheck(env, source);
  out.push(registry.check);
  const services = Object.entries(registry.value?.services ?? {});
  const [redisCheck, slack, feishu, ...perService] = await Promise.all([
    redis(redisTargetOf(env), timeoutMs),
    chats && env.SLACK_BOT_TOKEN ? slackCheck(env, timeoutMs) : undefined,
    chats && env.FEISHU_APP_ID && env.FEISHU_APP_SECRET ? feishuCheck(env, timeoutMs) : undefined,
    ...services.map(([name, s]) => serviceChecks(name, s, timeoutMs)),
  ]);
  out.push(redisCheck);
  out.push(...perService.flat());
  if (slack) out.push(slack);
  if (feishu) out.push(feishu);
  return out;
}

function environment(env: Env): Check {
  const slack = Boolean(env.SLACK_BOT_TOKEN || env.SLACK_SIGNING_SECRET || env.SLACK_APP_TOKEN);
  if (slack && !env.SLACK_BOT_TOKEN) return fail('environment', 'Slack is half set up: SLACK_BOT_TOKEN is unset', 'set SLACK_BOT_TOKEN (OAuth & Permissions → Bot User OAuth Token)');
  if (slack && !env.SLACK_SIGNING_SECRET && !env.SLACK_APP_TOKEN)
    return fail('environment', 'Slack needs SLACK_SIGNING_SECRET (events over HTTP) or SLACK_APP_TOKEN (Socket Mode)', 'set one of them (Basic Information in the Slack app)');
  const feishu = Boolean(env.FEISHU_APP_ID || env.FEISHU_APP_SECRET);
  if (feishu && !(env.FEISHU_APP_ID && env.FEISHU_APP_SECRET)) return fail('environment', 'Feishu needs both FEISHU_APP_ID and FEISHU_APP_SECRET', 'set both (Credentials & Basic Info)');
  const chats = ['console', ...(slack ? [`Slack (${env.SLACK_APP_TOKEN ? 'Socket Mode' : 'HTTP'})`] : []), ...(feishu ? [`Feishu (${env.FEISHU_VERIFICATION_TOKEN ? 'webhook' : 'long connection'})`] : [])];
  return ok('environment', `chat: ${chats.join(', ')}; port ${env.PORT}`);
}

function registryCheck(env: Env, source: NodeJS.ProcessEnv): { check: Check; value?: Registry } {
  if (!existsSync(env.RCA_CONFIG) && !source.RCA_CONFIG)
    return { check: warn('registry', `no ${env.RCA_CONFIG}: serve diagnoses its demo service`, `write ${env.RCA_CONFIG} with your services (see the README)`) };
  const r = loadRegistry(env.RCA_CONFIG);
  if (!r.ok) return { check: fail('registry', r.error, `fix ${env.RCA_CONFIG}`) };
  const n = Object.keys(r.value.services).length;
  return { check: ok('registry', `${env.RCA_CONFIG}: ${n} service${n === 1 ? '' : 's'}`), value: r.value };
}

/** A Redis URL without what could be a secret (a password before @, or ?password=). */
function shownUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return 'REDIS_URL';
  }
}

/** `p`, or a rejection naming what took too long. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, no) => (timer = setTimeout(() => no(new Error(`no answer within ${ms / 1000} s from ${what}`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

async function redis(target: Result<RedisTarget>, timeoutMs: number): Promise<Check> {
  if (!target.ok) return fail('redis', target.error, 'fix REDIS_SENTINELS or REDIS_CLUSTER_NODES');
  const t = target.value;
  const shown = typeof t === 'string' ? shownUrl(t) : describeTarget(t);
  let c: Redis | undefined;
  // connect() only says "Connection is closed."; the error event says why.
  let cause: unknown;
  try {
    c = client(t, { lazyConnect: true, connectTimeout: timeoutMs, commandTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    c.on('error', (e) => (cause = e));
    const r = c;
    const info = await within(timeoutMs, shown, r.connect().then(() => r.info()));
    const field = (k: string) => new RegExp(`^${k}:(.*)$`, 'm').exec(info)?.[1]?.trim();
    const [version, aof, policy] = [field('redis_version'), field('aof_enabled'), field('maxmemory_policy')];
    const where = typeof t === 'string' ? shown : `${shown}; ${await topology(r, t)}`;
    const detail = `${version ?? '?'} at ${where}, AOF ${aof === '1' ? 'on' : 'off'}, maxmemory-policy ${policy ?? '?'}`;
    if (policy && policy !== 'noeviction') return warn('redis', detail, 'set maxmemory-policy noeviction: BullMQ loses jobs when Redis evicts keys');
    if (aof !== '1') return warn('redis', detail, 'turn on appendonly yes, so queued and running diagnoses survive a Redis restart');
    return ok('redis', detail);
  } catch (e) {
    return fail('redis', `${shown}: ${message(cause ?? e)}`, typeof t === 'string' ? 'start Redis or fix REDIS_URL' : 'start Redis or fix REDIS_SENTINELS / REDIS_CLUSTER_NODES');
  } finally {
    c?.disconnect();
  }
}

/** What a Sentinel or Cluster set-up looks like from here: the primary found, or the masters and the cluster's state. */
async function topology(r: Redis, t: Exclude<RedisTarget, string>): Promise<string> {
  if ('sentinels' in t) {
    const role = (await r.call('ROLE')) as [string, ...unknown[]];
    return `primary at ${r.stream?.remoteAddress ?? '?'}:${r.stream?.remotePort ?? '?'} (${role[0]})`;
  }
  const cluster = r as unknown as Cluster;
  const state = /cluster_state:(\w+)/.exec(String(await cluster.cluster('INFO')))?.[1] ?? '?';
  return `${cluster.nodes('master').length} masters, cluster_state ${state}`;
}

async function serviceChecks(name: string, s: ServiceConfig, timeoutMs: number): Promise<Check[]> {
  return Promise.all([pprof(name, s.pprof, timeoutMs), ...s.probes.map((p) => probe(name, p.name, p.url, timeoutMs)), ...sources(name, s, timeoutMs)]);
}

const indexRow = /<td>(\d+)<\/td><td><a href=['"]?(\w+)\?debug=1/g;

async function pprof(service: string, base: string, timeoutMs: number): Promise<Check> {
  const what = `${service} pprof`;
  const url = `${base.replace(/\/$/, '')}/debug/pprof/`;
  const index = await get(url, { timeoutMs, maxBytes: 1 << 20 });
  if (!index.ok) return fail(what, `GET ${url}: ${index.error}`, `start the service, or fix services.${service}.pprof`);
  const rows = [...index.value.body.toString('utf8').matchAll(indexRow)].map((m) => ({ name: m[2], count: Number(m[1]) }));
  if (index.value.status !== 200 || rows.length === 0) {
    // Not Go's net/http/pprof index (a Node service, say): at least the heap profile must answer.
    const heap = await get(`${base.replace(/\/$/, '')}/debug/pprof/heap`, { timeoutMs, maxBytes: 64 << 20 });
    if (heap.ok && heap.value.status === 200) return ok(what, `${base} serves heap (no pprof index page)`);
    return fail(what, `GET ${url}: HTTP ${index.value.status}, and no heap profile either`, `serve net/http/pprof at ${base}/debug/pprof/`);
  }
  const served = rows.map((r) => r.name).filter((n) => !['cmdline', 'symbol', 'threadcreate'].includes(n));
  const off = rows.filter((r) => (r.name === 'block' || r.name === 'mutex') && r.count === 0).map((r) => r.name);
  const detail = `${base} serves ${served.join(', ')}`;
  if (off.length > 0)
    return warn(what, `${detail}; no ${off.join(' or ')} events recorded yet`, `if that is not just a quiet service, turn the profiling on: ${off.map((o) => (o === 'block' ? 'runtime.SetBlockProfileRate' : 'runtime.SetMutexProfileFraction')).join(' and ')}`);
  return ok(what, detail);
}

async function probe(service: string, name: string, url: string, timeoutMs: number): Promise<Check> {
  const what = `${service} probe ${name}`;
  const r = await get(url, { timeoutMs, maxBytes: 1 << 20 });
  if (!r.ok) return fail(what, `GET ${url}: ${r.error}`, `fix services.${service}.probes (${name}) or start what it asks`);
  return ok(what, `GET ${url}: HTTP ${r.value.status}`);
}

async function scraped(service: string, cfg: ScrapeConfig): Promise<Check> {
  const what = `${service} metrics (scrape)`;
  const r = await scrapeOnce(cfg);
  if (!r.ok) return fail(what, r.error, `fix services.${service}.metrics.url`);
  const missing = r.value.filter((q) => q.value === undefined).map((q) => q.query);
  if (missing.length) return fail(what, `${cfg.url} has no sample for ${missing.join(', ')}`, `fix the metric or labels of services.${service}.metrics.queries`);
  return ok(what, `${cfg.url}: ${r.value.map((q) => `${q.query} ${q.counter ? 'counter' : 'gauge'}`).join(', ')}`);
}

function sources(service: string, s: ServiceConfig, timeoutMs: number): Promise<Check>[] {
  const reach = async (what: string, url: string, fix: string) => {
    const r = await get(url, { timeoutMs, maxBytes: 1 << 20 });
    if (!r.ok) return fail(what, `GET ${url}: ${r.error}`, fix);
    if (r.value.status >= 400) return fail(what, `GET ${url}: HTTP ${r.value.status}`, fix);
    return ok(what, `GET ${url}: HTTP ${r.value.status}`);
  };
  const out: Promise<Check>[] = [];
  const base = (u: string) => u.replace(/\/$/, '');
  if (s.traces) {
    const path = { jaeger: '/api/v3/services', tempo: '/ready', zipkin: '/api/v2/services' }[s.traces.type];
    out.push(reach(`${service} traces (${s.traces.type})`, base(s.traces.url) + path, `fix services.${service}.traces.url`));
  }
  if (s.metrics?.type === 'prometheus') out.push(reach(`${service} metrics (prometheus)`, `${base(s.metrics.url)}/api/v1/status/buildinfo`, `fix services.${service}.metrics.url`));
  if (s.metrics?.type === 'scrape') out.push(scraped(service, s.metrics));
  if (s.logs?.type === 'loki') out.push(reach(`${service} logs (loki)`, `${base(s.logs.url)}/ready`, `fix services.${service}.logs.url`));
  if (s.logs?.type === 'file') out.push(readable(service, s.logs.path));
  if (s.profiles) out.push(profiler(service, s.profiles, timeoutMs));
  return out;
}

/** The profiler answers a query of the service's last five minutes of CPU, and holds some. */
async function profiler(service: string, cfg: ProfilesConfig, timeoutMs: number): Promise<Check> {
  const what = `${service} profiles (${cfg.type})`;
  const end = Date.now();
  const r = await pastQueries[cfg.type](cfg, 'cpu', { start: end - 5 * 60_000, end }, { timeoutMs: timeoutMs * 4, maxBytes: 64 << 20 });
  if (!r.ok) return fail(what, r.error, `fix services.${service}.profiles (url, selector)`);
  const p = parseProfile(r.value);
  const samples = p.ok ? p.value.samples.count : 0;
  if (samples === 0) return warn(what, `${cfg.url} holds no cpu profile of ${cfg.selector} in the last 5 minutes`, `check services.${service}.profiles.selector against the labels the profiler gives it`);
  return ok(what, `${cfg.url}: ${samples} cpu samples of ${cfg.selector} in the last 5 minutes`);
}

async function readable(service: string, path: string): Promise<Check> {
  try {
    accessSync(path, constants.R_OK);
    return ok(`${service} logs (file)`, `${path} is readable`);
  } catch (e) {
    return fail(`${service} logs (file)`, `${path}: ${(e as NodeJS.ErrnoException).code ?? message(e)}`, `fix services.${service}.logs.path, or let the bot read it`);
  }
}

async function slackCheck(env: Env, timeoutMs: number): Promise<Check> {
  try {
    const r = await within(timeoutMs * 4, 'Slack', slackClient(env).auth.test());
    const scopes = r.response_metadata?.scopes ?? [];
    const missing = requiredScopes.filter((s) => !scopes.includes(s));
    const detail = `auth.test: team ${r.team ?? r.team_id}, bot user ${r.user ?? r.user_id}`;
    if (scopes.length > 0 && missing.length > 0) return fail('slack', `${detail}; the token lacks ${missing.join(', ')}`, 'add the scopes (slack-app-manifest.yaml has them) and reinstall the app');
    return ok('slack', `${detail}${scopes.length ? `; scopes ${requiredScopes.join(', ')}` : ''}`);
  } catch (e) {
    return fail('slack', `auth.test: ${message(e)}`, 'check SLACK_BOT_TOKEN (xoxb-…) and SLACK_API_URL');
  }
}

async function feishuCheck(env: Env, timeoutMs: number): Promise<Check> {
  try {
    // The SDK fetches the tenant token first: wrong credentials fail there.
    const r = (await within(timeoutMs, 'the Feishu open platform', createClient(env).request({ method: 'GET', url: '/open-apis/bot/v3/info' }))) as { code?: number; msg?: string; bot?: { app_name?: string; open_id?: string; activate_status?: number } };
    if (r.code !== 0 || !r.bot) return fail('feishu', `bot info: ${r.msg ?? `code ${r.code}`}`, 'add the Bot feature to the app and publish a version');
    return ok('feishu', `tenant token and bot info: ${r.bot.app_name ?? '?'} (${r.bot.open_id ?? '?'})`);
  } catch (e) {
    return fail('feishu', `tenant token or bot info: ${message(e)}`, 'check FEISHU_APP_ID, FEISHU_APP_SECRET and FEISHU_DOMAIN');
  }
}

const marks: Record<Level, string> = { ok: '✓', warn: '!', fail: '✗' };

/** One line per check, and under a failed or doubtful one, what to do. */
export function formatChecks(checks: Check[]): string {
  return checks.map((c) => `${marks[c.level]} ${c.what}: ${c.detail}${c.fix ? `\n    → ${c.fix}` : ''}`).join('\n');
}
