// The log lines of the slowest and the failing traces, as `rca-bot traces --logs` and `rca-bot rank` print them.
import type { TraceLogs } from '../model.js';
import { traceHeading, traceLine } from '../../templates/summary.js';
import type { Io } from './io.js';

export function printTraceLogs(io: Io, traceLogs: readonly TraceLogs[]): void {
  if (traceLogs.length === 0) return;
  for (const t of traceLogs) {
    io.out('');
    io.out(`${traceHeading(t)}:`);
    for (const l of t.lines) io.out(`  ${traceLine(l)}`);
    if (t.more) io.out(`  … ${t.more} more lines`);
  }
}
