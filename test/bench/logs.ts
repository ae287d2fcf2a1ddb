// `rca-bot logs` speed: lines a second through the whole command (start-up,
// reading, masking, mining, the JSON of every line's template id), on over a
// million lines made of the eleven Loghub 2k sets, repeated. The target is
// 200,000 lines/s. Beside it, in the same run: the command on one thread
// (RCA_LOGS_THREADS=0), whose output must be the same, and `wc -l` and
// `grep -c .` on the same file, for the speed of merely reading it.
//
// Drain keeps the template of each distinct masked message (a long-standing
// part of it), so repeated input mines faster than new input would; masking,
// most of the time, runs on every line either way.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const TARGET_LINES = 1_000_000;
const RUNS = 3;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median wall time (and CPU time, with /usr/bin/time) of RUNS runs, standard output to /dev/null. */
function timed(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): { ms: number; cpuMs: number | undefined } {
  const hasTime = existsSync('/usr/bin/time');
  const ms: number[] = [];
  const cpuMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    const stdio: ['ignore', 'ignore', 'pipe'] = ['ignore', 'ignore', 'pipe'];
    const r = hasTime ? spawnSync('/usr/bin/time', ['-f', '%U %S', cmd, ...args], { env: { ...process.env, ...env }, stdio }) : spawnSync(cmd, args, { env: { ...process.env, ...env }, stdio });
    ms.push(performance.now() - t0);
    if (r.status !== 0 && !(cmd === 'grep' && r.status === 1)) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
    if (hasTime) {
      const [user, sys] = r.stderr.toString().trim().split('\n').at(-1)!.split(' ').map(Number);
      cpuMs.push((user + sys) * 1000);
    }
  }
  return { ms: median(ms), cpuMs: hasTime ? median(cpuMs) : undefined };
}

/** A hash of what a run writes to standard output. */
function output(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return createHash('sha256').update(r.stdout).digest('hex');
}

export async function benchLogs(root: string): Promise<void> {
  const sets = resolve(root, '../shared/fixtures/logs/loghub-2k');
  if (!existsSync(sets)) {
    console.log('rca-bot logs: skipped (../shared/fixtures absent)');
    return;
  }
  const parts: string[] = [];
  for (const name of readdirSync(sets).sort()) {
    const file = join(sets, name, `${name}_2k.log`);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    parts.push(text.endsWith('\n') ? text : `${text}\n`);
  }
  const once = parts.join('');
  const perCopy = once.split('\n').length - 1;
  const copies = Math.ceil(TARGET_LINES / perCopy);
  const lines = perCopy * copies;
  const dir = mkdtempSync(join(tmpdir(), 'rca-bench-logs-'));
  const file = join(dir, 'loghub-repeated.log');
  try {
    writeFileSync(file, once.repeat(copies));
    const mb = statSync(file).size / 2 ** 20;
    const bin = join(root, 'bin/rca-bot.js');
    console.log(`rca-bot logs <file> --json > /dev/null on ${lines.toLocaleString('en')} lines (${parts.length} Loghub 2k sets x ${copies}, ${mb.toFixed(0)} MB; median of ${RUNS} runs)`);
    const rate = (ms: number) => `${Math.round(lines / (ms / 1000)).toLocaleString('en')} lines/s`;
    const cpu = (t: { cpuMs: number | undefined }) => (t.cpuMs === undefined ? '' : `, ${(t.cpuMs / 1000).toFixed(2)} s CPU`);
    const args = [bin, 'logs', file, '--json'];
    const serial = { RCA_LOGS_THREADS: '0' };
    const same = output(process.execPath, args) === output(process.execPath, args, serial);
    const two = timed(process.execPath, args);
    console.log(`  two threads (default):  ${(two.ms / 1000).toFixed(2)} s, ${rate(two.ms)}${cpu(two)}  (target 200,000 lines/s: ${lines / (two.ms / 1000) >= 200_000 ? 'met' : 'NOT met'})`);
    const one = timed(process.execPath, args, serial);
    console.log(`  one thread:             ${(one.ms / 1000).toFixed(2)} s, ${rate(one.ms)}${cpu(one)}  (output ${same ? 'identical to two threads' : 'DIFFERENT from two threads'})`);
    if (!same) throw new Error('rca-bot logs: one and two threads gave different output');
    for (const [name, cmd, args] of [
      ['wc -l', 'wc', ['-l', file]],
      ['grep -c .', 'grep', ['-c', '.', file]],
    ] as const) {
      if (spawnSync(cmd, ['--version']).error) continue;
      const t = timed(cmd, [...args]);
      console.log(`  ${`${name}:`.padEnd(23)} ${(t.ms / 1000).toFixed(2)} s, ${rate(t.ms)}`);
    }
    console.log('');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
