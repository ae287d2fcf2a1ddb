// Runs the CLI in-process and captures what it prints.
import { main } from '../../src/cli/main.js';

export interface CliRun {
  code: number;
  /** Standard output, lines joined. */
  out: string;
  /** Standard error, one entry a line. */
  err: string[];
}

export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}
