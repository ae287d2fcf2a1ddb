import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFileLine, readLogFile } from './file.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-logfile-'));
const window = { start: new Date('2026-12-03T10:00:00Z'), end: new Date('2026-12-03T10:01:00Z') };

describe('a log file as a source', () => {
  it('places each line by its own time: a JSON field (RFC 3339, epoch s or ms) or a leading RFC 3339 time', () => {
    expect(parseFileLine('{"time":"2026-12-03T10:00:01.5Z","msg":"x"}').time).toBe(Date.parse('2026-12-03T10:00:01.5Z') / 1000);
    expect(parseFileLine('{"ts":1796292001.25,"msg":"x"}').time).toBe(1796292001.25);
    expect(parseFileLine('{"timestamp":1796292001250}').time).toBe(1796292001.25);
    expect(parseFileLine('2026-12-03T10:00:02+01:00 WARN pool exhausted').time).toBe(Date.parse('2026-12-03T09:00:02Z') / 1000);
    expect(parseFileLine('no time here')).toEqual({});
    // Microseconds and nanoseconds since the epoch (Go's zap, OTel exporters), by their size.
    expect(parseFileLine('{"ts":1796292001250123}').time).toBeCloseTo(1796292001.250123, 5);
    expect(parseFileLine('{"timestamp":"1796292001250123456"}').time).toBeCloseTo(1796292001.250123456, 5);
  });

  it('keeps the lines of the window, oldest first, the newest when over the limit', async () => {
    const file = join(dir, 'a.log');
    writeFileSync(file, ['{"time":"2026-12-03T10:00:30Z","msg":"b"}', '{"time":"2026-12-03T09:59:59Z","msg":"before"}', '{"time":"2026-12-03T10:00:10Z","msg":"a"}', 'undated', '{"time":"2026-12-03T10:01:00Z","msg":"after"}', '{"time":"2026-12-03T10:00:50Z","msg":"c"}'].join('\n'));
    const all = await readLogFile(file, window, 100);
    expect(all.ok && all.value.lines.map((l) => (l.fields as { msg: string }).msg)).toEqual(['a', 'b', 'c']);
    expect(all.ok && all.value.undated).toBe(1);
    const two = await readLogFile(file, window, 2);
    expect(two.ok && two.value.lines.map((l) => (l.fields as { msg: string }).msg)).toEqual(['b', 'c']);
  });

  it('a file rotated during the window is read with the one logrotate leaves beside it; without it, the gap is said', async () => {
    const file = join(dir, 'rotated.log');
    writeFileSync(`${file}.1`, '{"time":"2026-12-03T09:59:50Z","msg":"old"}\n{"time":"2026-12-03T10:00:05Z","msg":"a"}\n');
    writeFileSync(file, '{"time":"2026-12-03T10:00:20Z","msg":"b"}\n');
    const both = await readLogFile(file, window, 100);
    expect(both.ok && both.value.lines.map((l) => (l.fields as { msg: string }).msg)).toEqual(['a', 'b']);
    expect(both.ok && both.value.gap).toBeUndefined();
    const alone = join(dir, 'alone.log');
    writeFileSync(alone, '{"time":"2026-12-03T10:00:20Z","msg":"b"}\n');
    const r = await readLogFile(alone, window, 100);
    expect(r.ok && r.value.gap).toBe(`${alone} starts at 2026-12-03T10:00:20Z, 20 s into the window (rotated, or new), and no ${alone}.1 is beside it: the window's earlier lines are not read`);
    expect(r.ok && r.value.lines).toHaveLength(1);
  });

  it('says in one line what is wrong: no such file, a folder, lines without any time', async () => {
    expect(await readLogFile(join(dir, 'missing.log'), window, 10)).toEqual({ ok: false, error: `${join(dir, 'missing.log')}: no such file` });
    expect(await readLogFile(dir, window, 10)).toEqual({ ok: false, error: `${dir}: is a directory` });
    const plain = join(dir, 'plain.log');
    writeFileSync(plain, 'one\ntwo\n');
    expect(await readLogFile(plain, window, 10)).toEqual({ ok: false, error: `${plain}: no line carries a time (a JSON time field or an RFC 3339 time first), so none can be placed in the window` });
  });
});
