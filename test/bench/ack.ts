// How fast a signed /rca is acknowledged by the real HTTP endpoint with 50
// requests in flight: Slack gives up after 3 s; the target is 200 ms at p99.
//
// Tracing's cost: bots run side by side, one with the OpenTelemetry SDK off
// and one with it on and exporting every span, and two between them that say
// where the cost lies; the load alternates between them in rounds, so all see
// the same machine. On two cores a single round's p99 moves by a factor of two
// from one round to the next (GC, the load client, Redis and the receiver share
// the cores), so the figure compared is the median of the rounds' p99s.
import { createHmac } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Redis } from 'ioredis';
import { ensureRedis } from '../../src/server/redis.js';
import { FakeSlack } from '../helpers/slack-fake.js';
import { jaegerBinary, jaegerVersion, startJaeger } from '../helpers/jaeger.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const SECRET = 'bench-secret';
const rounds = Number(process.env.BENCH_ACK_ROUNDS ?? 5);
const warmup = 1000;
const perRound = 1000;
const inFlight = 50;
const pacedRate = 100;

interface Bot {
  name: string;
  url: string;
  proc: ChildProcess;
  slack: FakeSlack;
  prefix: string;
  sent: number;
}

export async function benchAck(root: string): Promise<void> {
  const redisUrl = await ensureRedis('redis://127.0.0.1:6379', () => {});
  if (!redisUrl.ok) {
    console.log(`ack latency: skipped (${redisUrl.error})`);
    return;
  }
  // The receiver is a real Jaeger when the machine has one.
  const jaeger = jaegerBinary ? await startJaeger() : undefined;
  const sink = jaeger ? undefined : await otlpSink();
  const receiver = jaeger ? `Jaeger ${jaegerVersion}` : 'a loopback OTLP sink (no Jaeger binary here)';
  const otel = { OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: jaeger?.otlp ?? sink?.url };
  const off = await startBot(root, redisUrl.value, 'tracing off', {});
  // Two bots between off and on, to say where tracing's cost lies: propagating a context at all
  // (an AsyncLocalStorage, no OpenTelemetry), and the SDK loaded and patching but recording nothing.
  const contextOnly = await startBot(root, redisUrl.value, 'context only', {}, ['--import', join(root, 'dist/test/bench/context-only.js')]);
  const unsampled = await startBot(root, redisUrl.value, 'SDK, unsampled', { ...otel, OTEL_TRACES_SAMPLER: 'always_off' });
  const on = await startBot(root, redisUrl.value, 'tracing on', otel);
  const bots = [off, contextOnly, unsampled, on];
  const t0All = performance.now();
  for (const bot of bots) await load(bot, warmup);
  const p99s = new Map<Bot, number[]>(bots.map((b) => [b, []]));
  const cpu = new Map<Bot, number>(bots.map((b) => [b, 0]));
  const all = new Map<Bot, number[]>(bots.map((b) => [b, []]));
  for (let r = 0; r < rounds; r++) {
    // Which bot goes first alternates too: the first of a round meets the GC debt of the round before.
    for (const bot of r % 2 === 0 ? bots : [...bots].reverse()) {
      const before = cpuMs(bot);
      const times = await load(bot, perRound);
      cpu.set(bot, cpu.get(bot)! + cpuMs(bot) - before);
      p99s.get(bot)!.push(quantile(times, 0.99));
      all.get(bot)!.push(...times);
    }
  }
  // The same commands at a steady rate far above any workspace's (a command every 10 ms), the bots not saturated:
  // the ack latency a person sees, where the saturated figure above is the work an ack costs.
  const steady = new Map<Bot, number[]>([[off, []], [on, []]]);
  for (let r = 0; r < rounds; r++) for (const bot of r % 2 === 0 ? [off, on] : [on, off]) steady.get(bot)!.push(quantile(await paced(bot, perRound, pacedRate), 0.99));
  // The reference: the same load on the bot's static console page, in the same run.
  const ref = await loadPage(`${off.url}/console`, perRound);
  console.log(`ack latency of a signed /rca (${rounds} rounds of ${perRound} requests per bot after ${warmup} to warm up, ${inFlight} in flight, each bot in its own process; the static console page under the same load: p50 ${fmt(quantile(ref, 0.5))} ms, p99 ${fmt(quantile(ref, 0.99))} ms):`);
  // CPU time is not disturbed by what else runs on the machine the way latency is.
  const perAck = (bot: Bot) => cpu.get(bot)! / (rounds * perRound);
  const measured = cpu.get(off)! > 0;
  for (const bot of bots) {
    const xs = all.get(bot)!;
    const per = p99s.get(bot)!;
    const cost = measured ? `; CPU per ack ${perAck(bot).toFixed(2)} ms${bot === off ? '' : ` (${change(perAck(off), perAck(bot))})`}` : '';
    console.log(`  ${pad(bot.name, 14)} p50 ${fmt(quantile(xs, 0.5))} ms, p99 ${fmt(quantile(xs, 0.99))} ms, max ${fmt(quantile(xs, 1))} ms; p99 per round ${per.map(fmt).join(' ')} ms, median ${fmt(median(per))} ms${cost}`);
  }
  const [a, b] = [median(p99s.get(off)!), median(p99s.get(on)!)];
  console.log(`  tracing on, exporting to ${receiver}: the median round p99 is ${fmt(b)} ms against ${fmt(a)} ms off (${change(a, b)}; the target is within 10%)`);
  if (measured)
    console.log(
      `  saturated, the p99 is the queue of acks, so it follows the CPU an ack costs: propagating a context alone adds ${change(perAck(off), perAck(contextOnly))}, the SDK recording nothing ${change(perAck(off), perAck(unsampled))}, recording and exporting ${change(perAck(off), perAck(on))}`,
    );
  const [c, d] = [median(steady.get(off)!), median(steady.get(on)!)];
  console.log(`  at a steady ${pacedRate} commands a second: p99 per round off ${steady.get(off)!.map(fmt).join(' ')} ms, on ${steady.get(on)!.map(fmt).join(' ')} ms; median ${fmt(c)} ms off, ${fmt(d)} ms on (${change(c, d)}; the target is within 10%)`);
  // Acks come first, but no command may be lost: each gets its message (the status, or the rate limit's reply).
  for (const bot of bots) {
    const answered = () => bot.slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    const deadline = Date.now() + 60_000;
    while (answered() < bot.sent && Date.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    console.log(`  ${pad(bot.name, 14)} every command answered in Slack: ${answered() >= bot.sent ? 'yes' : 'NO'} (${answered()} messages for ${bot.sent} commands, the diagnoses that ran posting more than one), the last ${((performance.now() - t0All) / 1000).toFixed(1)} s after the first request`);
  }
  if (jaeger) {
    const res = await fetch(`${jaeger.query}/api/v3/services`);
    console.log(`  services Jaeger received: ${JSON.stringify(((await res.json()) as { services?: string[] }).services ?? [])}`);
  }
  for (const bot of bots) await stopBot(bot, redisUrl.value);
  await jaeger?.stop();
  sink?.close();
}

/** The process's user and system CPU time in ms, from /proc (0 where there is none). */
function cpuMs(bot: Bot): number {
  try {
    const fields = readFileSync(`/proc/${bot.proc.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

/** `rca-bot serve` with `extra` in its environment, up and listening. */
async function startBot(root: string, redisUrl: string, name: string, extra: Record<string, string | undefined>, args: string[] = []): Promise<Bot> {
  const prefix = `bench-${Date.now()}-${name.replace(/\W/g, '')}`;
  const slack = new FakeSlack();
  await slack.start();
  const dir = mkdtempSync(join(tmpdir(), 'rca-ack-'));
  const config = join(dir, 'rca.config.yaml');
  writeFileSync(config, 'services:\n  order-api:\n    pprof: http://127.0.0.1:9\n    seconds: 2\n');
  const env = { ...process.env, PORT: '0', REDIS_URL: redisUrl, RCA_REDIS_PREFIX: prefix, RCA_CONFIG: config, SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `${slack.url}api/`, ...extra };
  // BENCH_BOT_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the bots (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = process.env.BENCH_BOT_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const proc = spawn(process.execPath, [...nodeArgs, ...args, join(root, 'bin/rca-bot.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => l.startsWith('rca-bot is up') && ok(l));
    proc.once('exit', (code) => fail(new Error(`the bot (${name}) exited with ${code}`)));
  });
  return { name, url: /open (http:\/\/[^/]+)/.exec(line)![1], proc, slack, prefix, sent: 0 };
}

/** One signed /rca command to `bot`; its ack time. */
async function command(bot: Bot): Promise<number> {
  const i = bot.sent++;
  const body = new URLSearchParams({ command: '/rca', text: 'order-api 2s', channel_id: 'C1', user_id: 'U1', trigger_id: `t-${i}`, team_id: 'T1', response_url: 'http://127.0.0.1:9/' }).toString();
  const ts = String(Math.floor(Date.now() / 1000));
  const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  const t0 = performance.now();
  const res = await fetch(`${bot.url}/slack/events`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`ack ${res.status}`);
  return performance.now() - t0;
}

/** `n` commands, `inFlight` at a time: the bot is kept busy, so this measures how much work an ack costs. */
async function load(bot: Bot, n: number): Promise<number[]> {
  const times: number[] = [];
  let left = n;
  const one = async () => {
    while (left-- > 0) times.push(await command(bot));
  };
  await Promise.all(Array.from({ length: inFlight }, one));
  return times;
}

/** `n` commands at `perSecond`, each sent on time whether or not the ones before were answered. */
async function paced(bot: Bot, n: number, perSecond: number): Promise<number[]> {
  const sent: Promise<number>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const wait = t0 + (i * 1000) / perSecond - performance.now();
    if (wait > 0) await new Promise((ok) => setTimeout(ok, wait));
    sent.push(command(bot));
  }
  return Promise.all(sent);
}

async function loadPage(page: string, n: number): Promise<number[]> {
  const times: number[] = [];
  let left = warmup + n;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (left-- > 0) {
        const t0 = performance.now();
        await (await fetch(page)).arrayBuffer();
        if (left < n) times.push(performance.now() - t0);
      }
    }),
  );
  return times;
}

async function stopBot(bot: Bot, redisUrl: string): Promise<void> {
  const exited = new Promise((r) => bot.proc.once('exit', r));
  bot.proc.kill('SIGTERM');
  await exited;
  await bot.slack.close();
  const redis = new Redis(redisUrl);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${bot.prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

/** Accepts OTLP/HTTP exports and drops them. */
async function otlpSink(): Promise<{ url: string; close(): void }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

function quantile(xs: number[], p: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
}
const median = (xs: number[]) => quantile(xs, 0.5);
const fmt = (ms: number) => ms.toFixed(0);
const change = (a: number, b: number) => `${b >= a ? '+' : ''}${(((b - a) / a) * 100).toFixed(0)}%`;
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
