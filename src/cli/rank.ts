// `rca-bot rank <case-dir> [--baseline <dir>]... [--json]`: which service of
// a labelled-dataset case (Nezha layout) is the cause, services ranked by the
// trace, log and metric evidence against them. Fault-free folders given with
// --baseline (by default the case's siblings named baseline-*) are the
// reference for spans and logs; metrics are compared with their own history
// before the incident.
import { readdir } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { detectMetricAnomalies } from '../analysis/metrics/detect.js';
import { metricWindow, rank } from '../analysis/rank/index.js';
import { UserError } from '../errors.js';
import { frontendSeriesOf, loadNezhaCase, rankInputOf, type NezhaCase } from '../sources/cases/nezha.js';
import type { Io } from './io.js';
import { usageOf } from './usage.js';
import { quoteTraceLogs } from '../analysis/join.js';
import { printTraceLogs } from './trace-logs.js';

const rankUsage = usageOf('rank');

export async function runRank(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      baseline: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UserError(`usage: ${rankUsage}`);
  const incident = await load(positionals[0]);
  const baselines = values.baseline ? await Promise.all(values.baseline.map(load)) : await siblings(positionals[0], io);
  // Rows that could not be read were skipped (or their time taken from another column): said once per file.
  const notes = [...incident.notes, ...baselines.flatMap((b) => b.notes.map((n) => `${basename(b.dir)}/${n}`))];
  for (const n of notes) io.err(`rca-bot: ${n}`);
  const input = rankInputOf(incident, baselines);
  const { ranking } = rank(input);
  const window = { start: iso(incident.window.start), end: iso(incident.window.end) };
  const used = (input.baselines ?? []).length;
  // The log lines of the slowest and the failing traces, by the trace ids the lines carry.
  const traceLogs = quoteTraceLogs(incident.spans, incident.logs);
  if (values.json) {
    io.out(JSON.stringify({ window, baselines: used, ranking, traceLogs, notes }));
    return 0;
  }
  io.out(`Incident window ${window.start} to ${window.end} (minutes ${incident.minutes.join(', ')}); ${describeBaselines(used, baselines.length)}`);
  for (const f of detectMetricAnomalies(frontendSeriesOf(incident), metricWindow(incident.window)).slice(0, 2)) io.out(`Symptom: ${f.title}`);
  const shown = ranking.filter((r) => r.score > 0);
  if (shown.length === 0) io.out('No service stands out: nothing in the traces, logs or metrics differs from usual.');
  const width = Math.max(...shown.map((r) => r.service.length), 0);
  shown.forEach((r, i) => {
    const top = r.evidence[0];
    io.out(`${String(i + 1).padStart(2)}. ${r.service.padEnd(width)}  ${r.score.toFixed(2)}  [${top.source}] ${top.summary}`);
    const pad = ' '.repeat(width + 12);
    if (r.operation) io.out(`${pad}operation: ${r.operation}`);
    if (r.template) io.out(`${pad}log template: ${r.template.length > 160 ? `${r.template.slice(0, 159)}…` : r.template}`);
  });
  const quiet = ranking.length - shown.length;
  if (quiet > 0 && shown.length > 0) io.out(`(${quiet} more service${quiet === 1 ? '' : 's'} show nothing unusual)`);
  printTraceLogs(io, traceLogs);
  return 0;
}

function describeBaselines(used: number, given: number): string {
  if (given === 0) return 'no fault-free traces or logs (--baseline), so those are judged without a reference';
  const ignored = given - used;
  return `${used} fault-free folder${used === 1 ? '' : 's'} as the baseline${ignored > 0 ? ` (${ignored} ignored: another system)` : ''}`;
}

/** The fault-free folders beside the case (named baseline-*); one that does not load is left out, with a note. */
async function siblings(dir: string, io: Io): Promise<NezhaCase[]> {
  const parent = dirname(resolve(dir));
  const names = await readdir(parent, { withFileTypes: true }).catch(() => []);
  const out: NezhaCase[] = [];
  for (const d of names) {
    if (!d.isDirectory() || !d.name.startsWith('baseline') || d.name === basename(resolve(dir))) continue;
    const r = await loadNezhaCase(join(parent, d.name));
    if (r.ok) out.push(r.value);
    else io.err(`rca-bot: left out as a baseline: ${r.error}`);
  }
  return out;
}

async function load(dir: string): Promise<NezhaCase> {
  const r = await loadNezhaCase(dir);
  if (!r.ok) throw new UserError(r.error);
  return r.value;
}

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');
