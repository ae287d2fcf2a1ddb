// Prometheus's text exposition format (version 0.0.4), what a /metrics
// endpoint answers: `# TYPE name counter`, then `name{label="value"} 1.5 [ms]`
// lines. Enough of it for the embedded reader: samples, their labels, and
// which metric families are counters. A line that is not a sample is skipped
// and counted, never fatal.

import { parseValue } from './prometheus.js';

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  samples: Sample[];
  /** The declared type of each metric family (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  /** Lines that were neither comments nor samples. */
  skipped: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;

/** Reads `{a="x",b="y\"z"}` from `s` at `i`; undefined when it is malformed. */
function readLabels(s: string, i: number): { labels: Record<string, string>; next: number } | undefined {
  const labels: Record<string, string> = {};
  i++; // {
  for (;;) {
    while (s[i] === ' ' || s[i] === ',') i++;
    if (s[i] === '}') return { labels, next: i + 1 };
    const name = /^[a-zA-Z_][a-zA-Z0-9_]*/.exec(s.slice(i))?.[0];
    if (!name) return undefined;
    i += name.length;
    while (s[i] === ' ') i++;
    if (s[i] !== '=' || s[i + 1] !== '"') return undefined;
    i += 2;
    let value = '';
    for (; i < s.length && s[i] !== '"'; i++) {
      if (s[i] === '\\') {
        const c = s[++i];
        value += c === 'n' ? '\n' : c;
      } else value += s[i];
    }
    if (i >= s.length) return undefined;
    labels[name] = value;
    i++; // "
  }
}

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  let skipped = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1], type[2]);
      continue;
    }
    const name = NAME.exec(line)?.[0];
    if (!name) {
      skipped++;
      continue;
    }
    let i = name.length;
    let labels: Record<string, string> = {};
    if (line[i] === '{') {
      const read = readLabels(line, i);
      if (!read) {
        skipped++;
        continue;
      }
      labels = read.labels;
      i = read.next;
    }
    const value = parseValue(line.slice(i).trim().split(/\s+/)[0]);
    if (value === undefined) {
      skipped++;
      continue;
    }
    samples.push({ name, labels, value });
  }
  return { samples, types, skipped };
}

/** Whether `name` counts up: declared a counter, or named as one (`_total`, a histogram's `_count` and `_sum`). */
export function isCounter(name: string, types: ReadonlyMap<string, string>): boolean {
  if (types.get(name) === 'counter') return true;
  const family = name.replace(/_(total|count|sum|bucket)$/, '');
  const t = types.get(family);
  if (t === 'counter' || t === 'histogram' || t === 'summary') return name !== family || t === 'counter';
  return !types.has(name) && name.endsWith('_total');
}

/** The samples of `metric` whose labels include `match`. */
export function matching(e: Exposition, metric: string, match: Readonly<Record<string, string>> = {}): Sample[] {
  return e.samples.filter((s) => s.name === metric && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}

/** The sum of the samples of `metric` whose labels include `match`; undefined when none does. */
export function pick(e: Exposition, metric: string, match: Readonly<Record<string, string>> = {}): number | undefined {
  const found = matching(e, metric, match);
  return found.length ? found.reduce((n, s) => n + s.value, 0) : undefined;
}

/** A series' identity: its labels, sorted. */
export const seriesKey = (s: Sample): string => JSON.stringify(Object.entries(s.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
