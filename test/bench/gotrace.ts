// Execution-trace reader speed and memory, beside Go's own parser
// (golang.org/x/exp/trace through test/go/tracedump -count) on the same files
// in the same run: the largest fixtures (new and old format) and a 30 s trace of a busy Go target (2,000 requests a second).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceReader } from '../../src/trace/reader.js';
import { buildTool, startLoad, startTarget } from '../helpers/go.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Peak RSS (MB) of a whole process, by /usr/bin/time. */
function peakRss(cmd: string, args: string[]): number {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  return Number(r.stderr.toString().trim().split('\n').at(-1)) / 1024;
}

function parseOurs(file: string): { ms: number; events: number } {
  const t0 = performance.now();
  const r = new TraceReader(file);
  let events = 0;
  while (r.next()) events++;
  r.close();
  return { ms: performance.now() - t0, events };
}

export async function benchGoTrace(root: string, fixtures: string, runs = 7) {
  const tracedump = buildTool('tracedump');
  // The largest of the go1.22+ format and of the old one (read whole, as Go reads it).
  const files = [join(fixtures, 'gotrace/Krommka__wbOrderSaver/trace.pprof'), join(fixtures, 'gotrace/felixge__traceutils/testdata/1.19/staticcheck.trace')];
  console.log('execution trace reader: capturing 30 s of trace from a busy Go target (healthy mode, 2,000 requests a second)…');
  const target = await startTarget(['-mode', 'healthy']);
  const load = startLoad(`${target.url}/work`, 2000);
  try {
    const live = join(mkdtempSync(join(tmpdir(), 'rca-bench-trace-')), 'busy-30s.trace');
    const res = await fetch(`${target.url}/debug/pprof/trace?seconds=30`);
    writeFileSync(live, Buffer.from(await res.arrayBuffer()));
    files.push(live);
  } finally {
    await load.stop();
    await target.stop();
  }
  console.log(`(${runs} runs each, median, after one warm-up; reading and ordering every event)\n`);
  for (const file of files) {
    const mb = statSync(file).size / 1e6;
    const ours: number[] = [];
    let events = 0;
    for (let i = 0; i <= runs; i++) {
      const r = parseOurs(file);
      events = r.events;
      if (i > 0) ours.push(r.ms);
    }
    const go: number[] = [];
    let goEvents = 0;
    for (let i = 0; i <= runs; i++) {
      const r = spawnSync(tracedump, ['-count', file]);
      const [, n, ns] = r.stdout.toString().trim().split('\t');
      goEvents = Number(n);
      if (i > 0) go.push(Number(ns) / 1e6);
    }
    const [o, g] = [median(ours), median(go)];
    const script = `import('${join(root, 'dist/src/trace/reader.js')}').then(({ TraceReader }) => { const r = new TraceReader(process.argv[1]); while (r.next()); })`;
    const rssOurs = peakRss(process.execPath, ['-e', script, file]);
    const rssGo = peakRss(tracedump, ['-count', file]);
    const rssNode = peakRss(process.execPath, ['-e', '0']);
    console.log(
      `${file.replace(fixtures + '/', '').replace(/^.*\/(busy-30s)/, '$1')} (${mb.toFixed(2)} MB, ${events.toLocaleString('en')} events${goEvents === events ? '' : `; Go counted ${goEvents}`})\n` +
        `  rca-bot reader:     ${o.toFixed(0)} ms, ${(mb / (o / 1000)).toFixed(1)} MB/s, ${(events / (o / 1000) / 1e6).toFixed(2)} M events/s; peak RSS ${rssOurs.toFixed(0)} MB (node alone ${rssNode.toFixed(0)} MB)\n` +
        `  x/exp/trace (Go):   ${g.toFixed(0)} ms, ${(mb / (g / 1000)).toFixed(1)} MB/s, ${(goEvents / (g / 1000) / 1e6).toFixed(2)} M events/s; peak RSS ${rssGo.toFixed(0)} MB\n` +
        `  ratio: ${(o / g).toFixed(2)}x Go's time; memory above node's own ${(rssOurs - rssNode).toFixed(0)} MB = ${((rssOurs - rssNode) / mb).toFixed(1)}x the file\n`,
    );
  }
}
