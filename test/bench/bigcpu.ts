// A multi-megabyte CPU profile from a real Go process, for the benchmark:
// a generated program with 24,000 functions that call each other at random,
// profiled for 40 s. Kept in out/bench/ so later runs reuse it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const functions = 24000;

function source(): string {
  let seed = 1;
  const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff);
  const parts = [
    'package main',
    'import ("os";"runtime";"runtime/pprof";"sync";"time")',
    'var sink uint64',
    'type fn func(d int, x uint64) uint64',
    `var table [${functions}]fn`,
  ];
  for (let i = 0; i < functions; i++) {
    parts.push(`//go:noinline
func f${i}(d int, x uint64) uint64 {
	for k := 0; k < ${1 + (rnd() % 40)}; k++ { x = x*6364136223846793005 + ${i} }
	if d <= 0 { return x }
	if x%2 == 0 { return table[(x>>17)%${functions}](d-1, x) }
	return table[(x>>29)%${functions}](d-1, x^${i})
}`);
  }
  parts.push('func init() {', ...Array.from({ length: functions }, (_, i) => `table[${i}] = f${i}`), '}');
  parts.push(`func main() {
	runtime.SetCPUProfileRate(1000)
	f, _ := os.Create(os.Args[1])
	pprof.StartCPUProfile(f)
	var wg sync.WaitGroup
	deadline := time.Now().Add(40 * time.Second)
	for g := 0; g < 2; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			x := uint64(g + 1)
			for time.Now().Before(deadline) {
				for r := 0; r < 1000; r++ { x = table[x%${functions}](40, x); sink += x }
			}
		}(g)
	}
	wg.Wait()
	pprof.StopCPUProfile()
	f.Close()
}`);
  return parts.join('\n');
}

/** The path of the profile, made on first use (about a minute); undefined without Go. */
export function bigCpuProfile(root: string): string | undefined {
  const dir = join(root, 'out/bench/bigcpu');
  const profile = join(root, 'out/bench/bigcpu.pb.gz');
  if (existsSync(profile)) return profile;
  if (spawnSync('go', ['version']).status !== 0) return undefined;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), 'module bigcpu\n\ngo 1.19\n');
  writeFileSync(join(dir, 'main.go'), source());
  console.log('building and running a Go program with 24,000 functions for 40 s to get a large CPU profile (once)…');
  const build = spawnSync('go', ['build', '-o', 'bigcpu', '.'], { cwd: dir, stdio: 'inherit' });
  if (build.status !== 0) return undefined;
  const run = spawnSync(join(dir, 'bigcpu'), [profile], { cwd: dir, stdio: ['ignore', 'ignore', 'ignore'] });
  return run.status === 0 ? profile : undefined;
}
