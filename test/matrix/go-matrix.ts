// npm run test:go-matrix: the diagnosis and live-conformance tests, once per
// Go toolchain, from Go 1.19 (where it can be had) to the machine's own; the
// newest patch of each release that the module proxy serves. Prints one
// table: toolchain × fault mode → top finding, confidence, verdict.
//
//   npm run test:go-matrix                    every toolchain
//   npm run test:go-matrix -- go1.22.12 local  only these
//   npm run test:go-matrix -- --supported      Go 1.22 up to, not including, the machine's own (CI)
//   … --budget=SECONDS                          start no toolchain that would end past the budget:
//                                               the oldest and the newest first, then the ones between
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { faultByMode } from '../helpers/faults.js';

interface Row {
  toolchain: string;
  mode: string;
  verdict: string;
  kind?: string;
  function?: string;
  confidence?: number;
  errors: number;
}

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: { assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

function newestPatches(): string[] {
  const r = spawnSync('go', ['list', '-m', '-versions', 'golang.org/toolchain'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`go list -m -versions golang.org/toolchain failed: ${r.stderr.trim()}`);
  const platform = `${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`;
  const local = spawnSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).stdout.trim();
  const localMinor = Number(/^go1\.(\d+)/.exec(local)?.[1]);
  const newest = new Map<number, number>();
  for (const v of r.stdout.split(/\s+/)) {
    const m = /^v0\.0\.1-go1\.(\d+)\.(\d+)\.(.+)$/.exec(v);
    if (m?.[3] !== platform) continue;
    if (!m) continue;
    const [minor, patch] = [Number(m[1]), Number(m[2])];
    if (minor >= 19 && minor < localMinor && patch >= (newest.get(minor) ?? -1)) newest.set(minor, patch);
  }
  const names = [...newest].sort((a, b) => a[0] - b[0]).map(([minor, patch]) => `go1.${minor}.${patch}`);
  if (existsSync('/usr/lib/go-1.19/bin/go')) names.unshift('debian-1.19');
  return [...names, 'local'];
}

const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

function main() {
  const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const budgetFlag = flags.find((f) => f.startsWith('--budget='));
  const budget = budgetFlag ? Number(budgetFlag.slice('--budget='.length)) : undefined;
  if (budget !== undefined && !(budget >= 0)) throw new Error(`${budgetFlag} is not a number of seconds`);
  const supported = (t: string) => /^go1\.(\d+)/.test(t) && Number(/^go1\.(\d+)/.exec(t)![1]) >= 22;
  const listed = flags.includes('--supported') ? newestPatches().filter(supported) : asked.length > 0 ? asked : newestPatches();
  if (listed.length === 0) throw new Error('no toolchain to run: the module proxy listed none for this platform');
  const toolchains = budget === undefined ? listed : endsFirst(listed);
  console.log(`toolchains: ${toolchains.join(', ')}${budget === undefined ? '' : ` (a budget of ${budget} s)`}`);
  const started = Date.now();
  const skipped: string[] = [];
  let longest = 0;
  // What a toolchain takes: the longest timed here, or until one has been, its tests with its target already built.
  const estimate = () => longest || 180;
  const dir = mkdtempSync(join(tmpdir(), 'rca-matrix-'));
  const rows: Row[] = [];
  const failures: string[] = [];
  const summary: string[] = [];
  for (const tc of toolchains) {
    const spent = (Date.now() - started) / 1000;
    if (budget !== undefined && spent + estimate() > budget) {
      skipped.push(tc);
      continue;
    }
    const out = join(dir, `${tc}.jsonl`);
    const json = join(dir, `${tc}.json`);
    const t0 = Date.now();
    console.log(`\n== ${tc}`);
    const r = spawnSync('npx', ['vitest', 'run', 'test/diagnose.test.ts', 'test/pprof-live.test.ts', 'test/trace-live.test.ts', '--reporter=dot', '--reporter=json', `--outputFile.json=${json}`], {
      env: { ...process.env, RCA_GO: tc, RCA_MATRIX_OUT: out },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const secs = Math.round((Date.now() - t0) / 1000);
    longest = Math.max(longest, secs);
    if (!existsSync(json)) {
      summary.push(`${pad(tc, 13)} could not run (vitest exit ${r.status}): see above`);
      failures.push(`${tc}: the tests did not run`);
      continue;
    }
    const res = JSON.parse(readFileSync(json, 'utf8')) as VitestJson;
    const these = existsSync(out)
      ? readFileSync(out, 'utf8')
          .trim()
          .split('\n')
          .map((l) => ({ ...(JSON.parse(l) as Row), toolchain: tc === 'local' ? `${(JSON.parse(l) as Row).toolchain} (local)` : (JSON.parse(l) as Row).toolchain }))
      : [];
    rows.push(...these);
    const failed = res.testResults.flatMap((t) => t.assertionResults.filter((a) => a.status === 'failed'));
    for (const f of failed) failures.push(`${tc}: ${f.fullName}: ${f.failureMessages[0]?.split('\n')[0] ?? ''}`);
    // A suite that failed to load or in its beforeAll has no failed assertion to show.
    if (r.status !== 0 && failed.length === 0) failures.push(`${tc}: vitest exited with ${r.status} (a suite failed outside its tests: see above)`);
    const conformance = res.testResults.flatMap((t) => t.assertionResults.filter((a) => a.fullName.startsWith('live profiles')));
    const confOk = conformance.filter((a) => a.status === 'passed').length;
    const traces = res.testResults.flatMap((t) => t.assertionResults.filter((a) => a.fullName.startsWith('live execution traces')));
    const tracesOk = traces.filter((a) => a.status === 'passed').length;
    summary.push(
      `${pad(these[0]?.toolchain ?? tc, 22)} ${res.numPassedTests} passed, ${res.numFailedTests} failed; pprof-exact ${confOk}/${conformance.length}; trace-exact ${tracesOk}/${traces.length}; ${secs} s`,
    );
  }

  console.log('\ntoolchain              mode              top finding      function                   conf  verdict       ');
  console.log('-'.repeat(110));
  for (const r of rows) {
    const want = faultByMode[r.mode];
    const right = want ? want.kinds.some((k) => k === r.kind) && r.function === want.function && (r.confidence ?? 0) >= 0.5 && r.errors === 0 : r.verdict === 'healthy';
    console.log(
      `${pad(r.toolchain, 22)} ${pad(r.mode, 17)} ${pad(r.kind ?? '-', 16)} ${pad(r.function ?? '-', 26)} ${pad(r.confidence?.toFixed(2) ?? '-', 5)} ${pad(r.verdict, 13)} ${right ? 'ok' : 'WRONG'}`,
    );
  }
  console.log(`\n${summary.join('\n')}`);
  if (skipped.length > 0) console.log(`not run, to stay within the budget of ${budget} s (a toolchain takes about ${estimate()} s): ${skipped.join(', ')}`);
  if (failures.length > 0) {
    console.log(`\nfailed:\n${failures.map((f) => `  ${f}`).join('\n')}`);
    process.exitCode = 1;
  }
}

/** The oldest and the newest first, then the ones between, oldest first. */
function endsFirst(names: string[]): string[] {
  if (names.length <= 2) return names;
  return [names[0], names[names.length - 1], ...names.slice(1, -1)];
}

main();
