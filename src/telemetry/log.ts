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
  for (const v of values) {
    if (!v || v.length < 6) continue;
    // As it appears in a JSON line and in a URL, too.
    for (const form of [v, JSON.stringify(v).slice(1, -1), encodeURIComponent(v)]) secrets.add(form);
  }
}

/** An error as a log line may show it: never its request, config or headers (an HTTP client's error carries a token there). */
function plainError(e: unknown): Record<string, unknown> {
  if (!(e instanceof Error)) return { message: String(e) };
  const x = e as Error & { code?: unknown; status?: unknown; response?: { status?: unknown } };
  const status = x.status ?? x.response?.status;
  return { type: x.name, message: x.message.split('\n')[0], ...(x.code !== undefined ? { code: String(x.code) } : {}), ...(status !== undefined ? { status } : {}) };
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
    redact: { paths: ['token', 'secret', 'password', 'authorization', 'Authorization', '*.token', '*.secret', '*.password', '*.authorization', '*.Authorization', 'headers.authorization', 'headers.cookie', '*.headers.authorization', '*.headers.Authorization', 'config.headers.Authorization'], censor: '[redacted]' },
    serializers: { err: plainError, error: (e: unknown) => (e instanceof Error ? plainError(e) : e) },
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

// The Lark SDK passes its arguments as one array, errors (with their request's headers) inside it.
const part = (m: unknown): string => (typeof m === 'string' ? m : m instanceof Error ? plainError(m).message as string : Array.isArray(m) ? m.map(part).join(' ') : JSON.stringify(m, (_k, v: unknown) => (v instanceof Error ? plainError(v) : v)));
const text = (msg: unknown[]) => msg.map(part).join(' ');

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
