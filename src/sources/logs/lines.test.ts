import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { parseLogText, readLogInput, splitLines } from './lines.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-logs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('splitLines', () => {
  it('splits on CRLF, LF and CR alike, with no empty line for a final newline', () => {
    expect(splitLines('a\r\nb\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
    expect(splitLines('a\r\nb\r\n')).toEqual(['a', 'b']);
    expect(splitLines('a\n\nb\n\n')).toEqual(['a', '', 'b', '']);
    expect(splitLines('')).toEqual([]);
  });

  it('reads CRLF, LF and lone CR mixed as the expression /\\r\\n|\\r|\\n/ would', () => {
    expect(splitLines('a\r\nb\r\nc')).toEqual(['a', 'b', 'c']);
    expect(splitLines('a\r\nb\nc\r\n')).toEqual(['a', 'b', 'c']);
    expect(splitLines('a\r\nb\rc\r\n')).toEqual(['a', 'b', 'c']);
    expect(splitLines('a\n\r')).toEqual(['a', '']);
    expect(splitLines('a\r\n\r\n')).toEqual(['a', '']);
    expect(splitLines('a\r')).toEqual(['a']);
    expect(splitLines(`${'x'.repeat(20)}\r\nshort\r\n`, 10)).toEqual(['x'.repeat(10), 'short']);
    const reference = (text: string) => {
      const lines = text === '' ? [] : text.split(/\r\n|\r|\n/);
      if (lines[lines.length - 1] === '') lines.pop();
      return lines;
    };
    const pieces = ['a', 'bc', '\r', '\n', '\r\n', '\n\r', '\r\r', ''];
    let x = 3;
    const rand = (n: number) => Math.floor((((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * n));
    for (let i = 0; i < 20_000; i++) {
      let s = '';
      for (let k = rand(8); k > 0; k--) s += pieces[rand(pieces.length)];
      expect(splitLines(s), JSON.stringify(s)).toEqual(reference(s));
    }
  });

  it('cuts a huge line at the cap', () => {
    expect(splitLines(`${'x'.repeat(100)}\nshort`, 10)).toEqual(['x'.repeat(10), 'short']);
  });
});

describe('readLogInput', () => {
  it('reads a file and standard input', async () => {
    const path = join(dir, 'app.log');
    writeFileSync(path, 'one\r\ntwo\r\n');
    expect(await readLogInput(path)).toEqual({ ok: true, value: { kind: 'text', lines: ['one', 'two'] } });
    const stdin = Readable.from([Buffer.from('three\nfo'), Buffer.from('ur\n')]);
    expect(await readLogInput('-', stdin)).toEqual({ ok: true, value: { kind: 'text', lines: ['three', 'four'] } });
  });

  it('decodes UTF-8 (ASCII text the quick way), with or without a byte order mark', async () => {
    const path = join(dir, 'utf8.log');
    writeFileSync(path, '\ufeffhéllo ✓ 𝄞\nplain\n');
    expect(await readLogInput(path)).toEqual({ ok: true, value: { kind: 'text', lines: ['héllo ✓ 𝄞', 'plain'] } });
    writeFileSync(path, Buffer.from([0x61, 0xff, 0x0a, 0x62]));
    expect(await readLogInput(path)).toEqual({ ok: true, value: { kind: 'text', lines: ['a\ufffd', 'b'] } });
    writeFileSync(path, 'ascii \x7f only\n');
    expect(await readLogInput(path)).toEqual({ ok: true, value: { kind: 'text', lines: ['ascii \x7f only'] } });
  });

  it('names the file and the problem in one line', async () => {
    expect(await readLogInput(join(dir, 'nope.log'))).toEqual({ ok: false, error: `${join(dir, 'nope.log')}: no such file` });
    expect(await readLogInput(dir)).toEqual({ ok: false, error: `${dir}: is a directory` });
  });

  it('reads JSON lines as lines, and a Loki answer as its entries', () => {
    const jsonLines = '{"level":"info","status":200,"msg":"a"}\n{"level":"error","msg":"b"}\n';
    expect(parseLogText(jsonLines)).toEqual({ ok: true, value: { kind: 'text', lines: jsonLines.trim().split('\n') } });
    const one = '{"level":"info","status":"ok","msg":"a"}';
    expect(parseLogText(one)).toEqual({ ok: true, value: { kind: 'text', lines: [one] } });
    const loki = JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [{ stream: { app: 'x' }, values: [['2000000000', 'b'], ['1000000000', 'a']] }] } });
    expect(parseLogText(loki)).toEqual({
      ok: true,
      value: {
        kind: 'loki',
        lines: ['a', 'b'],
        seconds: 1,
        entries: [
          { ts: '1000000000', line: 'a', labels: { app: 'x' } },
          { ts: '2000000000', line: 'b', labels: { app: 'x' } },
        ],
      },
    });
    expect(parseLogText('{"status":"success","data":{"resultType":"matrix","result":[]}}')).toMatchObject({ ok: false, error: expect.stringMatching(/"matrix" result, not "streams"/) });
  });
});

describe.skipIf(!sharedFixtures)('readLogInput on fixtures', () => {
  it('splits the Loghub samples (CRLF, no final newline) into exactly 2,000 lines', async () => {
    for (const s of ['HDFS', 'Windows', 'Apache']) {
      const r = await readLogInput(fixture('logs', 'loghub-2k', s, `${s}_2k.log`));
      expect(r.ok && r.value.lines.length).toBe(2000);
    }
  });

  it('reads a real Loki answer', async () => {
    const r = await readLogInput(fixture('metrics', 'loki', 'grafana_streams_simple.json'));
    expect(r).toMatchObject({ ok: true, value: { kind: 'loki', lines: ['log line info 4', 'log line error 1', 'log line info 3', 'log line info 2', 'log line info 2', 'log line info 1'] } });
  });
});
