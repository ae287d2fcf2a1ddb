// npm run bench: speed and memory of the profile engine on the largest
// fixtures, each beside `go tool pprof` on the same file in the same run.
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseProfile } from '../../src/profile/pprof.js';
import { resolveSampleIndex, top } from '../../src/profile/top.js';
import { callTree } from '../../src/profile/tree.js';
import { renderFlamePng } from '../../src/render/index.js';
import { bigCpuProfile } from './bigcpu.js';
import { benchDiagnose } from './diagnose.js';
import { benchAck } from './ack.js';
import { benchTraces } from './traces.js';
import { benchThread } from './thread.js';
import { benchDigest } from './digest.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const fixtures = resolve(root, '../shared/fixtures/pprof');
const bin = join(root, 'bin/rca-bot.js');
const runs = 7;
// `npm run bench -- ack logs` runs only those parts; no names runs them all but the soak, which runs
// only when named (`npm run bench -- soak --minutes=10`).
const args = process.argv.slice(2);
const wanted = new Set(args.filter((a) => !a.startsWith('--')));
const part = (name: string) => wanted.size === 0 || wanted.has(name);
const option = (name: string) => args.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const hasTime = existsSync('/usr/bin/time');
const hasGo = spawnSync('go', ['version']).status === 0;

/** Wall time (ms) and peak RSS (MB) of a whole process, median of `runs` after one warm-up. */
function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): { ms: number; rss: number | undefined } {
  const times: number[] = [];
  const rss: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    // Standard output goes to /dev/null for both tools, so neither pays for a reader.
    const stdio: ['ignore', 'ignore', 'pipe'] = ['ignore', 'ignore', 'pipe'];
    const r = hasTime
      ? spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { env: { ...process.env, ...env }, stdio })
      : spawnSync(cmd, args, { env: { ...process.env, ...env }, stdio });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (i === 0) continue;
    times.push(ms);
    if (hasTime) rss.push(Number(r.stderr.toString().trim().split('\n').at(-1)) / 1024);
  }
  return { ms: median(times), rss: hasTime ? median(rss) : undefined };
}

const big = part('profile') ? bigCpuProfile(root) : undefined;
const cases = [
  ...(big ? [{ file: big, type: 'cpu' }] : []),
  { file: 'pyroscope__heap_go_truncated_3.pb.gz', type: 'alloc_objects' },
  { file: 'ddpprofformat__test.pprof', type: 'cpu-time' },
  { file: 'pyroscope__cpu_go_truncated_1.pb.gz', type: 'cpu' },
];

const fmt = (x: number, d = 0) => x.toFixed(d);

if (part('profile')) {
console.log(`profile engine bench (${runs} runs each, median; node ${process.version}${hasGo ? ', go tool pprof alongside' : ', go not installed'})\n`);
for (const { file, type } of cases) {
  const path = file.startsWith('/') ? file : join(fixtures, file);
  if (!existsSync(path)) {
    console.log(`${file}: skipped (../shared/fixtures absent)`);
    continue;
  }
  const ours = measure(process.execPath, [bin, 'top', path, '--json', '--sample-index', type]);
  let line = `${file.replace(root + '/', '')} (${type}, ${fmt(readFileSync(path).length / 1024)} KB)\n  rca-bot top --json: ${fmt(ours.ms)} ms, ${ours.rss ? fmt(ours.rss) : '?'} MB peak RSS`;
  if (hasGo) {
    const go = measure('go', ['tool', 'pprof', '-symbolize=none', '-top', `-sample_index=${type}`, path], { TZ: 'UTC' });
    line += `\n  go tool pprof -top:  ${fmt(go.ms)} ms, ${go.rss ? fmt(go.rss) : '?'} MB peak RSS\n  ratio: ${(ours.ms / go.ms).toFixed(2)}x the time of go tool pprof${path === big ? ' (goal ≤ 0.25x)' : ''}`;
  }
  const png = join(tmpdir(), `rca-bench-${process.pid}.png`);
  const flame = measure(process.execPath, [bin, 'flame', path, '-o', png, '--sample-index', type]);
  line += `\n  rca-bot flame -o out.png: ${fmt(flame.ms)} ms, ${flame.rss ? fmt(flame.rss) : '?'} MB peak RSS${path === big ? ' (goal ≤ 500 ms, < 150 MB)' : ''}`;
  console.log(line);

  // In-process: decode+top and flame PNG render, median of runs.
  const bytes = readFileSync(path);
  const decode: number[] = [];
  const render: number[] = [];
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    const p = parseProfile(bytes);
    if (!p.ok) throw new Error(p.error);
    const index = resolveSampleIndex(p.value, type);
    if (!index.ok) throw new Error(index.error);
    top(p.value, { sampleIndex: index.value });
    const t1 = performance.now();
    const tree = callTree(p.value, index.value);
    await renderFlamePng(tree, { title: { kind: 'profile', sampleType: type, unit: tree.unit, total: tree.root.total, durationNanos: p.value.durationNanos } });
    const t2 = performance.now();
    if (i === 0) continue;
    decode.push(t1 - t0);
    render.push(t2 - t1);
  }
  console.log(`  in-process (warm): decode+top ${fmt(median(decode))} ms, call tree + flame PNG ${fmt(median(render))} ms\n`);
}
}

if (part('traces')) benchTraces();
if (part('trace') && hasGo) await (await import('./gotrace.js')).benchGoTrace(root, resolve(root, '../shared/fixtures'));
if (part('diagnose')) await benchDiagnose(root);
if (part('ack')) await benchAck(root);
if (part('thread')) await benchThread(root);
if (part('digest')) await benchDigest();
if (part('logs')) await (await import('./logs.js')).benchLogs(root);
if (part('rank')) await (await import('./rank.js')).benchRank(resolve(root, '../shared/fixtures'));
if (wanted.has('soak')) {
  const r = await (await import('./soak.js')).benchSoak(root, Number(option('minutes') ?? 10));
  // What must hold however loaded the machine: every command answered, every report posted once.
  if (r && (!r.answered || !r.exactlyOnce)) process.exitCode = 1;
}
// The incident drill's timings (a real Prometheus, Alertmanager and Jaeger around a Go service): only when asked for by name.
if (wanted.has('drill')) {
  const { runDrill, WINDOW_SECONDS } = await import('../drill/drill.js');
  const { timings: t } = await runDrill();
  console.log(`incident drill (capture window ${WINDOW_SECONDS} s): Alertmanager's POST → verdict in the thread ${t.alertToVerdict} ms (target ≤ ${(WINDOW_SECONDS + 3) * 1000} ms); fault on → verdict ${t.faultToVerdict} ms; fault off → resolved in place ${t.faultOffToResolved} ms`);
}
