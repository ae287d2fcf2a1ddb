// `rca-bot doctor`: every check in one line each, exit 2 when one fails (a set-up is input, and this one is bad).
import { parseArgs } from 'node:util';
import { formatChecks, runChecks } from '../doctor/checks.js';
import type { Io } from './io.js';

export async function runDoctor(argv: string[], io: Io, source: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const checks = await runChecks(source);
  io.out(values.json ? JSON.stringify(checks) : formatChecks(checks));
  return checks.some((c) => c.level === 'fail') ? 2 : 0;
}
