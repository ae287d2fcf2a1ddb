// A log file read as a source of a diagnosis: the lines of a window, placed by
// the time each carries: a JSON field (time, ts, timestamp, @timestamp: RFC 3339
// or epoch seconds or milliseconds), or an RFC 3339 time at the start of the line.
import { open } from 'node:fs/promises';
import { err, fileError, ok, type Result } from '../../errors.js';
import { splitLines } from './lines.js';

export interface FileLine {
  /** Unix seconds. */
  time: number;
  line: string;
  /** The line's own fields, when it is a JSON object. */
  fields?: Record<string, unknown>;
}

/** The most of a file read: its end, where the newest lines are. */
const MAX_BYTES = 64 << 20;
const leading = /^\[?(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d))/;

function timeOf(v: unknown): number | undefined {
  // Epoch seconds, milliseconds, microseconds or nanoseconds, by size.
  if (typeof v === 'number' && Number.isFinite(v)) return v > 1e17 ? v / 1e9 : v > 1e14 ? v / 1e6 : v > 1e11 ? v / 1e3 : v;
  if (typeof v !== 'string') return undefined;
  // A nanosecond string is beyond a double's precision: split before scaling.
  if (/^\d{19}$/.test(v)) return Number(v.slice(0, 10)) + Number(v.slice(10)) / 1e9;
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

async function readTail(path: string): Promise<Result<string>> {
  try {
    const fh = await open(path, 'r');
    try {
      const { size } = await fh.stat();
      const from = Math.max(0, size - MAX_BYTES);
      const buf = Buffer.alloc(size - from);
      await fh.read(buf, 0, buf.length, from);
      const text = buf.toString('utf8');
      // Cut at a line boundary when the read started inside the file.
      return ok(from > 0 ? text.slice(text.indexOf('\n') + 1) : text);
    } finally {
      await fh.close();
    }
  } catch (e) {
    return err(`${path}: ${fileError(e)}`);
  }
}

/** A file's lines, each with its time when it has one. */
function dated(text: string): { lines: (FileLine | undefined)[]; first?: number } {
  let first: number | undefined;
  const lines = splitLines(text).map((line) => {
    const p = parseFileLine(line);
    if (p.time === undefined) return undefined;
    if (first === undefined || p.time < first) first = p.time;
    return { time: p.time, line, ...(p.fields ? { fields: p.fields } : {}) };
  });
  return { lines, first };
}

/** Seconds a file may start after the window does before the gap is worth saying. */
const GAP_SECONDS = 2;

type Span = { start: Date; end: Date };

/**
 * The lines of `path` in each window ([start, end), oldest first, the newest `limit` of them),
 * the file read once; the error is one line. A file rotated during the first window (its first
 * line later than that window's start) is read with the one logrotate leaves beside it
 * (`path.1`); without one, `gap` says what is missing.
 */
export async function readLogWindows(path: string, windows: Span[], limit: number): Promise<Result<{ windows: FileLine[][]; undated: number; gap?: string; covered: boolean[] }>> {
  const text = await readTail(path);
  if (!text.ok) return text;
  const current = dated(text.value);
  const undated = current.lines.filter((l) => !l).length;
  if (current.first === undefined && undated > 0) return err(`${path}: no line carries a time (a JSON time field or an RFC 3339 time first), so none can be placed in the window`);
  let all = current.lines.filter((l): l is FileLine => l !== undefined);
  let gap: string | undefined;
  const start = windows[0].start.getTime() / 1000;
  if (current.first !== undefined && current.first > start + GAP_SECONDS) {
    const rotated = await readTail(`${path}.1`);
    if (rotated.ok) all = [...dated(rotated.value).lines.filter((l): l is FileLine => l !== undefined), ...all];
    else {
      const at = new Date(current.first * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      gap = `${path} starts at ${at}, ${Math.round(current.first - start)} s into the window (rotated, or new), and no ${path}.1 is beside it: the window's earlier lines are not read`;
    }
  }
  const pick = (w: Span) => {
    const [from, to] = [w.start.getTime() / 1000, w.end.getTime() / 1000];
    const lines = all.filter((l) => l.time >= from && l.time < to).sort((a, b) => a.time - b.time);
    return lines.length > limit ? lines.slice(-limit) : lines;
  };
  // A window that starts before the earliest line read is only partly there (the file's tail, or its rotation).
  const earliest = all.reduce((m, l) => Math.min(m, l.time), Infinity);
  const covered = windows.map((w) => earliest <= w.start.getTime() / 1000 + GAP_SECONDS);
  return ok({ windows: windows.map(pick), undated, covered, ...(gap ? { gap } : {}) });
}

/** The lines of one window (readLogWindows). */
export async function readLogFile(path: string, window: Span, limit: number): Promise<Result<{ lines: FileLine[]; undated: number; gap?: string }>> {
  const r = await readLogWindows(path, [window], limit);
  return r.ok ? ok({ lines: r.value.windows[0], undated: r.value.undated, ...(r.value.gap ? { gap: r.value.gap } : {}) }) : r;
}
