// Rows an importer could not use: real data is dirty (a negative timestamp a
// Java logger wrote, a span in two minute files, a field that breaks the CSV
// quoting). Each is skipped and counted by reason, and the file says so once,
// in one line, while everything else in it is still used.

import { UserError } from '../errors.js';

export class Skips {
  private reasons = new Map<string, number>();
  count = 0;
  /** The latest skip as its reader said it, with its line or span and value. */
  last: string | undefined;

  add(reason: string, n = 1, detail = reason): void {
    this.count += n;
    this.last = detail;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }

  /** "12 rows skipped: TimeUnixNano out of range"; with several reasons, each with its count; undefined when none. */
  summary(unit = 'rows'): string | undefined {
    if (this.count === 0) return undefined;
    const noun = this.count === 1 ? unit.replace(/s$/, '') : unit;
    const reasons = [...this.reasons].sort((a, b) => b[1] - a[1]);
    if (reasons.length === 1) return `${this.count} ${noun} skipped: ${reasons[0][0]}`;
    return `${this.count} ${noun} skipped: ${reasons.map(([r, n]) => `${n} ${r}`).join('; ')}`;
  }

  /** The error of an input of which nothing could be read, given the count before it: the one skip's own words, or how many and the last. */
  nothingRead(before: number, noun: string): string {
    const n = this.count - before;
    return n === 1 ? (this.last as string) : `no ${noun} could be read: ${n} skipped, the last: ${this.last}`;
  }
}

/** A row's error message as a reason shared by all such rows: no line or span number, no quoted value. */
export function reasonOf(message: string): string {
  return message
    .replace(/^traces: /, '')
    .replace(/^(?:line|span) \d+(?:: | )/, '')
    .replace(/ "(?:[^"\\]|\\.)*"/g, '')
    .split('\n')[0];
}

/** What `read` returns, or undefined with its one-line error (a UserError) counted in `skips`. */
export function skipping<T>(skips: Skips, read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (!(e instanceof UserError)) throw e;
    const message = e.message.replace(/^traces: /, '');
    skips.add(reasonOf(message), 1, message);
    return undefined;
  }
}
