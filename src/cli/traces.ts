// `rca-bot traces <file|url|-> [--baseline <file|url>] [--json] [--service S]`:
// spans clustered by signature with their cost, the critical path of the
// slowest trace, and (most surely against a baseline) the slow dependency,
// new errors or retries that explain an incident.
import { parseArgs } from 'node:util';
import { analyzeTraces, type Cluster, type TraceAnalysis } from '../analysis/traces/index.js';
import { callLabel, micros } from '../analysis/traces/inputs.js';
import { UserError } from '../errors.js';
import { get } from '../sources/http.js';
import { parseTraces, type Span } from '../sources/traces/index.js';
import { Skips } from '../sources/skips.js';
import type { Io } from './io.js';
import { readInput } from './read.js';
import { usageOf } from './usage.js';
import { quoteTraceLogs, traceRefOf, type TracedLine } from '../analysis/join.js';
import { readLogInput } from '../sources/logs/lines.js';
import { entrySeconds } from '../sources/logs/loki.js';
import { printTraceLogs } from './trace-logs.js';

const tracesUsage = usageOf('traces');
const TOP = 10;

export async function runTraces(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      baseline: { type: 'string' },
      service: { type: 'string' },
      json: { type: 'boolean', default: false },
      logs: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UserError(`usage: ${tracesUsage}`);
  const input = positionals[0];
  if (values.baseline === '-' && input === '-') throw new UserError('only one of the traces and --baseline can be standard input');
  const warn = (line: string) => io.err(`rca-bot: ${line}`);
  let spans = await load(input, warn);
  let baseline = values.baseline === undefined ? undefined : await load(values.baseline, warn);
  if (values.service !== undefined) {
    spans = touching(spans, values.service, input);
    if (baseline) baseline = touching(baseline, values.service, values.baseline as string, true);
  }
  if (values.logs === '-' && (input === '-' || values.baseline === '-')) throw new UserError('only one of the traces, --baseline and --logs can be standard input');
  const lines = values.logs === undefined ? undefined : await logLines(values.logs);
  const r = analyzeTraces(spans, { baseline });
  const traceLogs = lines ? quoteTraceLogs(spans, lines) : undefined;
  if (values.json) {
    io.out(JSON.stringify({ spans: r.spans, traces: r.traces, clusters: r.clusters, criticalPath: r.criticalPath, findings: r.findings, ...(traceLogs ? { traceLogs } : {}) }));
    return 0;
  }
  printHuman(io, r, baseline ? { name: values.baseline as string, spans: baseline.length } : undefined);
  if (lines) {
    const traced = lines.filter((l) => l.ref).length;
    io.out('');
    io.out(`${values.logs}: ${lines.length} log lines, ${traced} with a trace id`);
    printTraceLogs(io, traceLogs ?? []);
  }
  return 0;
}

/** Log lines (a file, a Loki answer, or standard input) with the trace each names. */
async function logLines(path: string): Promise<TracedLine[]> {
  const input = await readLogInput(path);
  if (!input.ok) throw new UserError(input.error);
  const entries = input.value.entries;
  return input.value.lines.map((line, i) => {
    const e = entries?.[i];
    const ref = traceRefOf(line, e?.labels);
    const time = e ? entrySeconds(e) : undefined;
    return { line, ...(ref ? { ref } : {}), ...(time !== undefined ? { time } : {}) };
  });
}

async function load(path: string, warn: (line: string) => void): Promise<Span[]> {
  const name = path === '-' ? 'standard input' : path;
  let text: string;
  if (/^https?:\/\//i.test(path)) {
    const res = await get(path, { timeoutMs: 30_000, maxBytes: 256 << 20 });
    if (!res.ok) throw new UserError(`${path}: ${res.error}`);
    text = res.value.body.toString('utf8');
    if (res.value.status !== 200) throw new UserError(`${path}: HTTP ${res.value.status}: ${text.trim().split('\n')[0].slice(0, 200)}`);
  } else text = readInput(path).toString('utf8');
  const skips = new Skips();
  try {
    const spans = parseTraces(text, undefined, skips);
    const skipped = skips.summary('spans');
    if (skipped) warn(`${name}: ${skipped}`);
    return spans;
  } catch (e) {
    if (e instanceof UserError) throw new UserError(`${name}: ${e.message.replace(/^traces: /, '')}`);
    throw e;
  }
}

