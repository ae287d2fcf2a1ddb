// The bot as its own process (`rca-bot serve`), on a free port and its own
// Redis prefix, for tests that use it as a person or another program would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { repoRoot } from './shared.js';
import { stopper } from './process.js';

export interface Bot {
  process: ChildProcess;
  /** The console page's address, as the bot prints it. */
  consoleUrl: string;
  /** http://127.0.0.1:PORT */
  base: string;
  /** What it wrote to standard error, a line each, when started with stderr 'pipe'. */
  stderr: string[];
  stop(): Promise<void>;
}

/** Starts `rca-bot serve` (with `args`) without a registry (the demo) unless env names one; resolves once it says it is up. */
export async function startBot(env: NodeJS.ProcessEnv, args: string[] = [], stderr: 'inherit' | 'pipe' = 'inherit'): Promise<Bot> {
  const full: NodeJS.ProcessEnv = { ...process.env, PORT: '0', ...env };
  if (!('RCA_CONFIG' in env)) delete full.RCA_CONFIG;
  const proc = spawn(process.execPath, [join(repoRoot, 'bin/rca-bot.js'), 'serve', ...args], { cwd: repoRoot, env: full, stdio: ['ignore', 'pipe', stderr] });
  const stderrLines: string[] = [];
  if (proc.stderr) createInterface({ input: proc.stderr }).on('line', (l) => stderrLines.push(l));
  const line = await new Promise<string>((ok, fail) => {
    createInterface({ input: proc.stdout! }).on('line', (l) => l.startsWith('rca-bot is up') && ok(l));
    proc.once('exit', (code) => fail(new Error(`the bot exited with ${code}`)));
  });
  const consoleUrl = /open (\S+)/.exec(line)?.[1] as string;
  return {
    process: proc,
    consoleUrl,
    base: new URL(consoleUrl).origin,
    stderr: stderrLines,
    stop: stopper(proc),
  };
}
