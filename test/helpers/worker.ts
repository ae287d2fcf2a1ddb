// `rca-bot worker` as its own process on a test's Redis prefix, resolved once it
// says it is up; its standard-error lines (the log) are kept for the test to read.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { redisUrl } from './redis.js';
import { repoRoot } from './shared.js';

export interface WorkerProcess {
  proc: ChildProcess;
  lines: string[];
}

export async function startWorkerProcess(prefix: string, env: Record<string, string> = {}): Promise<WorkerProcess> {
  const full = { ...process.env, REDIS_URL: redisUrl, RCA_REDIS_PREFIX: prefix, RCA_LOG_LEVEL: 'info', ...env };
  const proc = spawn(process.execPath, [join(repoRoot, 'bin/rca-bot.js'), 'worker'], { env: full, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  await new Promise<void>((ok, fail) => {
    createInterface({ input: proc.stderr! }).on('line', (l) => {
      lines.push(l);
      if (l.includes('worker is up')) ok();
    });
    proc.once('exit', (code) => fail(new Error(`worker exited with ${code}`)));
  });
  return { proc, lines };
}
