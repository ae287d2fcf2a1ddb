// `rca-bot trace <file|->`: what a Go execution trace says, in text or JSON;
// its latency profiles as pprof files (--pprof KIND -o out.pb.gz).
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { renderTimelinePng } from '../render/timeline.js';
import { parseArgs } from 'node:util';
import { fileError, UserError } from '../errors.js';
import { formatValue } from '../profile/units.js';
import { analyzeTrace } from '../trace/analyze.js';
import { dumpTrace } from '../trace/dump.js';
import { latencyKinds, type LatencyKind } from '../trace/latency.js';
import { traceReport, type TraceReport } from '../trace/report.js';
import type { Io } from './io.js';
import { readInput } from './read.js';
import { usageOf } from './usage.js';

const ns = (v: number) => (v === 0 ? '0' : formatValue(v, 'nanoseconds'));

export async function runTrace(argv: string[], io: Io): Promise<number> {
  try {
    return await run(argv, io);
  } catch (e) {
    // A trace that cannot be opened, or an output that cannot be written: one line, exit 2.
    const code = (e as NodeJS.ErrnoException).code;
    if (code && !(e instanceof UserError)) throw new UserError(`${(e as NodeJS.ErrnoException).path ?? 'file'}: ${fileError(e)}`);
    throw e;
  }
}

async function run(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      pprof: { type: 'string' },
      o: { type: 'string', short: 'o' },
      limit: { type: 'string' },
      png: { type: 'string' },
      // Every event in Go's Event.String() form, for comparing with Go's own reader.
      dump: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UserError(`usage: ${usageOf('trace')}`);
  const file = positionals[0];
  const kind = values.pprof as LatencyKind | undefined;
  if (kind !== undefined && !latencyKinds.includes(kind)) throw new UserError(`--pprof takes ${latencyKinds.join(', ')}, not "${kind}"`);
  if (kind !== undefined && !values.o) throw new UserError('--pprof needs -o <out.pb.gz>');
  const limit = values.limit === undefined ? 12 : Number(values.limit);
  if (!(Number.isInteger(limit) && limit > 0)) throw new UserError(`--limit must be a positive whole number, not "${values.limit}"`);
  const input = file === '-' ? readInput('-') : file;
  if (values.dump) {
    let error = '';
    dumpTrace(input, (s) => {
      if (typeof s === 'string' && s.startsWith('error: ')) error = s.slice(7).trimEnd();
      else process.stdout.write(s);
    });
    if (error) throw new UserError(`${file}: ${error}`);
    return 0;
  }
  const analysis = analyzeTrace(input);
  if (!analysis.ok) throw new UserError(`${file}: ${analysis.error}`);
  if (kind !== undefined) {
    writeFileSync(values.o!, analysis.value.latency.pprof(kind, analysis.value.summary));
    return 0;
  }
  if (values.png) writeFileSync(values.png, await renderTimelinePng(analysis.value.timeline, `${basename(file)}: execution trace, ${(analysis.value.facts.durationNs / 1e9).toFixed(1)} s`));
  const report = traceReport(analysis.value);
  if (values.json) io.out(JSON.stringify(report));
  else io.out(formatReport(report, limit));
  return 0;
}

const percent = (x: number) => (x > 0 && x < 0.001 ? '<0.1%' : `${(x * 100).toFixed(x < 0.1 && x > 0 ? 1 : 0)}%`);

function gcLine(r: TraceReport): string {
  const g = r.gc;
  const parts = [`${g.stw.count} stop-the-world pauses${g.stw.count ? `, ${ns(g.stw.totalNs)} in all, worst ${ns(g.stw.worstNs)}` : ''}`, `${g.markPhases} mark phases, ${ns(g.markNs)}`, `mark workers running ${ns(g.workerRunningNs)}`, `mark assists ${ns(g.assistNs)}, running ${ns(g.assistRunningNs)} (${percent(g.assistShare)} of running time)`];
  if (g.mmu.length) parts.push(`minimum mutator utilization ${g.mmu.map((m) => `${m.windowMs} ms ${percent(m.util)}`).join(', ')}`);
  return `GC: ${parts.join(' · ')}`;
}

export function formatReport(r: TraceReport, limit: number): string {
  const lines = [
    `go 1.${r.version} trace: ${r.events.toLocaleString('en')} events, ${formatValue(r.bytes, 'bytes')}, ${ns(r.durationNs)}, ${r.goroutines.toLocaleString('en')} goroutines`,
    '',
    'Latency (go tool trace -pprof): ' + latencyKinds.map((k) => `${k} ${ns(r.latency[k].delayNs)} in ${r.latency[k].count}`).join(' · '),
    gcLine(r),
    '',
    `Goroutines by start function (${Math.min(limit, r.groups.length)} of ${r.groups.length}, most execution time first):`,
    `${'count'.padStart(7)} ${'exec'.padStart(9)} ${'sched wait'.padStart(10)} ${'blocked'.padStart(9)} ${'syscall'.padStart(9)}  start function (main block reason)`,
  ];
  for (const g of r.groups.slice(0, limit)) {
    const blocked = Object.values(g.blockNs).reduce((a, b) => a + b, 0);
    const main = Object.entries(g.blockNs).sort((a, b) => b[1] - a[1])[0];
    lines.push(
      `${String(g.count).padStart(7)} ${ns(g.execNs).padStart(9)} ${ns(g.schedWaitNs).padStart(10)} ${ns(blocked).padStart(9)} ${ns(g.syscallNs + g.syscallBlockNs).padStart(9)}  ${g.name || '(unknown)'}${main ? ` (${main[0] || 'unknown'})` : ''}`,
    );
  }
  for (const [title, list] of [
    ['Regions', r.regions],
    ['Tasks', r.tasks],
  ] as const) {
    if (list.length === 0) continue;
    lines.push('', `${title} by type:`, `${'count'.padStart(7)} ${'p50'.padStart(9)} ${'p99'.padStart(9)} ${'max'.padStart(9)}  type`);
    for (const d of list.slice(0, limit)) lines.push(`${String(d.count).padStart(7)} ${ns(d.p50Ns).padStart(9)} ${ns(d.p99Ns).padStart(9)} ${ns(d.maxNs).padStart(9)}  ${d.type}`);
  }
  if (r.slowestTasks.length > 0) {
    lines.push('', 'Slowest tasks:');
    for (const t of r.slowestTasks) {
      lines.push(`${ns(t.ns).padStart(9)}  ${t.type} (task ${t.id})`);
      for (const l of t.logs) lines.push(`             ${l.category ? `${l.category}: ` : ''}${l.message}`);
    }
  }
  return lines.join('\n');
}
