// Corrupt input must never crash rca-bot or print a stack: every fixture,
// truncated and with flipped bytes, either still decodes (a cut at a field
// boundary is a valid, smaller profile) or exits 2 with one line naming the file.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run, type CliRun } from './helpers/cli.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-malformed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));


// A small deterministic generator, so a failure can be reproduced.
function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

function expectCleanFailureOrSuccess(r: CliRun, path: string) {
  expect([0, 2]).toContain(r.code);
  if (r.code === 2) {
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toContain(path);
    expect(r.err[0]).not.toMatch(/\n|    at /);
  }
}

const profiles = sharedFixtures
  ? readdirSync(fixture('pprof')).filter((f) => !/\.(txt|json|md|gz\.txt)$/.test(f) && !f.endsWith('.txt.gz') && f !== '.gitattributes')
  : [];

describe('unreadable input', () => {
  it('an empty file, a text file and a missing file exit 2 with one line', async () => {
    const empty = join(dir, 'empty.pb.gz');
    writeFileSync(empty, '');
    const text = join(dir, 'notes.pprof');
    writeFileSync(text, 'this is not a profile\n');
    for (const [path, why] of [
      [empty, 'empty file'],
      [text, 'not a pprof profile'],
      [join(dir, 'missing.pprof'), 'no such file'],
    ]) {
      const r = await run(['top', path]);
      expect(r.code).toBe(2);
      expect(r.err).toEqual([expect.stringContaining(`${path}: ${why}`)]);
    }
  });

  it('a gzip bomb is refused before it fills memory', async () => {
    const { gzipSync } = await import('node:zlib');
    const bomb = join(dir, 'bomb.pb.gz');
    writeFileSync(bomb, gzipSync(Buffer.alloc(300 * 1024 * 1024)));
    const r = await run(['top', bomb]);
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/expands past the 256 MB limit/);
  });
});

describe.skipIf(!sharedFixtures)('every fixture, truncated and corrupted', () => {
  it.each(profiles)('%s', async (name) => {
    const original = readFileSync(fixture('pprof', name));
    const variants: Buffer[] = [];
    const raw = original[0] === 0x1f && original[1] === 0x8b ? gunzipSync(original) : original;
    for (const data of raw === original ? [original] : [original, raw]) {
      for (const cut of [1, 2, 7, Math.floor(data.length / 3), Math.floor(data.length / 2), data.length - 1]) variants.push(data.subarray(0, cut));
      const rand = rng(data.length);
      for (let k = 0; k < 12; k++) {
        const copy = Buffer.from(data);
        for (let f = 0; f < 1 + k; f++) copy[Math.floor(rand() * copy.length)] ^= 1 << Math.floor(rand() * 8);
        variants.push(copy);
      }
    }
    for (const [i, v] of variants.entries()) {
      const path = join(dir, `${name}.${i}`);
      writeFileSync(path, v);
      expectCleanFailureOrSuccess(await run(['top', path, '--json']), path);
    }
  });

  it('legacy and rejected fixtures exit 2 and say why', async () => {
    const cases: [string, RegExp][] = [
      ['googlepprof__go.crc32.cpu', /legacy binary CPU profile format is not supported/],
      ['googlepprof__gobench.heap', /legacy text profile format is not supported/],
      ['googlepprof__fuzz-7e3c9248.heapz', /legacy text profile format is not supported/],
      ['pyroscope__dotnet-pprof-3.pb.gz', /malformed profile: found function with reserved ID=0/],
    ];
    for (const [name, why] of cases) {
      const r = await run(['top', fixture('pprof', name)]);
      expect(r.code, name).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(why);
    }
  });
});
