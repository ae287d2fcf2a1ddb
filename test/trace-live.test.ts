// Execution traces captured live from a loaded Go target built with this run's
// toolchain (RCA_GO; `npm run test:go-matrix` runs it for each), taken while a
// CPU profile runs so they carry CPU samples: our reader's dump must equal
// Go's own (golang.org/x/exp/trace) byte for byte.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dumpTrace } from '../src/trace/dump.js';
import { buildTool, hasGo, startLoadedTarget, toolchain, type Target } from './helpers/go.js';

describe.skipIf(!hasGo)(`live execution traces read as Go reads them (${hasGo ? toolchain().version : 'no Go'})`, () => {
  const dir = mkdtempSync(join(tmpdir(), 'rca-trace-live-'));
  const traces: Record<string, string> = {};
  const targets: Target[] = [];

  beforeAll(async () => {
    for (const mode of ['lock', 'pgxpool']) {
      const t = await startLoadedTarget(['-mode', mode], 100);
      targets.push(t);
      const [trace] = await Promise.all([fetch(`${t.url}/debug/pprof/trace?seconds=1`), fetch(`${t.url}/debug/pprof/profile?seconds=1`)]);
      expect(trace.status).toBe(200);
      traces[mode] = join(dir, `${mode}.trace`);
      writeFileSync(traces[mode], Buffer.from(await trace.arrayBuffer()));
    }
  }, 60_000);
  afterAll(async () => {
    await Promise.all(targets.map((t) => t.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['lock', 'pgxpool'])('%s: the dump equals x/exp/trace, CPU samples included', (mode) => {
    const chunks: Buffer[] = [];
    const ok = dumpTrace(traces[mode], (s) => chunks.push(Buffer.from(s)));
    const ours = Buffer.concat(chunks);
    if (toolchain().minor < 22) {
      expect(ok).toBe(false);
      expect(ours.toString()).toMatch(/^error: go 1\.(19|21) trace: the old trace format/);
      return;
    }
    const go = spawnSync(buildTool('tracedump'), [traces[mode]], { env: { ...process.env, TZ: 'UTC' }, maxBuffer: 1 << 30 });
    expect(go.status).toBe(0);
    expect(ok).toBe(true);
    expect(ours.toString()).toContain(' StackSample ');
    expect(ours.toString()).toContain(mode === 'lock' ? 'main.updateInventory' : 'main.loadOrder');
    // Compare by lines so that a difference names the first event that differs.
    const [a, b] = [ours.toString().split('\n'), go.stdout.toString().split('\n')];
    const first = a.findIndex((line, i) => line !== b[i]);
    expect(first === -1 ? null : { line: first, ours: a[first], go: b[first] }).toBeNull();
    expect(a.length).toBe(b.length);
  });
});
