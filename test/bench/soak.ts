// npm run bench -- soak [--minutes=10]: the bot at many services for a while, loopback only.
// 200 services in the registry, served by a handful of Go target processes; the bot (without
// workers) and 4 `rca-bot worker` processes on one Redis; a steady stream of signed /rca commands
// (each from its own channel) and Alertmanager posts. Printed per minute: the ack p50 and p99, the
// diagnoses completed, each process's RSS, the deepest queue; at the end, whether every command
// was answered and every report posted exactly once, and whether each goal held.
import { createHmac } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { ensureRedis } from '../../src/server/redis.js';
import { queues } from '../../src/queue/pipeline.js';
import { FakeSlack } from '../helpers/slack-fake.js';
import { buildTarget } from '../helpers/go.js';

const SECRET = 'soak-secret';
const TOKEN = 'soak-alerts';
const SERVICES = 200;
const TARGETS = 5;
const WORKERS = 4;
/** Commands and alerts a second: far above any team's, well within what 8 captures at a time drain. */
const COMMANDS_PER_S = 2;
const ALERTS_PER_S = 0.2;

export interface SoakResult {
  minutes: number;
  commands: number;
  alerts: number;
  answered: boolean;
  exactlyOnce: boolean;
  ackP99Max: number;
  rssFlat: boolean | undefined;
  queueBounded: boolean;
}

