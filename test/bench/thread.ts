// From a signed /rca to the complete thread (verdict, report, flame graphs),
// against `rca-bot serve` in its own process with capture and analysis in
// worker threads: the target is the capture window plus 3 s.
import { createHmac } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { ensureRedis } from '../../src/server/redis.js';
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
  const children: ChildProcess[] = [];
  const services: string[] = [];
  for (const mode of modes) {
    const target = spawn(bin, ['-mode', mode], { stdio: ['ignore', 'pipe', 'ignore'] });
    const url = `http://${(await line(target, () => true)).replace('listening ', '')}`;
    children.push(target, spawn(bin, ['-load', `${url}/work`], { stdio: 'ignore' }));
    services.push(`  ${mode}-api:\n    pprof: ${url}\n    seconds: ${seconds}\n`);
  }
  const config = join(dir, 'rca.config.yaml');
  writeFileSync(config, `services:\n${services.join('')}`);
  const slackApi = new FakeSlack();
  await slackApi.start();
  const env = { ...process.env, PORT: '0', REDIS_URL: redis.value, RCA_REDIS_PREFIX: `bench-thread-${Date.now()}`, RCA_CONFIG: config, SLACK_BOT_TOKEN: 'xoxb-bench', SLACK_SIGNING_SECRET: SECRET, SLACK_API_URL: `${slackApi.url}api/` };
  const bot = spawn(process.execPath, [join(root, 'bin/rca-bot.js'), 'serve'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const up = await line(bot, (l) => l.startsWith('rca-bot is up'));
  const url = `${/open (http:\/\/[^/]+)/.exec(up)?.[1]}/slack/events`;

  console.log(`time from a signed /rca to the complete thread (window ${seconds} s, rca-bot serve in its own process, the target under load)`);
  for (const [i, mode] of modes.entries()) {
    const channel = `C${i}`;
    const body = new URLSearchParams({ command: '/rca', text: `${mode}-api`, channel_id: channel, user_id: `U${i}`, trigger_id: `thread-${i}`, team_id: 'T1', response_url: 'http://127.0.0.1:9/' }).toString();
    const ts = String(Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
    const t0 = performance.now();
    await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': ts, 'x-slack-signature': sig }, body });
    const inChannel = () => slackApi.calls.filter((c) => c.body.channel === channel || c.body.channel_id === channel);
    // Complete: the root edited to the verdict, which publish does last.
    const seen = new Map<string, number>();
    for (;;) {
      for (const c of inChannel()) if (c.method === 'chat.update' && !seen.has(c.body.text ?? '')) seen.set(c.body.text ?? '', (performance.now() - t0) / 1000);
      const done = inChannel().find((c) => c.method === 'chat.update' && /^(✅|❌)/.test(c.body.text ?? ''));
      if (done) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const total = (performance.now() - t0) / 1000;
    const images = inChannel().filter((c) => c.method === 'files.completeUploadExternal').length;
    const verdict = inChannel().filter((c) => c.method === 'chat.update').at(-1)?.body.text;
    console.log(`  ${mode.padEnd(8)} ${total.toFixed(2)} s = window + ${(total - seconds).toFixed(2)} s (${images} flame graphs; ${verdict})`);
    if (process.env.BENCH_VERBOSE) console.log([...seen].map(([t, s]) => `    ${s.toFixed(2)} s ${t}`).join('\n'));
  }
  const exited = new Promise((r) => bot.once('exit', r));
  bot.kill('SIGTERM');
  await exited;
  for (const c of children) c.kill();
  await slackApi.close();
}
