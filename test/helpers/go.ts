// Builds and runs the Go test targets under test/go: real Go processes that
// serve net/http/pprof and misbehave on purpose.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './shared.js';

export const hasGo = spawnSync('go', ['version']).status === 0;
if (!hasGo) console.warn('skipping tests on Go targets: `go` is not installed (.ci/run installs golang-go)');

let built: string | undefined;

/** Builds test/go/target once per test process. */
export function buildTarget(): string {
  if (built) return built;
  const out = join(mkdtempSync(join(tmpdir(), 'rca-go-')), 'target');
  const r = spawnSync('go', ['build', '-o', out, '.'], { cwd: join(repoRoot, 'test/go/target'), env: { ...process.env, GOFLAGS: '-mod=mod' } });
  if (r.status !== 0) throw new Error(`go build failed: ${r.stderr}`);
  return (built = out);
}

export interface Target {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startTarget(args: string[]): Promise<Target> {
  const proc = spawn(buildTarget(), args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: proc.stdout! }).once('line', ok);
    proc.once('exit', (code) => fail(new Error(`target exited with ${code}`)));
  });
  const addr = line.replace(/^listening /, '');
  return {
    url: `http://${addr}`,
    process: proc,
    stop: () =>
      new Promise((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill();
      }),
  };
}

/** Starts a load generator (the target binary in -load mode) against `url`, in its own process. */
export function startLoad(url: string, rate = 200): { stop(): Promise<void> } {
  const proc = spawn(buildTarget(), ['-load', url, '-rate', String(rate)], { stdio: 'ignore' });
  return {
    stop: () =>
      new Promise((r) => {
        if (proc.exitCode !== null) return r();
        proc.once('exit', () => r());
        proc.kill();
      }),
  };
}

/** Resolves once the target has served `n` requests (polls its /stats). */
export async function servedAtLeast(target: Target, n: number): Promise<void> {
  for (;;) {
    const stats = (await (await fetch(`${target.url}/stats`)).json()) as { requests: number };
    if (stats.requests >= n) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A Go target in `mode` with the load generator on it, once it has served `warm` requests; stop() ends both. */
export async function startLoadedTarget(args: string[], warm = 50): Promise<Target> {
  const target = await startTarget(args);
  const load = startLoad(`${target.url}/work`);
  await servedAtLeast(target, warm);
  return {
    ...target,
    stop: async () => {
      await load.stop();
      await target.stop();
    },
  };
}
