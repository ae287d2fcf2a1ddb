// `rca-bot trace`, run in-process through the command table, on real traces.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/helpers/cli.js';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { parseProfile } from '../profile/pprof.js';
import type { TraceReport } from '../trace/report.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-trace-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!sharedFixtures)('rca-bot trace', () => {
  const json125 = () => fixture('gotrace/felixge__traceutils/testdata/1.25/test-encoding-json.trace');

  it('says where goroutine time went, by start function, with the latency totals', async () => {
    const r = await run(['trace', json125(), '--limit', '5']);
    expect(r).toMatchObject({ code: 0, err: [] });
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^go 1\.25 trace: 23,759 events, .* goroutines$/);
    expect(r.out).toMatch(/Latency \(go tool trace -pprof\): net .* · sync .* · syscall .* · sched /);
    expect(r.out).toContain('Goroutines by start function (5 of');
    expect(r.out).toContain('testing.tRunner');
  });

  it('prints the same as JSON', async () => {
    const r = await run(['trace', json125(), '--json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out) as TraceReport;
    expect(report).toMatchObject({ version: 25, events: 23759 });
    expect(report.groups.length).toBeGreaterThan(3);
    expect(report.groups[0].execNs).toBeGreaterThanOrEqual(report.groups[1].execNs);
    expect(Object.keys(report.latency)).toEqual(['net', 'sync', 'syscall', 'sched']);
  });

  it('draws the timeline as a PNG', async () => {
    const out = join(dir, 'timeline.png');
    const r = await run(['trace', json125(), '--png', out]);
    expect(r.code).toBe(0);
    const png = readFileSync(out);
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    // 1600 px wide; one lane per P and the slowest regions below.
    expect(png.readUInt32BE(16)).toBe(1600);
    expect(png.readUInt32BE(20)).toBeGreaterThan(120);
  });

  it('writes a latency profile that pprof readers take', async () => {
    const out = join(dir, 'sched.pb.gz');
    const r = await run(['trace', json125(), '--pprof', 'sched', '-o', out]);
    expect(r).toMatchObject({ code: 0, err: [] });
    const p = parseProfile(readFileSync(out));
    expect(p.ok && p.value.sampleTypes).toEqual([
      { type: 'contentions', unit: 'count' },
      { type: 'delay', unit: 'nanoseconds' },
    ]);
  });

  it.each([
    ['a cut trace', (b: Buffer) => b.subarray(0, 3000), /^rca-bot: .*cut\.trace: .+ \(after \d+ events, at byte \d+\)$/],
    ['not a trace', () => Buffer.from('hello'), /^rca-bot: .*cut\.trace: bad file format: not a Go execution trace\?$/],
    ['a go 1.4 trace', () => Buffer.from('go 1.4 trace\0\0\0\0'), /^rca-bot: .*cut\.trace: unknown or unsupported trace version go 1\.4$/],
  ])('%s ends with exit 2 and one line', async (_what, make, message) => {
    const file = join(dir, 'cut.trace');
    writeFileSync(file, make(readFileSync(json125())));
    const r = await run(['trace', file]);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(message);
  });

  it('reads an old-format trace', async () => {
    const r = await run(['trace', fixture('gotrace/felixge__traceutils/testdata/1.21/fgprof.trace')]);
    expect(r).toMatchObject({ code: 0, err: [] });
    expect(r.out.split('\n')[0]).toMatch(/^go 1\.21 trace: 5,528 events, .* 200 goroutines$/);
    expect(r.out).toContain('net/http.(*conn).serve');
  });

  it('a missing file and a bad flag say so', async () => {
    expect((await run(['trace', join(dir, 'nope.trace')])).err).toEqual([expect.stringMatching(/nope\.trace: no such file$/)]);
    const dump = await run(['trace', join(dir, 'nope.trace'), '--dump']);
    expect(dump.code).toBe(2);
    expect(dump.err).toEqual([expect.stringMatching(/nope\.trace: no such file$/)]);
    const png = await run(['trace', json125(), '--png', join(dir, 'no-such-dir', 'x.png')]);
    expect(png.code).toBe(2);
    expect(png.err).toEqual([expect.stringMatching(/x\.png: no such file$/)]);
    expect((await run(['trace', json125(), '--pprof', 'cpu', '-o', 'x'])).err).toEqual(['rca-bot: --pprof takes net, sync, syscall, sched, not "cpu"']);
  });
});
