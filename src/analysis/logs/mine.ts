// Lines in, template ids out: the header format (when given) takes the
// message apart, the miner groups the message, and the level is kept for
// weighting findings.

import { Drain, templateText } from './drain.js';
import { splitLine, type LineFormat } from './format.js';
import { mask } from './mask.js';

export interface MinedLines {
  /** Template id of each line, in order. */
  ids: number[];
  /** The level of each line, from the format's Level (or Severity) field, when it has one. */
  levels: (string | undefined)[];
  /** How many lines did not have the format and were mined whole. */
  unmatched: number;
}

const levelFields = ['Level', 'level', 'Severity', 'severity', 'LogLevel'];

/** The field of the format that holds the level, if any. */
export const levelFieldOf = (format?: LineFormat): string | undefined => format && levelFields.find((f) => format.fields.includes(f));

export function mineLines(drain: Drain, lines: readonly string[], format?: LineFormat): MinedLines {
  const ids = new Array<number>(lines.length);
  const levels = new Array<string | undefined>(lines.length);
  let unmatched = 0;
  // In blocks, so the masked messages of a large input are not all held at once.
  for (let start = 0; start < lines.length; start += BLOCK) {
    const block = maskBlock(lines.slice(start, start + BLOCK), format);
    block.masked.forEach((m, i) => {
      ids[start + i] = drain.addMasked(m).id;
      if (block.levels) levels[start + i] = block.levels[i];
    });
    unmatched += block.unmatched.length;
  }
  return { ids, levels, unmatched };
}

const BLOCK = 4096;

/** A block of lines made ready for the miner (what a thread hands back): the masked messages, levels, lines without the format. */
export interface MaskedBlock {
  masked: string[];
  /** Present when the format has a level field. */
  levels?: (string | undefined)[];
  /** Indices (in the block) of the lines that did not have the format. */
  unmatched: number[];
}

/** The part of mineLines that needs no miner, so that it can run anywhere: split, then mask. */
export function maskBlock(lines: readonly string[], format?: LineFormat): MaskedBlock {
  const masked = new Array<string>(lines.length);
  const levelField = levelFieldOf(format);
  const levels = levelField ? new Array<string | undefined>(lines.length) : undefined;
  const unmatched: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    let content = lines[i];
    if (format) {
      const fields = splitLine(format, content);
      if (fields) {
        content = fields.Content;
        if (levels) levels[i] = fields[levelField as string];
      } else unmatched.push(i);
    }
    masked[i] = mask(content);
  }
  return { masked, levels, unmatched };
}

export interface TemplateCount {
  id: number;
  template: string;
  count: number;
}

/** The templates the given ids use, with how many lines each, in order of id. */
export function countTemplates(drain: Drain, ids: readonly number[]): TemplateCount[] {
  const counts = new Float64Array(drain.templates.length);
  for (const id of ids) counts[id]++;
  const out: TemplateCount[] = [];
  for (let id = 0; id < counts.length; id++) if (counts[id] > 0) out.push({ id, template: templateText(drain.templates[id]), count: counts[id] });
  return out;
}
