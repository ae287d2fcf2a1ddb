// Profiles captured live from the Go targets, built with this run's toolchain
// (RCA_GO, default the `go` on PATH): all six kinds and deltas, read by us
// and by the machine's `go tool pprof`, must give the same -top, -top -cum
// and -diff_base -normalize tables. `npm run test:go-matrix` runs it for
// every toolchain.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diffTop } from '../src/profile/diff.js';
import { parseProfile } from '../src/profile/pprof.js';
import { resolveSampleIndex, top } from '../src/profile/top.js';
import type { Profile } from '../src/profile/model.js';
import { hasGo, startLoadedTarget, toolchain, type Target } from './helpers/go.js';
import { expectSameTable, pprofTop } from './helpers/pprof-top.js';

const kinds: [name: string, mode: string, path: string][] = [
  ['cpu', 'rwlock', '/debug/pprof/profile?seconds=2'],
  ['block', 'rwlock', '/debug/pprof/block?seconds=2'],
  ['mutex', 'rwlock', '/debug/pprof/mutex?seconds=2'],
  ['goroutine', 'bodyleak', '/debug/pprof/goroutine'],
  ['heap', 'memory', '/debug/pprof/heap'],
  ['allocs', 'gc', '/debug/pprof/allocs'],
  ['allocs-delta', 'gc', '/debug/pprof/allocs?seconds=2'],
  // A heap profile changes only when a GC completes: the memory target's growing heap can go
  // two seconds without one (an empty delta), the garbage-making target collects many times a second.
  ['heap-delta', 'gc', '/debug/pprof/heap?seconds=2'],
  // Two seconds, as the first: a one-second profile of this mostly-waiting target can hold no sample on a loaded machine.
  ['cpu-2', 'rwlock', '/debug/pprof/profile?seconds=2'],
  ['heap-2', 'memory', '/debug/pprof/heap'],
];

describe.skipIf(!hasGo)(`live profiles equal go tool pprof (${hasGo ? toolchain().version : 'no Go'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-live-'));
  const files: Record<string, string> = {};
  const profiles: Record<string, Profile> = {};
  const targets: Target[] = [];

  beforeAll(async () => {
    const modes = [...new Set(kinds.map(([, mode]) => mode))];
    const started = Object.fromEntries(await Promise.all(modes.map(async (m) => [m, await startLoadedTarget(['-mode', m], 100)] as const)));
    targets.push(...Object.values(started));
    // The second CPU and heap captures come after the first, so that they differ.
    for (const batch of [kinds.filter(([n]) => !n.endsWith('-2')), kinds.filter(([n]) => n.endsWith('-2'))])
      await Promise.all(
        batch.map(async ([name, mode, path]) => {
          const res = await fetch(started[mode].url + path);
          expect(res.status, path).toBe(200);
          const bytes = Buffer.from(await res.arrayBuffer());
          files[name] = join(dir, `${name}.pb.gz`);
          writeFileSync(files[name], bytes);
          const p = parseProfile(bytes);
          if (!p.ok) throw new Error(`${name}: ${p.error}`);
          profiles[name] = p.value;
        }),
      );
  }, 60_000);
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.stop()));
  });

  const cases = kinds.flatMap(([name]) => (['top', 'top -cum'] as const).map((variant) => [name, variant] as const));

  it.each(cases)('%s: %s, every sample type', (name, variant) => {
    const p = profiles[name];
    expect(p.samples.count, `${name} has samples`).toBeGreaterThan(0);
    for (const t of p.sampleTypes) {
      const index = resolveSampleIndex(p, t.type);
      if (!index.ok) throw new Error(index.error);
      const cum = variant === 'top -cum';
      const args = [`-sample_index=${t.type}`, files[name]];
      expectSameTable(top(p, { sampleIndex: index.value, cum }), pprofTop(cum ? ['-cum', ...args] : args));
    }
  });

  it.each([
    ['cpu', 'cpu-2', 'cpu'],
    ['heap', 'heap-2', 'inuse_space'],
    ['heap', 'heap-2', 'alloc_objects'],
  ])('-diff_base=%s %s -normalize (%s)', (base, current, type) => {
    for (const cum of [false, true]) {
      const index = resolveSampleIndex(profiles[current], type);
      if (!index.ok) throw new Error(index.error);
      const table = diffTop(profiles[base], profiles[current], { sampleIndex: index.value, cum });
      if (!table.ok) throw new Error(table.error);
      const args = ['-nodefraction=0', `-sample_index=${type}`, '-normalize', `-diff_base=${files[base]}`, files[current]];
      expectSameTable(table.value, pprofTop(cum ? ['-cum', ...args] : args), 0);
    }
  });
});
