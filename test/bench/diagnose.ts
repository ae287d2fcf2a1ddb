// How long a diagnosis takes beyond its capture window: the time from the
// end of the window to a finished report with its flame graphs.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { writeOutputs } from '../../src/cli/diagnose.js';
import { diagnose } from '../../src/rca/diagnose.js';

export async function benchDiagnose(root: string): Promise<void> {
  if (spawnSync('go', ['version']).status !== 0) {
    console.log('diagnosis overhead: skipped (go not installed)');
    return;
  }
  const bin = join(mkdtempSync(join(tmpdir(), 'rca-bench-')), 'target');
  const build = spawnSync('go', ['build', '-o', bin, '.'], { cwd: join(root, 'test/go/target') });
  if (build.status !== 0) throw new Error(`go build: ${build.stderr}`);
  const seconds = 5;
  console.log(`diagnosis overhead (window ${seconds} s; the target under 200 requests/s from a separate process)`);
  for (const mode of ['healthy', 'cpu', 'pool', 'gc', 'memory']) {
    const target = spawn(bin, ['-mode', mode], { stdio: ['ignore', 'pipe', 'ignore'] });
    const line = await new Promise<string>((r) => createInterface({ input: target.stdout! }).once('line', r));
    const url = `http://${line.replace('listening ', '')}`;
    const load = spawn(bin, ['-load', `${url}/work`], { stdio: 'ignore' });
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = performance.now();
    const d = await diagnose({ service: mode, pprof: url, probes: [] }, { seconds });
    await writeOutputs(d, mkdtempSync(join(tmpdir(), 'rca-bench-out-')));
    const total = performance.now() - t0;
    load.kill();
    target.kill();
    const t = d.report.timings;
    console.log(
      `  ${mode.padEnd(8)} ${d.report.verdict.padEnd(12)} analysis ${t.decode + t.analysis + t.render} ms (decode ${t.decode}, detect+fuse ${t.analysis}, flame PNGs ${t.render});` +
        ` ${((total - seconds * 1000) / 1000).toFixed(2)} s from the end of the window to the report (the last capture answered at ${(t.capture / 1000).toFixed(2)} s)`,
    );
  }
}
