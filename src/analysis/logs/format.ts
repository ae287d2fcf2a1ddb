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

export function parseFormat(notation: string): Result<LineFormat> {
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
  let pattern = '';
  fields.forEach((_, i) => {
    const next = literals[i + 1];
    pattern += `${literal(literals[i])}(?<f${i}>${/^ +$/.test(next) ? '\\S*' : '.*?'})`;
  });
  pattern += literal(literals[fields.length]);
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
