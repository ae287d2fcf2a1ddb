// `rca-bot logs <file|-> [--format F] [--baseline <file>] [--json]`: the
// templates of a log, the template of each line, and (against a baseline)
// the templates that are new or grew sharply.
import { parseArgs } from 'node:util';
import { compareWindows, type ErrorBurst } from '../analysis/logs/compare.js';
import { Drain, templateText } from '../analysis/logs/drain.js';
import { formatError, formatFor, type LineFormat } from '../analysis/logs/format.js';
import { countTemplates } from '../analysis/logs/mine.js';
import { mineLinesFast } from '../analysis/logs/threads.js';
import { UserError } from '../errors.js';
import { readLogInput, type LogInput } from '../sources/logs/lines.js';
import type { Io } from './io.js';
import { usageOf } from './usage.js';

const logsUsage = usageOf('logs');

export async function runLogs(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      baseline: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  if (positionals.length !== 1) throw new UserError(`usage: ${logsUsage}`);
  const file = positionals[0];
  if (values.baseline === '-' && file === '-') throw new UserError('only one of the log and --baseline can be standard input');
  // A bad notation is said before anything is read.
  const bad = values.format === undefined ? undefined : formatError(values.format);
  if (bad) throw new UserError(`--format: ${bad}`);
  const input = await read(file);
  const baseline = values.baseline === undefined ? undefined : await read(values.baseline);
  let format: LineFormat | undefined;
  if (values.format !== undefined) {
    const chosen = formatFor(values.format, input.lines.slice(0, 100));
    if (!chosen.ok) throw new UserError(`--format: ${chosen.error}`);
    format = chosen.value.format;
    if (chosen.value.note) io.err(`rca-bot: ${chosen.value.note}`);
  }

  // The input is mined first, so its template ids do not depend on the baseline. A large log
  // is masked on two threads (RCA_LOGS_THREADS=0: one); the templates are the same either way.
  const drain = new Drain();
  const threads = process.env.RCA_LOGS_THREADS !== '0';
  const mined = mineLinesFast(drain, input.lines, format, threads);
  const base = baseline && mineLinesFast(drain, baseline.lines, format, threads);
  if (format && mined.unmatched > 0) io.err(`rca-bot: ${file}: ${mined.unmatched} of ${input.lines.length} lines do not have the format; they were mined whole`);

  let findings: ErrorBurst[] = [];
  if (baseline && base) {
    findings = compareWindows(
      (id) => templateText(drain.templates[id]),
      { ids: base.ids, lines: baseline.lines, levels: base.levels, seconds: baseline.seconds },
      { ids: mined.ids, lines: input.lines, levels: mined.levels, seconds: input.seconds },
    );
  }
  const templates = countTemplates(drain, mined.ids);
  if (values.json) {
    io.out(JSON.stringify({ templates, lines: mined.ids, findings }));
    return 0;
  }
  io.out(`${templates.length} templates in ${input.lines.length} lines`);
  const width = String(templates.reduce((m, t) => Math.max(m, t.count), 0)).length;
  for (const t of [...templates].sort((a, b) => b.count - a.count || a.id - b.id)) io.out(`${String(t.count).padStart(width)}  #${t.id}  ${t.template}`);
  if (baseline) {
    io.out('');
    if (findings.length === 0) io.out(`No template is new or grew sharply against ${values.baseline}.`);
    for (const f of findings) {
      io.out(`[${f.confidence.toFixed(2)}] ${f.title}`);
      for (const e of f.evidence) io.out(`       ${e.summary}`);
    }
  }
  return 0;
}

async function read(path: string): Promise<LogInput> {
  const r = await readLogInput(path);
  if (!r.ok) throw new UserError(r.error);
  return r.value;
}
