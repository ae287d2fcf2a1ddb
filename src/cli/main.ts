// The rca-bot command line: a table of commands, each a module.
import { UserError } from '../errors.js';
import { processIo, type Io } from './io.js';
import { usages } from './usage.js';

type Run = (argv: string[], io: Io) => number | Promise<number>;

// Each command's module loads only when it runs: `top` should not pay for the canvas library.
const commands: Record<string, { load: () => Promise<Run>; usage: string; summary: string }> = {
  top: {
    load: async () => (await import('./top.js')).runTop,
    usage: usages.top,
    summary: 'flat and cum per function, as go tool pprof -top prints them',
  },
  flame: {
    load: async () => (await import('./flame.js')).runFlame,
    usage: usages.flame,
    summary: 'a flame graph PNG or interactive HTML (a diff with --base)',
  },
  serve: {
    load: async () => (await import('./serve.js')).runServe,
    usage: usages.serve,
    summary: 'the bot: the console channel (and Slack, Feishu when configured), its workers, a demo target when there is no registry',
  },
  worker: {
    load: async () => (await import('./worker.js')).runWorker,
    usage: usages.worker,
    summary: 'only the pipeline workers, for more capacity on the same Redis',
  },
  logs: {
    load: async () => (await import('./logs.js')).runLogs,
    usage: usages.logs,
    summary: 'group log lines into templates (Drain); with --baseline, the templates that are new or grew sharply',
  },
  traces: {
    load: async () => (await import('./traces.js')).runTraces,
    usage: usages.traces,
    summary: 'spans (Jaeger, OTLP/Tempo, Zipkin, span CSV) by signature, the critical path, and a slow dependency, new errors or retries (sharper with --baseline)',
  },
  trace: {
    load: async () => (await import('./trace.js')).runTrace,
    usage: usages.trace,
    summary: 'a Go execution trace: where goroutine time went by start function, its latency profiles (net, sync, syscall, sched) as pprof, regions and tasks',
  },
  rank: {
    load: async () => (await import('./rank.js')).runRank,
    usage: usages.rank,
    summary: 'rank the services of an incident case folder (traces, logs, metrics) by how likely each is the cause; --baseline defaults to the fault-free baseline-* folders beside it',
  },
  diagnose: {
    load: async () => (await import('./diagnose.js')).runDiagnose,
    usage: usages.diagnose,
    summary: 'capture a live Go service, find the cause, say how sure (exit 3 when no capture succeeded)',
  },
  doctor: {
    load: async () => (await import('./doctor.js')).runDoctor,
    usage: usages.doctor,
    summary: 'check the environment, registry, Redis, each service, probe and source, and the chat credentials; exit 2 when one would break a diagnosis',
  },
  demo: {
    load: async () => (await import('./demo.js')).runDemo,
    usage: usages.demo,
    summary: 'profile a demo service with a fault and show the result (no Go or credentials needed)',
  },
};

export function help(): string {
  const lines = ['rca-bot: find why a Go service is slow or failing', '', 'Commands:'];
  for (const c of Object.values(commands)) lines.push(`  ${c.usage}`, `      ${c.summary}`);
  lines.push('', 'Exit codes: 0 done, 2 bad input (one line on stderr says what), 3 nothing could be captured, 1 a bug in rca-bot.');
  return lines.join('\n');
}

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(help());
    return 0;
  }
  const command = commands[name];
  try {
    if (!command) throw new UserError(`unknown command "${name}"; try: ${Object.keys(commands).join(', ')} (rca-bot --help)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out(`usage: ${command.usage}`);
      return 0;
    }
    return await (await command.load())(rest, io);
  } catch (e) {
    if (e instanceof UserError) {
      io.err(`rca-bot: ${e.message}`);
      return e.exitCode;
    }
    // node:util parseArgs reports unknown or malformed options with this code.
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      io.err(`rca-bot: ${(e as Error).message.split('\n')[0]}${command ? `; usage: ${command.usage}` : ''}`);
      return 2;
    }
    io.err(`rca-bot: something went wrong on our side: ${(e as Error).message} (set RCA_DEBUG=1 for the stack)`);
    if (process.env.RCA_DEBUG) io.err(String((e as Error).stack));
    return 1;
  }
}
