import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile as ReferenceProfile } from 'pprof-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGo, startTarget, type Target } from '../../test/helpers/go.js';
import { expectSameTable, pprofTop } from '../../test/helpers/pprof-top.js';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';
import { emptyNote } from './kind.js';
import { sampleLabels } from './model.js';
import { parseProfile } from './pprof.js';
import { resolveSampleIndex, top } from './top.js';

const decodable = sharedFixtures
  ? readdirSync(fixture('pprof'))
      .filter((f) => f.endsWith('.meta.json'))
      .map((f) => f.slice(0, -'.meta.json'.length))
      .filter((f) => {
        const meta = JSON.parse(readFileSync(fixture('pprof', `${f}.meta.json`), 'utf8'));
        return meta.format === 'proto' && !f.includes('dotnet-pprof-3');
      })
  : [];

const num = (v: number | bigint) => Number(BigInt.asIntN(64, BigInt(v)));

describe.skipIf(!sharedFixtures)('decoding agrees with pprof-format', () => {
  it.each(decodable)('%s', (name) => {
    const bytes = readFileSync(fixture('pprof', name));
    const ours = parseProfile(bytes, { prune: false });
    if (!ours.ok) throw new Error(ours.error);
    const p = ours.value;
    const raw = bytes[0] === 0x1f ? gunzipSync(bytes) : bytes;
    const ref = ReferenceProfile.decode(raw);
    const strings = ref.stringTable.strings;
    expect(p.sampleTypes.map((t) => t.type)).toEqual(ref.sampleType.map((t) => strings[Number(t.type)]));
    expect(p.samples.count).toBe(ref.sample.length);
    const n = p.sampleTypes.length;
    ref.sample.forEach((s, i) => {
      expect(Array.from(p.samples.values.subarray(i * n, i * n + n))).toEqual(s.value.map(num));
      const ids = Array.from(p.samples.stack.subarray(p.samples.stackStart[i], p.samples.stackEnd[i])).map((li) => p.locations.id[li]);
      expect(ids).toEqual(s.locationId.map(Number));
    });
    expect(p.functions.map((f) => f.name)).toEqual(ref.function.map((f) => strings[Number(f.name)]));
  });

  it('detects gzip by its magic bytes, not the name', () => {
    const raw = gunzipSync(readFileSync(fixture('pprof', 'parca__fib.pb.gz')));
    const a = parseProfile(raw);
    const b = parseProfile(gzipSync(raw));
    if (!a.ok || !b.ok) throw new Error('decode failed');
    expect(top(a.value).rows).toEqual(top(b.value).rows);
  });

  it('keeps labels', () => {
    const p = parseProfile(readFileSync(fixture('pprof', 'pyroscope__go.cpu.labels.pprof')));
    if (!p.ok) throw new Error(p.error);
    const s = p.value.samples;
    for (let i = 0; i < s.count; i++) expect(Object.keys(sampleLabels(s, i) ?? {}).length).toBeGreaterThan(0);
  });

  it('resolves the default sample type as pprof does', () => {
    for (const [name, want] of [
      ['googlepprof__sample.cpu', 'cpu'],
      ['parca__alloc_objects.pb.gz', null],
    ] as const) {
      const p = parseProfile(readFileSync(fixture('pprof', name)));
      if (!p.ok) throw new Error(p.error);
      const meta = JSON.parse(readFileSync(fixture('pprof', `${name}.meta.json`), 'utf8'));
      const i = resolveSampleIndex(p.value, undefined);
      if (!i.ok) throw new Error(i.error);
      const expected = want ?? meta.default_sample_type;
      expect(p.value.sampleTypes[i.value].type).toBe(expected);
    }
  });
});

describe.skipIf(!hasGo)('profiles from a live Go process', () => {
  let churn: Target;
  let quiet: Target;
  const dir = mkdtempSync(join(tmpdir(), 'rca-live-'));
  beforeAll(async () => {
    churn = await startTarget(['-mode', 'churn', '-free-after', '1s']);
    quiet = await startTarget(['-mode', 'healthy', '-contention=false']);
  });
  afterAll(async () => {
    await churn?.stop();
    await quiet?.stop();
  });

  it('a heap delta with negative in-use values decodes and matches go tool pprof', async () => {
    const bytes = Buffer.from(await (await fetch(`${churn.url}/debug/pprof/heap?seconds=2`)).arrayBuffer());
    const parsed = parseProfile(bytes);
    if (!parsed.ok) throw new Error(parsed.error);
    const p = parsed.value;
    const i = resolveSampleIndex(p, 'inuse_space');
    if (!i.ok) throw new Error(i.error);
    const n = p.sampleTypes.length;
    const inuse = Array.from({ length: p.samples.count }, (_, s) => p.samples.values[s * n + i.value]);
    expect(inuse.filter((v) => v < 0).reduce((a, v) => a + v, 0)).toBeLessThan(-(4 << 20));
    const table = top(p, { sampleIndex: i.value });
    expect(table.total).toBe(inuse.reduce((a, v) => a + Math.abs(v), 0));
    const file = join(dir, 'heap-delta.pb.gz');
    writeFileSync(file, bytes);
    expectSameTable(table, pprofTop(['-nodefraction=0', '-sample_index=inuse_space', file]), 0);
  });

  it('an empty block profile says block profiling is not enabled', async () => {
    const bytes = Buffer.from(await (await fetch(`${quiet.url}/debug/pprof/block`)).arrayBuffer());
    const p = parseProfile(bytes);
    if (!p.ok) throw new Error(p.error);
    expect(p.value.samples.count).toBe(0);
    expect(emptyNote(p.value)).toMatch(/block or mutex profiling is not enabled/);
    expect(top(p.value).rows).toEqual([]);
  });
});
