// `rca-bot demo`: starts the demo service (a Node process with a CPU
// hotspot), loads it, captures its CPU profile over HTTP, and shows what the
// engine makes of it: the top table and flame graphs, PNG and HTML.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { parseProfile } from '../profile/pprof.js';
import { resolveSampleIndex, top } from '../profile/top.js';
import { callTree } from '../profile/tree.js';
import { renderFlameHtml, renderFlamePng } from '../render/index.js';
import { formatTable } from './top.js';
import type { Io } from './io.js';

const targetScript = join(dirname(fileURLToPath(import.meta.url)), '../demo/target.js');

async function startChild(): Promise<{ port: number; stop: () => void }> {
  const child = spawn(process.execPath, ['--expose-gc', targetScript, '--fault'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const first = await new Promise<string>((ok, fail) => {
    lines.once('line', ok);
    child.once('exit', (code) => fail(new Error(`demo target exited with ${code}`)));
  });
  return { port: (JSON.parse(first) as { port: number }).port, stop: () => child.kill() };
}

export async function runDemo(argv: string[], io: Io): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { seconds: { type: 'string', default: '3' }, out: { type: 'string', default: 'out/demo' } } });
  const seconds = Number(values.seconds);
  if (!(seconds >= 1 && seconds <= 60)) throw new UserError(`--seconds must be between 1 and 60, not "${values.seconds}"`);
  const out = resolve(values.out);
  mkdirSync(out, { recursive: true });
  const target = await startChild();
  const base = `http://127.0.0.1:${target.port}`;
  io.out(`demo target listening on ${base}; capturing ${seconds} s of CPU under load…`);
  try {
    let loading = true;
    const load = async () => {
      while (loading) await fetch(`${base}/orders`).then((r) => r.text());
    };
    const loaders = [load(), load()];
    const res = await fetch(`${base}/debug/pprof/profile?seconds=${seconds}`);
    loading = false;
    await Promise.all(loaders);
    const bytes = Buffer.from(await res.arrayBuffer());
    const parsed = parseProfile(bytes);
    if (!parsed.ok) throw new UserError(`${base}/debug/pprof/profile: ${parsed.error}`);
    const profile = parsed.value;
    const index = (resolveSampleIndex(profile, undefined) as { ok: true; value: number }).value;
    const table = top(profile, { sampleIndex: index, cum: false });
    const file = join(out, 'cpu.pb.gz');
    writeFileSync(file, bytes);
    io.out(formatTable(table, 10));
    const tree = callTree(profile, index, { withoutProfiler: true });
    const title = { kind: 'CPU', sampleType: table.sampleType, unit: table.unit, total: tree.root.total, durationNanos: profile.durationNanos };
    writeFileSync(join(out, 'flame.png'), await renderFlamePng(tree, { title }));
    writeFileSync(join(out, 'flame.html'), renderFlameHtml(tree, { title }));
    io.out(`\nwrote ${file}, ${join(out, 'flame.png')} and ${join(out, 'flame.html')}`);
    io.out(`try: node bin/rca-bot.js top ${file} --cum`);
    return 0;
  } finally {
    target.stop();
  }
}