const quantile = (xs: number[], q: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

function rssMb(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Least-squares slope of y over x. */
function slope(points: [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, p) => a + p[0], 0) / n;
  const my = points.reduce((a, p) => a + p[1], 0) / n;
  const num = points.reduce((a, p) => a + (p[0] - mx) * (p[1] - my), 0);
  const den = points.reduce((a, p) => a + (p[0] - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

const line = (proc: ChildProcess, match: (l: string) => boolean, stream: 'stdout' | 'stderr' = 'stdout') =>
  new Promise<string>((ok, fail) => {
    createInterface({ input: proc[stream]! }).on('line', (l) => match(l) && ok(l));
    proc.once('exit', (code) => fail(new Error(`exited with ${code}`)));
  });

export async function benchSoak(root: string, minutes: number): Promise<SoakResult | undefined> {
  const redisUrl = await ensureRedis('redis://127.0.0.1:6379', () => {});
  if (!redisUrl.ok) {
    console.log(`soak: skipped (${redisUrl.error})`);
    return undefined;
  }
  const children: ChildProcess[] = [];
  process.once('exit', () => children.forEach((c) => c.kill('SIGKILL')));
  const binary = buildTarget();
  const targets: string[] = [];
  for (let i = 0; i < TARGETS; i++) {
    const t = spawn(binary, ['-mode', i % 2 ? 'pool' : 'healthy'], { stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(t);
    targets.push(`http://${(await line(t, (l) => l.startsWith('listening '))).replace('listening ', '')}`);
    const load = spawn(binary, ['-load', `${targets[i]}/work`, '-rate', '50'], { stdio: 'ignore' });
    children.push(load);
  }
  const dir = mkdtempSync(join(tmpdir(), 'rca-soak-'));
  const config = join(dir, 'rca.config.yaml');
  const services = Array.from({ length: SERVICES }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  writeFileSync(config, `services:\n${services.map((s, i) => `  ${s}:\n    pprof: ${targets[i % TARGETS]}\n    seconds: 1\n    trace: {seconds: 0}\n`).join('')}`);
  const slack = new FakeSlack();
  await slack.start();
  const prefix = `bench-soak-${Date.now()}`;
  const env = { ...process.env, PORT: '0', REDIS_URL: redisUrl.value, RCA_REDIS_PREFIX: prefix, RCA_CONFIG: config, SLACK_BOT_TOKEN: 'xoxb-soak', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `${slack.url}api/`, ALERTMANAGER_TOKEN: TOKEN, RCA_ALERT_CHANNEL: 'slack:C-ALERTS', RCA_LOG_LEVEL: 'warn' };
  const bot = spawn(process.execPath, [join(root, 'bin/rca-bot.js'), 'serve', '--no-workers'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(bot);
  const url = /open (http:\/\/[^/]+)/.exec(await line(bot, (l) => l.startsWith('rca-bot is up')))?.[1] as string;
  const workers: ChildProcess[] = [];
  for (let i = 0; i < WORKERS; i++) {
    const w = spawn(process.execPath, [join(root, 'bin/rca-bot.js'), 'worker'], { env: { ...env, RCA_LOG_LEVEL: 'info', ...(process.env.SOAK_WORKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.SOAK_WORKER_NODE_OPTIONS } : {}) }, stdio: ['ignore', 'ignore', 'pipe'] });
    children.push(w);
    workers.push(w);
    await line(w, (l) => l.includes('worker is up'), 'stderr');
  }
  const redis = new Redis(redisUrl.value);
  const watched = [queues.capture, queues.read, queues.analyse, queues.publish].map((q) => new Queue(q, { connection: redis, prefix }));

  // The stream.
  const acks: { at: number; ms: number }[] = [];
  let commands = 0;
  let alerts = 0;
  const t0 = Date.now();
  const end = t0 + minutes * 60_000;
  const sendCommand = async (n: number) => {
    const service = services[n % SERVICES];
    const form = new URLSearchParams({ command: '/rca', text: service, channel_id: `C-soak-${n}`, user_id: `U${n % 500}`, trigger_id: `soak-${n}`, team_id: 'T1', response_url: 'http://127.0.0.1:9/none' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${form}`).digest('hex')}`;
    const at = performance.now();
    const res = await fetch(`${url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body: form });
    await res.arrayBuffer();
    acks.push({ at: Date.now(), ms: performance.now() - at });
  };
  const sendAlert = async (n: number) => {
    const service = services[(n * 7) % SERVICES];
    const body = JSON.stringify({ version: '4', status: 'firing', receiver: 'rca-bot', alerts: [{ status: 'firing', labels: { alertname: 'Soak', service }, annotations: { summary: 'soak' }, startsAt: new Date().toISOString(), endsAt: '0001-01-01T00:00:00Z', fingerprint: `soak${String(n).padStart(12, '0')}` }] });
    await (await fetch(`${url}/alerts/alertmanager`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }, body })).arrayBuffer();
  };
  const inflight: Promise<void>[] = [];
  const minute = { rss: [] as number[][], depth: [] as number[], done: [] as number[] };
  let depthMax = 0;
  const sampler = setInterval(async () => {
    const counts = await Promise.all(watched.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'waiting-children').catch(() => ({}) as Record<string, number>)));
    depthMax = Math.max(depthMax, counts.reduce((a, c) => a + (c.waiting ?? 0) + (c.delayed ?? 0), 0));
  }, 1000);
  // A row a minute; a row every 15 s for a short run.
  const period = minutes >= 3 ? 60_000 : 15_000;
  let nextMinute = t0 + period;
  const reports = () => slack.calls.filter((c) => c.method === 'chat.postMessage' && c.body.thread_ts && /^\S+ svc-\d+: (confirmed|likely|needs-review|healthy|inconclusive)\b/.test(String(c.body.text)));
  console.log(`soak: ${SERVICES} services on ${TARGETS} Go targets, the bot and ${WORKERS} worker processes, ${COMMANDS_PER_S} signed /rca and ${ALERTS_PER_S} alerts a second for ${minutes} min`);
  console.log(`  ${period === 60_000 ? 'minute' : '  at s'}  acks  ack p50  ack p99  done  queue  RSS MB (bot, workers…)`);
  let lastDone = 0;
  for (let tick = 0; Date.now() < end; tick++) {
    const due = t0 + (tick * 1000) / COMMANDS_PER_S;
    if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    inflight.push(sendCommand(commands++).catch(() => undefined));
    if (Math.floor((tick + 1) * (ALERTS_PER_S / COMMANDS_PER_S)) > Math.floor(tick * (ALERTS_PER_S / COMMANDS_PER_S))) inflight.push(sendAlert(alerts++).catch(() => undefined));
    if (Date.now() >= nextMinute) {
      const m = period === 60_000 ? minute.rss.length + 1 : ((minute.rss.length + 1) * period) / 1000;
      const these = acks.filter((a) => a.at > nextMinute - period && a.at <= nextMinute).map((a) => a.ms);
      const rss = [rssMb(bot.pid), ...workers.map((w) => rssMb(w.pid))];
      const done = reports().length;
      minute.rss.push(rss);
      minute.depth.push(depthMax);
      minute.done.push(done - lastDone);
      console.log(`  ${String(m).padStart(6)}  ${String(these.length).padStart(4)}  ${quantile(these, 0.5).toFixed(0).padStart(4)} ms  ${quantile(these, 0.99).toFixed(0).padStart(4)} ms  ${String(done - lastDone).padStart(4)}  ${String(depthMax).padStart(5)}  ${rss.map((r) => r.toFixed(0)).join(', ')}`);
      lastDone = done;
      depthMax = 0;
      nextMinute += period;
    }
  }
  await Promise.all(inflight);
  // Drained: every queue empty, or two minutes at most.
  const drainStart = Date.now();
  let drained = false;
  while (Date.now() - drainStart < 120_000) {
    const counts = await Promise.all(watched.map((q) => q.getJobCounts('waiting', 'active', 'delayed', 'waiting-children')));
    if (counts.every((c) => (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c['waiting-children'] ?? 0) === 0)) {
      drained = true;
      break;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  clearInterval(sampler);
  const drainS = (Date.now() - drainStart) / 1000;

  // Every command answered: each channel got its status message (or a one-line refusal).
  const channels = new Set(slack.calls.filter((c) => c.method === 'chat.postMessage').map((c) => String(c.body.channel)));
  const unanswered = Array.from({ length: commands }, (_, n) => `C-soak-${n}`).filter((c) => !channels.has(c));
  // Every diagnosis's message (a command's status, an alert's notice) got its report in its thread, once,
  // and each command opened one such message: matched message by message, not counted.
  const rootCalls = slack.calls.filter((c) => c.method === 'chat.postMessage' && !c.body.thread_ts && /^(⏳|📡|🔎|✅|❌|🔥)/.test(String(c.body.text)));
  const roots = rootCalls.length;
  const rootKeys = new Set(rootCalls.map((c) => `${c.body.channel} ${c.ts}`));
  const perThread = new Map<string, number>();
  for (const r of reports()) perThread.set(`${r.body.channel} ${r.body.thread_ts}`, (perThread.get(`${r.body.channel} ${r.body.thread_ts}`) ?? 0) + 1);
  const twice = [...perThread.values()].filter((n) => n > 1).length;
  const withReport = [...rootKeys].filter((k) => perThread.get(k) === 1).length;
  const strays = [...perThread.keys()].filter((k) => !rootKeys.has(k)).length;
  const perChannel = new Map<string, number>();
  for (const c of rootCalls) perChannel.set(String(c.body.channel), (perChannel.get(String(c.body.channel)) ?? 0) + 1);
  const startedTwice = [...perChannel].filter(([ch, n]) => ch.startsWith('C-soak-') && n > 1).length;
  const exactlyOnce = drained && twice === 0 && strays === 0 && startedTwice === 0 && withReport === roots;
  const acksAll = acks.map((a) => a.ms);
  const p99s = minute.rss.map((_, i) => quantile(acks.filter((a) => a.at > t0 + i * period && a.at <= t0 + (i + 1) * period).map((a) => a.ms), 0.99));
  const ackP99Max = Math.max(...p99s.filter((x) => !Number.isNaN(x)), quantile(acksAll, 0.99));
  // RSS flat after warm-up: over the last half of the run, each process's trend under 2% of its size a minute.
  const half = minute.rss.slice(Math.floor(minute.rss.length / 2));
  const trends = (half[0] ?? []).map((_, p) => {
    const pts = half.map((r, i) => [(i * period) / 60_000, r[p]] as [number, number]);
    const mean = pts.reduce((a, q) => a + q[1], 0) / Math.max(1, pts.length);
    return { mbPerMin: slope(pts), pct: (100 * slope(pts)) / mean };
  });
  // A run too short for a trend says so rather than pass.
  const rssFlat = half.length >= 2 ? trends.every((t) => t.pct < 2) : undefined;
  const queueBounded = drained && Math.max(...minute.depth, 0) < 200;
  console.log(`  sent ${commands} commands and ${alerts} alerts; ${roots} diagnosis messages opened (a command's status or an alert's notice), ${withReport} with their report, once${twice ? `; ${twice} with two or more` : ''}${strays ? `; ${strays} reports under no such message` : ''}${startedTwice ? `; ${startedTwice} commands opened two` : ''}; drained ${drained ? `${drainS.toFixed(0)} s after the stream stopped` : 'NOT within 2 min'}`);
  console.log(`  ack over the whole run: p50 ${quantile(acksAll, 0.5).toFixed(0)} ms, p99 ${quantile(acksAll, 0.99).toFixed(0)} ms, max ${quantile(acksAll, 1).toFixed(0)} ms`);
  if (half.length >= 2) console.log(`  RSS trend over the last half, MB a minute (bot, workers…): ${trends.map((t) => `${t.mbPerMin >= 0 ? '+' : ''}${t.mbPerMin.toFixed(1)} (${t.pct.toFixed(1)}%)`).join(', ')}`);
  const goal = (ok: boolean) => (ok ? 'held' : 'NOT held');
  console.log(`  goals: every command answered ${goal(unanswered.length === 0)}${unanswered.length ? ` (${unanswered.length} unanswered)` : ''}; every report exactly once ${goal(exactlyOnce)}; ack p99 under 200 ms every minute ${goal(ackP99Max < 200)} (worst ${ackP99Max.toFixed(0)} ms); RSS flat ${rssFlat === undefined ? 'not measured (too short a run)' : goal(rssFlat)}; queue bounded ${goal(queueBounded)} (deepest ${Math.max(...minute.depth, 0)})`);
  for (const q of watched) await q.close();
  await redis.quit();
  await slack.close();
  for (const c of children) c.kill('SIGTERM');
  return { minutes, commands, alerts, answered: unanswered.length === 0, exactlyOnce, ackP99Max, rssFlat, queueBounded };
}
