// Lines in, template ids out: the header format (when given) takes the
// message apart, the miner groups the message, and the level is kept for
// weighting findings.

import { Drain, templateText } from './drain.js';
import { splitLine, type LineFormat } from './format.js';

export interface MinedLines {
  /** Template id of each line, in order. */
  ids: number[];
  /** The level of each line, from the format's Level (or Severity) field, when it has one. */
  levels: (string | undefined)[];
  /** How many lines did not have the format and were mined whole. */
  unmatched: number;
}

const levelFields = ['Level', 'level', 'Severity', 'severity', 'LogLevel'];

export function mineLines(drain: Drain, lines: readonly string[], format?: LineFormat): MinedLines {
  const ids = new Array<number>(lines.length);
  const levels = new Array<string | undefined>(lines.length);
  const levelField = format && levelFields.find((f) => format.fields.includes(f));
  let unmatched = 0;
  for (let i = 0; i < lines.length; i++) {
    let content = lines[i];
    if (format) {
      const fields = splitLine(format, content);
      if (fields) {
        content = fields.Content;
        if (levelField) levels[i] = fields[levelField];
      } else unmatched++;
    }
    ids[i] = drain.add(content).id;
  }
  return { ids, levels, unmatched };
}

export interface TemplateCount {
  id: number;
  template: string;
  count: number;
}

/** The templates the given ids use, with how many lines each, in order of id. */
export function countTemplates(drain: Drain, ids: readonly number[]): TemplateCount[] {
  const counts = new Map<number, number>();
  for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return [...counts.keys()].sort((a, b) => a - b).map((id) => ({ id, template: templateText(drain.templates[id]), count: counts.get(id) as number }));
}
