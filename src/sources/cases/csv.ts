// CSV records as RFC 4180 writes them: commas, double quotes around fields
// that need them ("" inside is one quote), quoted fields may hold newlines.

export interface CsvRecord {
  /** Line number where the record starts, 1-based. */
  line: number;
  fields: string[];
  /** A quoted field that is never closed: the record is cut at the end of its line, and the next line read afresh. */
  broken?: true;
}

/** The records of `text`. An unterminated quote costs its record only, marked `broken`. */
export function parseCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  let line = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  records: while (i < text.length) {
    const start = line;
    const fields: string[] = [];
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        i++;
        for (;;) {
          const q = text.indexOf('"', i);
          if (q < 0) {
            // Never closed: this record ends with the line the quote opens on; what follows is read again as records.
            const eol = text.indexOf('\n', i);
            out.push({ line: start, fields: [...fields, field + text.slice(i, eol < 0 ? text.length : eol)], broken: true });
            i = eol < 0 ? text.length : eol + 1;
            line += 1;
            continue records;
          }
          field += text.slice(i, q);
          line += count(text, '\n', i, q);
          i = q + 1;
          if (text[i] !== '"') break;
          field += '"';
          i++;
        }
        // Anything between the closing quote and the next separator is kept, as spreadsheets do.
        const rest = nextSeparator(text, i);
        field += text.slice(i, rest);
        i = rest;
      } else {
        const end = nextSeparator(text, i);
        field = text.slice(i, end);
        i = end;
      }
      fields.push(field);
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === '\r') i++;
      if (text[i] === '\n') i++;
      line++;
      break;
    }
    if (!(fields.length === 1 && fields[0] === '')) out.push({ line: start, fields });
  }
  return out;
}

function nextSeparator(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text.charCodeAt(j);
    if (c === 44 || c === 10 || c === 13) return j;
  }
  return text.length;
}

function count(text: string, ch: string, from: number, to: number): number {
  let n = 0;
  for (let j = text.indexOf(ch, from); j >= 0 && j < to; j = text.indexOf(ch, j + 1)) n++;
  return n;
}
