// Log lines from a file or standard input: universal newlines (CRLF, LF or
// CR), no empty line for a final newline, and a cap on one line's length so
// a binary blob or a minified dump cannot exhaust memory or the miner. A
// file that is a Loki query_range answer is read as its entries.

import { isAscii } from 'node:buffer';
import { readFile } from 'node:fs/promises';
import { err, fileError, ok, type Result } from '../../errors.js';
import { parseLokiResponse, spanSeconds, type LokiEntry } from './loki.js';

/** Characters kept of one line; the rest of it is dropped. */
export const MAX_LINE_CHARS = 64 * 1024;

/** Universal-newline split; a final newline does not start an empty line; long lines are cut. */
export function splitLines(text: string, maxChars = MAX_LINE_CHARS): string[] {
  if (text === '') return [];
  const lines = text.includes('\r') ? splitCrLf(text) : text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) if (lines[i].length > maxChars) lines[i] = lines[i].slice(0, maxChars);
  return lines;
}

/**
 * text.split(/\r\n|\r|\n/) for text with CRLF (and LF) line ends, faster; a CR
 * on its own inside the text sends it to the expression after all.
 */
function splitCrLf(text: string): string[] {
  const lines: string[] = [];
  const n = text.length;
  let cr = text.indexOf('\r');
  for (let start = 0; start <= n; ) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) nl = n;
    let end = nl;
    if (cr >= 0 && cr < nl) {
      if (cr !== nl - 1 || nl === n) return text.split(/\r\n|\r|\n/);
      end = cr;
      cr = text.indexOf('\r', nl);
    }
    lines.push(text.slice(start, end));
    start = nl + 1;
  }
  return lines;
}

export interface LogInput {
  lines: string[];
  /** Seconds the lines cover, when they carry timestamps (a Loki answer). */
  seconds?: number;
  kind: 'text' | 'loki';
  /** A Loki answer's entries, each with its labels and time. */
  entries?: LokiEntry[];
}

/** A Loki query_range answer (a JSON object with `status` and `data`), or plain lines. */
export function parseLogText(text: string): Result<LogInput> {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (firstNonSpace(body) === '{' && looksLikeLoki(body)) {
    const entries = parseLokiResponse(body);
    if (!entries.ok) return entries;
    return ok({ kind: 'loki', lines: entries.value.map((e) => e.line), seconds: spanSeconds(entries.value), entries: entries.value });
  }
  return ok({ kind: 'text', lines: splitLines(body) });
}

function firstNonSpace(s: string): string | undefined {
  for (let i = 0; i < s.length && i < 4096; i++) if (!/\s/.test(s[i])) return s[i];
  return undefined;
}

function looksLikeLoki(body: string): boolean {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return false; // JSON lines, or not JSON at all: read as lines
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return false;
  const o = json as Record<string, unknown>;
  return typeof o.status === 'string' && ('data' in o || 'error' in o || 'errorType' in o);
}

/** Reads a file, or standard input for "-", as log lines or a Loki answer; the error is one line. */
export async function readLogInput(path: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Result<LogInput>> {
  const name = path === '-' ? 'standard input' : path;
  let text: string;
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const c of stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
      text = decode(Buffer.concat(chunks));
    } else text = decode(await readFile(path));
  } catch (e) {
    return err(`${name}: ${fileError(e)}`);
  }
  const parsed = parseLogText(text);
  return parsed.ok ? parsed : err(`${name}: ${parsed.error}`);
}

/** UTF-8 text; ASCII (most logs) decodes the same as Latin-1, which is faster. */
const decode = (bytes: Buffer): string => (isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8'));
