import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, repoRoot, sharedFixtures } from '../../test/helpers/shared.js';
import { runCli as run } from '../../test/helpers/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


describe('rca-bot CLI', () => {
  it('the built bin answers --help with no further step', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/rca-bot.js'), '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout.toString()).toMatch(/rca-bot top <file>/);
  });

  it('an unknown command or option is one line and exit 2', async () => {
    expect(await run(['frobnicate'])).toMatchObject({ code: 2, err: [expect.stringMatching(/unknown command "frobnicate"/)] });
    expect(await run(['top', 'x', '--nope'])).toMatchObject({ code: 2, err: [expect.stringMatching(/Unknown option '--nope'.*usage: rca-bot top/)] });
    expect(await run(['top', 'x', '--limit', 'many'])).toMatchObject({ code: 2, err: [expect.stringMatching(/--limit must be a positive whole number/)] });
  });
});

describe.skipIf(!sharedFixtures)('rca-bot CLI on fixtures', () => {
  const cpu = () => fixture('pprof', 'googlepprof__sample.cpu');

  it('top --json prints every function with values in the profile unit', async () => {
    const r = await run(['top', cpu(), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(['sampleType', 'unit', 'total', 'rows']);
    expect(json).toMatchObject({ sampleType: 'cpu', unit: 'nanoseconds', total: 1760000000 });
    expect(json.rows).toHaveLength(14);
    expect(json.rows[0]).toEqual({ name: 'runtime.mapiternext', flat: 1280000000, cum: 1370000000 });
    const flats = json.rows.map((r: { flat: number }) => r.flat);
    expect(flats).toEqual([...flats].sort((a, b) => b - a));
  });

  it('top --cum --sample-index samples --limit 3 sorts by cum', async () => {
    const r = await run(['top', cpu(), '--json', '--cum', '--sample-index', 'samples', '--limit', '3']);
    const json = JSON.parse(r.out);
    expect(json.unit).toBe('count');
    expect(json.rows.map((x: { name: string }) => x.name)).toEqual(['main.busyLoop', 'main.main', 'runtime.main']);
  });

  it('top prints the pprof layout by default', async () => {
    const r = await run(['top', cpu(), '--limit', '2']);
    expect(r.out).toContain('     1.28s 72.73% 72.73%      1.37s 77.84%  runtime.mapiternext');
    expect(r.out).toContain('  main.busyLoop');
  });

  it('an unknown sample type names the ones there are', async () => {
    const r = await run(['top', cpu(), '--sample-index', 'inuse_space']);
    expect(r).toMatchObject({ code: 2, err: [expect.stringMatching(/sample type "inuse_space" is not in the profile; it has samples, cpu/)] });
  });

  it('flame writes a PNG and an HTML page, and a diff PNG with --base', async () => {
    const png = join(dir, 'f.png');
    const html = join(dir, 'f.html');
    const diff = join(dir, 'd.png');
    expect((await run(['flame', cpu(), '-o', png])).code).toBe(0);
    expect(readFileSync(png).subarray(1, 4).toString()).toBe('PNG');
    expect((await run(['flame', cpu(), '-o', html])).code).toBe(0);
    expect(readFileSync(html, 'utf8')).toMatch(/^<!doctype html>/i);
    expect((await run(['flame', fixture('pprof', 'parca__fib.pb.gz'), '--base', cpu(), '-o', diff])).code).toBe(0);
    expect(readFileSync(diff).subarray(1, 4).toString()).toBe('PNG');
    expect(await run(['flame', cpu(), '-o', join(dir, 'f.svg')])).toMatchObject({ code: 2, err: [expect.stringMatching(/must end in .png or .html/)] });
  });

  it('a malformed file exits 2 as a whole process too, one line, no stack', () => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'bin/rca-bot.js'), 'top', fixture('pprof', 'googlepprof__gobench.heap')]);
    expect(r.status).toBe(2);
    const lines = r.stderr.toString().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/googlepprof__gobench\.heap: legacy text profile format is not supported/);
  });
});
