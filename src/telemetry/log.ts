// The bot's structured logs (pino) on stderr: stdout carries what a command
// prints (the CLI's JSON, "rca-bot is up"). JSON lines with the trace and span
// of the active span; readable text when stderr is a terminal. The values of
// the configured secrets never reach a line, whatever field or message they are in.
import pino, { type Logger } from 'pino';
import pinoPretty from 'pino-pretty';
import { activeIds } from './spans.js';

export type { Logger };

const secrets = new Set<string>();
/** Values never to be logged: the tokens and keys of the configuration (env.ts calls it once read). */
export function addSecrets(values: (string | undefined)[]): void {
  for (const v of values) if (v && v.length >= 6) secrets.add(v);
}

function scrub(s: string): string {
  let out = s;
  for (const v of secrets) if (out.includes(v)) out = out.split(v).join('[redacted]');
  return out;
}

export interface LogOptions {
  /** Where the lines go (stderr by default). */
  destination?: NodeJS.WritableStream;
  /** json, pretty, or by whether the destination is a terminal (RCA_LOG_FORMAT). */
  format?: 'json' | 'pretty';
  /** pino's level (RCA_LOG_LEVEL, info by default). */
  level?: string;
}

export function createLogger(o: LogOptions = {}): Logger {
  const destination = o.destination ?? process.stderr;
  const format = o.format ?? (process.env.RCA_LOG_FORMAT === 'json' || process.env.RCA_LOG_FORMAT === 'pretty' ? process.env.RCA_LOG_FORMAT : (destination as { isTTY?: boolean }).isTTY ? 'pretty' : 'json');
  const options: pino.LoggerOptions = {
    level: o.level ?? process.env.RCA_LOG_LEVEL ?? 'info',
    base: { name: 'rca-bot' },
    mixin: () => activeIds() ?? {},
    // Keys that hold credentials, wherever a library puts them.
    redact: { paths: ['token', 'secret', 'password', 'authorization', '*.token', '*.secret', '*.password', '*.authorization', 'headers.authorization', 'headers.cookie', '*.headers.authorization', 'config.headers.Authorization'], censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    hooks: {
      logMethod(args, method) {
        if (secrets.size === 0) return method.apply(this, args);
        return method.apply(this, args.map((a) => (typeof a === 'string' ? scrub(a) : a)) as Parameters<typeof method>);
      },
      streamWrite: (line) => (secrets.size ? scrub(line) : line),
    },
  };
  if (format === 'pretty') {
    // Synchronous: no transport thread, nothing lost when the process exits.
    const pretty = pinoPretty({ destination, colorize: (destination as { isTTY?: boolean }).isTTY ?? false, sync: true, ignore: 'pid,hostname,name', translateTime: 'HH:MM:ss.l' });
    return pino(options, pretty);
  }
  return pino(options, destination);
}

/** The process's logger. */
export const log: Logger = createLogger();

const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(' ');

/** Bolt's Logger interface over ours: its lines become JSON lines with trace ids like the rest. */
export function boltLogger(logger: Logger = log.child({ component: 'slack' })) {
  let level = 'info';
  return {
    debug: (...m: unknown[]) => logger.debug(text(m)),
    info: (...m: unknown[]) => logger.info(text(m)),
    warn: (...m: unknown[]) => logger.warn(text(m)),
    error: (...m: unknown[]) => logger.error(text(m)),
    // Bolt's levels are pino's names.
    setLevel: (l: string) => {
      level = l;
      logger.level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}

/** The Lark SDK's logger interface over ours. */
export function larkLogger(logger: Logger = log.child({ component: 'feishu' })) {
  return {
    error: (...m: unknown[]) => logger.error(text(m)),
    warn: (...m: unknown[]) => logger.warn(text(m)),
    info: (...m: unknown[]) => logger.info(text(m)),
    debug: (...m: unknown[]) => logger.debug(text(m)),
    trace: (...m: unknown[]) => logger.trace(text(m)),
  };
}