/** The spans of the traces that have a span of `service`. */
function touching(spans: Span[], service: string, name: string, quiet = false): Span[] {
  const ids = new Set<string>();
  for (const s of spans) if (s.service === service) ids.add(s.traceId);
  if (ids.size === 0 && !quiet) {
    const services = [...new Set(spans.map((s) => s.service))].sort();
    throw new UserError(`${name === '-' ? 'standard input' : name}: no span of service "${service}"; it has ${services.slice(0, 20).join(', ') || 'no spans'}${services.length > 20 ? ', …' : ''}`);
  }
  return spans.filter((s) => ids.has(s.traceId));
}

function printHuman(io: Io, r: TraceAnalysis, baseline: { name: string; spans: number } | undefined): void {
  io.out(`${r.spans} spans in ${r.traces} traces, ${r.clusters.length} signatures${baseline ? ` (baseline: ${baseline.spans} spans in ${baseline.name})` : ''}`);
  if (r.spans === 0) return;
  io.out('');
  io.out(`Where the time goes (self time), top ${Math.min(TOP, r.clusters.length)}:`);
  const rows = r.clusters.slice(0, TOP).map((c) => [String(c.count), String(c.errors), micros(c.p50), micros(c.p95), micros(c.p99), micros(c.selfTotal), `${signature(c)}${versus(c)}`]);
  const head = ['count', 'errors', 'p50', 'p95', 'p99', 'self', 'signature'];
  const width = head.map((h, k) => Math.max(h.length, ...rows.map((row) => row[k].length)));
  for (const row of [head, ...rows]) io.out(`  ${row.map((v, k) => (k === row.length - 1 ? v : v.padStart(width[k]))).join('  ')}`);

  if (r.slowest && r.criticalPath.length > 0) {
    io.out('');
    io.out(`Critical path of the slowest trace, ${r.slowest.traceId} (${micros(r.slowest.micros)}):`);
    // The longest steps, in time order; the JSON has every step.
    const big = new Set([...r.criticalPath].sort((a, b) => b.selfMicros - a.selfMicros).slice(0, 12));
    const shown = r.criticalPath.filter((p) => big.has(p));
    const w = Math.max(...shown.map((p) => micros(p.selfMicros).length));
    for (const p of shown) io.out(`  ${micros(p.selfMicros).padStart(w)}  ${p.service} ${p.operation}`);
    const rest = r.criticalPath.length - shown.length;
    if (rest > 0) io.out(`  (${rest} shorter step${rest > 1 ? 's' : ''}, ${micros(r.criticalPath.reduce((t, p) => t + (big.has(p) ? 0 : p.selfMicros), 0))} in all, left out)`);
  }

  io.out('');
  if (r.findings.length === 0) io.out(`No finding: nothing in these traces stands out${baseline ? ` against ${baseline.name}` : ' (a --baseline makes the comparison sharper)'}.`);
  for (const f of r.findings) {
    io.out(`[${f.confidence.toFixed(2)}] ${f.kind}${f.service ? ` (${f.service})` : ''}: ${f.title}`);
    for (const e of f.evidence) io.out(`       ${e.summary}`);
  }
}

function signature(c: Cluster): string {
  const outcome = [c.kind, c.status && `status ${c.status}`, c.errorType, c.error && 'error'].filter(Boolean).join(', ');
  return `${callLabel(c)}${outcome ? ` [${outcome}]` : ''}`;
}

function versus(c: Cluster): string {
  if (c.new) return '  (new)';
  if (c.p95Ratio !== undefined && (c.p95Ratio >= 1.5 || c.p95Ratio <= 0.67)) return `  (p95 ${c.p95Ratio}× the baseline)`;
  return '';
}
