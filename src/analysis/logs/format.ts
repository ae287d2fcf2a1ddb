// The Loghub header notation: `<Date> <Time> <Level> <Component>: <Content>`.
// Each `<Name>` is a field; the text between fields is a regular expression
// (Loghub writes `\[<Pid>\]`, `(\[<PID>\])?`, `\|`), in which a run of spaces
// stands for a run of whitespace, as logpai/logparser reads it. The line must
// match whole; the last field takes what the others leave.

import { err, ok, type Result } from '../../errors.js';

export interface LineFormat {
  /** The notation it was built from. */
  source: string;
  /** Field names in order, e.g. ["Date", "Time", "Level", "Component", "Content"]. */
  fields: string[];
  regex: RegExp;
}

export type Fields = Record<string, string>;

export interface FormatOptions {
  /** Read the text between fields as written, not as a regular expression: `[<Time>]` is brackets. */
  literal?: boolean;
}

export function parseFormat(notation: string, options: FormatOptions = {}): Result<LineFormat> {
  const fields: string[] = [];
  const literals: string[] = [];
  const re = /<([A-Za-z_][\w-]*)>/g;
  let last = 0;
  for (let m = re.exec(notation); m; m = re.exec(notation)) {
    literals.push(notation.slice(last, m.index));
    if (fields.includes(m[1])) return err(`format "${notation}": field <${m[1]}> appears twice`);
    fields.push(m[1]);
    last = m.index + m[0].length;
  }
  literals.push(notation.slice(last));
  if (fields.length === 0) return err(`format "${notation}" has no <Field>; write it like '<Date> <Time> <Level> <Component>: <Content>'`);
  if (!fields.includes('Content')) return err(`format "${notation}" has no <Content> field`);
  // A field followed by spaces alone is one word; any other field may hold spaces. Words keep
  // a line that does not have the format from costing a search over every split of it.
  const text = options.literal ? (t: string) => literal(t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : literal;
  let pattern = '';
  fields.forEach((_, i) => {
    const next = literals[i + 1];
    pattern += `${text(literals[i])}(?<f${i}>${/^ +$/.test(next) ? '\\S*' : '.*?'})`;
  });
  pattern += text(literals[fields.length]);
  try {
    return ok({ source: notation, fields, regex: new RegExp(`^${pattern}$`) });
  } catch (e) {
    return err(`format "${notation}" is not a valid pattern: ${(e as Error).message.replace(/^Invalid regular expression: /, '')}`);
  }
}

const literal = (text: string) => text.replace(/ +/g, '\\s+');

/** The fields of one line, or undefined when the line does not have the format. */
export function splitLine(format: LineFormat, line: string): Fields | undefined {
  const m = format.regex.exec(line);
  if (!m) return undefined;
  const out: Fields = {};
  format.fields.forEach((f, i) => (out[f] = m.groups?.[`f${i}`] ?? ''));
  return out;
}

/** Why `notation` is no format under either reading (formatFor's); undefined when one of them is. */
export function formatError(notation: string): string | undefined {
  const asRegex = parseFormat(notation);
  return asRegex.ok || parseFormat(notation, { literal: true }).ok ? undefined : asRegex.error;
}

/**
 * The format a person meant: Loghub's notation reads the text between fields as a regular
 * expression (`\[<Time>\]`); a person writes `[<Time>]`. When the notation as a regular expression
 * is not one, or matches none of `sample`, and read literally it matches some, the literal reading
 * is taken, and `note` says so.
 */
export function formatFor(notation: string, sample: readonly string[]): Result<{ format: LineFormat; note?: string }> {
  const asRegex = parseFormat(notation);
  const matches = (f: LineFormat) => sample.some((l) => f.regex.test(l));
  if (asRegex.ok && (sample.length === 0 || matches(asRegex.value))) return ok({ format: asRegex.value });
  const asWritten = parseFormat(notation, { literal: true });
  if (asWritten.ok && matches(asWritten.value)) {
    const why = asRegex.ok ? 'matches none of the first lines as a regular expression' : 'is not a regular expression';
    return ok({ format: asWritten.value, note: `--format "${notation}" ${why}; read as written, it matches, so it is read as written` });
  }
  return asRegex.ok ? ok({ format: asRegex.value }) : asRegex;
}
