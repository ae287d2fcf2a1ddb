// Parca (built once per machine by .ci/backends, cached by version) on 127.0.0.1, in memory, with
// debuginfod lookups off (no network here), scraping the given targets' /debug/pprof every
// `every` seconds under one job name.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './redis.js';
import { freePort } from './server.js';
import { stopper } from './process.js';

export const parcaVersion = process.env.PARCA_VERSION ?? 'v0.28.0';
const cache = process.env.RCA_CACHE ?? join(homedir(), '.cache/rca-bot');
const binary = join(cache, 'bin', `parca-${parcaVersion}`, 'parca');
/** The binary, when this machine has it. */
export const parcaBinary: string | undefined = existsSync(binary) ? binary : undefined;

export interface Parca {
  url: string;
  /** The CPU seconds Parca holds of `job` between two times (ms), through the same query API the bot reads. */
  cpuSeconds(job: string, start: number, end: number): Promise<number>;
  stop(): Promise<void>;
}

const cpuType = 'process_cpu:cpu:nanoseconds:cpu:nanoseconds:delta';

export async function startParca(job: string, targets: string[], every = 2): Promise<Parca> {
  if (!parcaBinary) throw new Error('no parca binary: run .ci/backends');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rca-parca-'));
  const config = join(dir, 'parca.yaml');
  // Parca refuses a scrape_timeout that is not greater than the interval.
  writeFileSync(
    config,
    `object_storage:
  bucket:
    type: "FILESYSTEM"
    config:
      directory: "${join(dir, 'data')}"
scrape_configs:
  - job_name: "${job}"
    scrape_interval: "${every}s"
    scrape_timeout: "${every + 1}s"
    static_configs:
      - targets: [${targets.map((t) => `"${new URL(t).host}"`).join(', ')}]
`,
  );
  const proc = spawn(parcaBinary, [`--config-path=${config}`, `--http-address=127.0.0.1:${port}`, '--debuginfod-upstream-servers=', '--storage-active-memory=134217728', `--storage-path=${join(dir, 'storage')}`], {
    cwd: dir,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  await until(
    async () => {
      if (proc.exitCode !== null) throw new Error(`parca exited with ${proc.exitCode}: ${stderr}`);
      return (await fetch(`${url}/api/profiles/types`).catch(() => undefined))?.ok;
    },
    'parca to answer',
    30_000,
  );
  const { parseProfile } = await import('../../src/profile/pprof.js');
  return {
    url,
    async cpuSeconds(name, start, end) {
      const q = new URLSearchParams({ mode: 'MODE_MERGE', reportType: 'REPORT_TYPE_PPROF', 'merge.query': `${cpuType}{job="${name}"}`, 'merge.start': new Date(start).toISOString(), 'merge.end': new Date(end).toISOString() });
      const res = await fetch(`${url}/api/profiles/query?${q}`);
      if (!res.ok) return 0;
      const p = parseProfile(Buffer.from(((await res.json()) as { pprof: string }).pprof, 'base64'));
      if (!p.ok) return 0;
      let ns = 0;
      for (let i = 0; i < p.value.samples.count; i++) ns += p.value.samples.values[i * p.value.sampleTypes.length];
      return ns / 1e9;
    },
    stop: stopper(proc),
  };
}
