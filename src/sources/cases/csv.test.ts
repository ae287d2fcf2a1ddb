import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';

describe('parseCsv', () => {
  it('splits records and fields, with quotes, doubled quotes and newlines inside quotes', () => {
    const text = 'a,b,c\r\n1,"two, ""2""",3\n"multi\nline",,"x"\n\nlast,row,"end"';
    expect(parseCsv(text)).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', 'two, "2"', '3'] },
      { line: 3, fields: ['multi\nline', '', 'x'] },
      { line: 6, fields: ['last', 'row', 'end'] },
    ]);
  });

  it('reads a Nezha log row: the docker JSON line quoted, with its quotes doubled', () => {
    const row = '2023-01-29T10:20:25Z,1674987625033950510,ts-a-1,"{""log"":""18:20:24 ERROR x\\n"",""stream"":""stdout""}"';
    const [r] = parseCsv(row);
    expect(r.fields).toHaveLength(4);
    expect(JSON.parse(r.fields[3])).toEqual({ log: '18:20:24 ERROR x\n', stream: 'stdout' });
  });

  it('ignores a byte-order mark and a final newline', () => {
    expect(parseCsv('\ufeffa,b\n')).toEqual([{ line: 1, fields: ['a', 'b'] }]);
    expect(parseCsv('')).toEqual([]);
  });

  it('a quote that is never closed costs its own record only: the next line is read afresh', () => {
    expect(parseCsv('a,b\n1,"open\n2,3\n')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['1', 'open'], broken: true },
      { line: 3, fields: ['2', '3'] },
    ]);
    // After a closed quoted field that spans lines, in the same record: nothing before the open quote is read twice.
    expect(parseCsv('a,"x\ny","open\n2,3\n')).toEqual([
      { line: 1, fields: ['a', 'x\ny', 'open'], broken: true },
      { line: 3, fields: ['2', '3'] },
    ]);
  });
});
