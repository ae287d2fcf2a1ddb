// Builds and runs the Go test targets under test/go: real Go processes that
// serve net/http/pprof and misbehave on purpose.
//
// The toolchain is the `go` on PATH, or the one named by RCA_GO
// ("go1.22.12", fetched through the module proxy with GOTOOLCHAIN; or
// "debian-1.19", Debian's golang-1.19). Built binaries are cached outside the
// repo (RCA_CACHE, else ~/.cache/rca-bot), keyed by toolchain and sources, so
// a second run on the same machine builds nothing.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './shared.js';
import { stopper } from './process.js';

export const hasGo = spawnSync('go', ['version']).status === 0;
if (!hasGo) console.warn('skipping tests on Go targets: `go` is not installed (.ci/run installs golang-go)');

export const cacheRoot = process.env.RCA_CACHE || join(homedir(), '.cache', 'rca-bot');
const targetDir = join(repoRoot, 'test/go/target');

export interface Toolchain {
  /** As asked for: "local", "go1.22.12", "debian-1.19". */
  name: string;
  /** What `go version` says, e.g. "go1.22.12". */
  version: string;
  minor: number;
  go: string;
  env: Record<string, string>;
}

function run(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string) {
  const r = spawnSync(cmd, args, { env: { ...process.env, ...env }, cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${(r.stderr || r.error?.message || '').trim()}`);
  return r.stdout.trim();
}

const toolchains = new Map<string, Toolchain>();

/** The toolchain of this test process (RCA_GO), or one named. */
export function toolchain(name = process.env.RCA_GO || 'local'): Toolchain {
  const known = toolchains.get(name);
  if (known) return known;
  let go = 'go';
  let env: Record<string, string> = { GOTOOLCHAIN: 'local' };
  if (name === 'debian-1.19') go = '/usr/lib/go-1.19/bin/go';
  else if (name !== 'local') {
    const m = /^go1\.(\d+)(\.\d+)?$/.exec(name);
    if (!m) throw new Error(`RCA_GO=${name}: expected "local", "debian-1.19" or a release such as go1.22.12`);
    env = { GOTOOLCHAIN: name };
    if (Number(m[1]) < 21) ({ go, env } = oldToolchain(name));
  }
  const version = run(go, ['env', 'GOVERSION'], env);
  const tc = { name, version, minor: Number(/^go1\.(\d+)/.exec(version)?.[1] ?? 0), go, env };
  toolchains.set(name, tc);
  return tc;
}

// Go's toolchain modules rename GOROOT/src/go.mod to _go.mod (a module zip
// cannot hold another module), which go1.21 and later undo themselves; older
// go commands need a copy with the names put back.
function oldToolchain(name: string): { go: string; env: Record<string, string> } {
  const dir = join(cacheRoot, 'toolchains', name);
  if (!existsSync(join(dir, 'bin/go'))) {
    const goroot = run('go', ['env', 'GOROOT'], { GOTOOLCHAIN: name });
    const tmp = `${dir}.${process.pid}`;
    rmSync(tmp, { recursive: true, force: true });
    cpSync(goroot, tmp, { recursive: true });
    spawnSync('chmod', ['-R', 'u+w', tmp]);
    for (const sub of ['src', 'src/cmd'])
      for (const f of ['go.mod', 'go.sum']) if (existsSync(join(tmp, sub, `_${f}`))) renameSync(join(tmp, sub, `_${f}`), join(tmp, sub, f));
    mkdirSync(join(cacheRoot, 'toolchains'), { recursive: true });
    try {
      renameSync(tmp, dir);
    } catch {
      rmSync(tmp, { recursive: true, force: true }); // another process made it first
    }
  }
  return { go: join(dir, 'bin/go'), env: { GOTOOLCHAIN: 'local' } };
}

/** The module file a toolchain builds the target with: current libraries for 1.26, the newest that older Go can build otherwise. */
export function modfileFor(tc: Toolchain): string {
  return tc.minor >= 26 ? 'go.mod' : tc.minor >= 22 ? 'go.122.mod' : 'go.119.mod';
}

export interface BuildOptions {
  toolchain?: Toolchain;
  /** GOEXPERIMENT, e.g. "goroutineleakprofile" (Go 1.26). */
  experiment?: string;
}

const built = new Map<string, string>();

/** Builds test/go/target (once per toolchain, experiment and source) and returns the binary. */
export function buildTarget(options: BuildOptions = {}): string {
  const tc = options.toolchain ?? toolchain();
  const modfile = modfileFor(tc);
  const hash = createHash('sha256').update(`${tc.version}\0${tc.go}\0${options.experiment ?? ''}\0${modfile}\0`);
  const sources = readdirSync(targetDir).filter((f) => f.endsWith('.go')).sort();
  for (const f of [...sources, modfile, modfile.replace(/\.mod$/, '.sum')]) hash.update(`${f}\0`).update(readFileSync(join(targetDir, f)));
  const key = hash.digest('hex').slice(0, 16);
  const cached = built.get(key);
  if (cached) return cached;
  const out = join(cacheRoot, 'targets', `${tc.version}-${key}`, 'target');
  if (!existsSync(out)) {
    mkdirSync(join(out, '..'), { recursive: true });
    const tmp = `${out}.${process.pid}`;
    const env = { ...tc.env, GOFLAGS: `-modfile=${modfile}`, ...(options.experiment ? { GOEXPERIMENT: options.experiment } : {}) };
    run(tc.go, ['build', '-o', tmp, '.'], env, targetDir);
    renameSync(tmp, out);
  }
  built.set(key, out);
  return out;
}

/**
 * Builds a helper program under test/go (tracedump) with the machine's Go,
 * once per Go version and source, and returns the binary.
 */
export function buildTool(name: string): string {
  const dir = join(repoRoot, 'test/go', name);
  const hash = createHash('sha256').update(`${run('go', ['env', 'GOVERSION'])}\0`);
  for (const f of readdirSync(dir).filter((f) => /\.(go|mod|sum)$/.test(f)).sort()) hash.update(`${f}\0`).update(readFileSync(join(dir, f)));
  const out = join(cacheRoot, 'tools', `${name}-${hash.digest('hex').slice(0, 16)}`, name);
  if (!existsSync(out)) {
    mkdirSync(join(out, '..'), { recursive: true });
    const tmp = `${out}.${process.pid}`;
    run('go', ['build', '-o', tmp, '.'], {}, dir);
    renameSync(tmp, out);
  }
  return out;
}

export interface Target {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}


export interface RunOptions extends BuildOptions {
  /** Added to the environment it runs in (OTEL_EXPORTER_OTLP_ENDPOINT…). */
  env?: Record<string, string>;
}

export async function startTarget(args: string[], options: RunOptions = {}): Promise<Target> {
  const proc = spawn(buildTarget(options), args, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...options.env } });
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: proc.stdout! }).once('line', ok);
    proc.once('exit', (code) => fail(new Error(`target ${args.join(' ')} exited with ${code}`)));
    proc.once('error', fail);
  });
  const addr = line.replace(/^listening /, '');
  return { url: `http://${addr}`, process: proc, stop: stopper(proc) };
}

/** Starts a load generator (the target binary in -load mode) against `url`, in its own process. */
export function startLoad(url: string, rate = 200, options: BuildOptions = {}): { stop(): Promise<void> } {
  const proc = spawn(buildTarget({ toolchain: options.toolchain }), ['-load', url, '-rate', String(rate)], { stdio: 'ignore' });
  return { stop: stopper(proc) };
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
export async function startLoadedTarget(args: string[], warm = 50, options: RunOptions = {}): Promise<Target> {
  const target = await startTarget(args, options);
  const load = startLoad(`${target.url}/work`, 200, options);
  await servedAtLeast(target, warm);
  return {
    ...target,
    stop: async () => {
      await load.stop();
      await target.stop();
    },
  };
}
