// A log file read as a source of a diagnosis: the lines of a window, placed by
// the time each carries: a JSON field (time, ts, timestamp, @timestamp: RFC 3339
// or epoch seconds or milliseconds), or an RFC 3339 time at the start of the line.
import { open } from 'node:fs/promises';
import { err, ok, type Result } from '../../errors.js';
import { splitLines } from './lines.js';

export interface FileLine {
  /** Unix seconds. */
  time: number;
  line: string;
  /** The line's own fields, when it is a JSON object. */
  fields?: Record<string, unknown>;
}

/** The most of a file read: its end, where the newest lines are. */
const MAX_BYTES = 256 << 20;
const leading = /^\[?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))/;

function timeOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e12 ? v / 1000 : v;
  if (typeof v !== 'string') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) return timeOf(Number(v));
  const t = Date.parse(v);
  return Number.isNaN(t) ? undefined : t / 1000;
}

/** A line's time and fields; no time when it carries none that can be read. */
export function parseFileLine(line: string): { time?: number; fields?: Record<string, unknown> } {
  if (line.startsWith('{')) {
    try {
      const fields = JSON.parse(line) as unknown;
      if (fields && typeof fields === 'object' && !Array.isArray(fields)) {
        const f = fields as Record<string, unknown>;
        const time = timeOf(f.time ?? f.ts ?? f.timestamp ?? f['@timestamp']);
        return time === undefined ? { fields: f } : { time, fields: f };
      }
    } catch {
      // not JSON after all
    }
  }
  const m = leading.exec(line);
  const time = m ? timeOf(m[1]) : undefined;
  return time === undefined ? {} : { time };
}

/** The lines of `path` in [start, end), oldest first, the newest `limit` of them; the error is one line. */
export async function readLogFile(path: string, window: { start: Date; end: Date }, limit: number): Promise<Result<{ lines: FileLine[]; undated: number }>> {
  let text: string;
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const from = Math.max(0, size - MAX_BYTES);
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      text = buf.toString('utf8');
      // Cut at a line boundary when the read started inside the file.
      if (from > 0) text = text.slice(text.indexOf('\n') + 1);
    } finally {
      await fh.close();
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return err(`${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message}`);
  }
  const start = window.start.getTime() / 1000;
  const end = window.end.getTime() / 1000;
  const lines: FileLine[] = [];
  let undated = 0;
  let dated = 0;
  for (const line of splitLines(text)) {
    const p = parseFileLine(line);
    if (p.time === undefined) {
      undated++;
      continue;
    }
    dated++;
    if (p.time >= start && p.time < end) lines.push({ time: p.time, line, ...(p.fields ? { fields: p.fields } : {}) });
  }
  if (dated === 0 && undated > 0) return err(`${path}: no line carries a time (a JSON time field or an RFC 3339 time first), so none can be placed in the window`);
  lines.sort((a, b) => a.time - b.time);
  return ok({ lines: lines.length > limit ? lines.slice(-limit) : lines, undated });
}

