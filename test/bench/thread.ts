// From a signed /rca to the complete thread (verdict, report, flame graphs),
// against `rca-bot serve` in its own process with its analysis threads: the
// target is the capture window plus 3 s. One Go target at a time runs,
// under load from a separate process, so the targets do not compete.
import { createHmac } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureRedis } from '../../src/server/redis.js';
import { freePort } from '../helpers/server.js';
import { FakeSlack } from '../helpers/slack-fake.js';

const SECRET = 'bench-secret';
const line = (p: ChildProcess, match: (l: string) => boolean) =>
  new Promise<string>((ok, fail) => {
    createInterface({ input: p.stdout! }).on('line', (l) => match(l) && ok(l));
    p.once('exit', (code) => fail(new Error(`exited with ${code}`)));
  });


export async function benchThread(root: string): Promise<void> {
  const redis = await ensureRedis('redis://127.0.0.1:6379', () => {});
  if (!redis.ok || spawnSync('go', ['version']).status !== 0) {
    console.log('time to a complete thread: skipped (needs Redis and go)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'rca-thread-'));
  const bin = join(dir, 'target');
  const build = spawnSync('go', ['build', '-o', bin, '.'], { cwd: join(root, 'test/go/target') });
  if (build.status !== 0) throw new Error(`go build: ${build.stderr}`);
  const seconds = 5;
  const modes = ['healthy', 'cpu', 'pool', 'memory'];
  const ports = new Map<string, number>();
  for (const mode of modes) ports.set(mode, await freePort());
  const config = join(dir, 'rca.config.yaml');
  writeFileSync(config, `services:\n${modes.map((m) => `  ${m}-api:\n    pprof: http://127.0.0.1:${ports.get(m)}\n    seconds: ${seconds}\n`).join('')}`);
  const children: ChildProcess[] = [];
  // Whatever ends this process (a closed pipe, ^C), the targets and the bot go with it.
  process.once('exit', () => children.forEach((c) => c.kill()));
  const slackApi = new FakeSlack();
  await slackApi.start();
  const env = { ...process.env, PORT: '0', REDIS_URL: redis.value, RCA_REDIS_PREFIX: `bench-thread-${Date.now()}`, RCA_CONFIG: config, SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `${slackApi.url}api/` };
  const bot = spawn(process.execPath, [join(root, 'bin/rca-bot.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(bot);
  const up = await line(bot, (l) => l.startsWith('rca-bot is up'));
  const url = `${/open (http:\/\/[^/]+)/.exec(up)?.[1]}/slack/events`;

  console.log(`time from a signed /rca to the complete thread (window ${seconds} s, rca-bot serve in its own process, one Go target at a time under 200 requests/s)`);
  // The first diagnosis after start-up pays for warming up (JIT, the analysis threads, connections): shown apart.
  const runs = [modes[0], ...modes];
  for (const [i, mode] of runs.entries()) {
    const target = spawn(bin, ['-mode', mode, '-addr', `127.0.0.1:${ports.get(mode)}`], { stdio: ['ignore', 'pipe', 'ignore'] });
    await line(target, () => true);
    const load = spawn(bin, ['-load', `http://127.0.0.1:${ports.get(mode)}/work`], { stdio: 'ignore' });
    children.push(target, load);
    await new Promise((r) => setTimeout(r, 1000));
    const channel = `C${i}`;
    const body = new URLSearchParams({ command: '/rca', text: `${mode}-api`, channel_id: channel, user_id: `U${i}`, trigger_id: `thread-${i}`, team_id: 'T1', response_url: 'http://127.0.0.1:9/' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const t0 = performance.now();
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body });
    const inChannel = () => slackApi.calls.filter((c) => c.body.channel === channel || c.body.channel_id === channel);
    // Complete: the root edited to the verdict, which publish does last.
    while (!inChannel().some((c) => c.method === 'chat.update' && /^(✅|❌)/.test(c.body.text ?? ''))) await new Promise((r) => setTimeout(r, 20));
    const total = (performance.now() - t0) / 1000;
    const images = inChannel().filter((c) => c.method === 'files.completeUploadExternal').length;
    const verdict = inChannel().filter((c) => c.method === 'chat.update').at(-1)?.body.text;
    console.log(`  ${(i === 0 ? `${mode} (cold)` : mode).padEnd(15)} ${total.toFixed(2)} s = window + ${(total - seconds).toFixed(2)} s (${images} flame graphs; ${verdict})`);
    if (process.env.BENCH_VERBOSE) console.log(inChannel().map((c) => `    ${(((c.at ?? 0) - t0) / 1000).toFixed(2)} s ${c.method} ${c.body.text ?? ''}`).join('\n'));
    load.kill();
    target.kill();
    await new Promise((r) => target.once('exit', r));
  }
  const exited = new Promise((r) => bot.once('exit', r));
  bot.kill('SIGTERM');
  await exited;
  await slackApi.close();
}
