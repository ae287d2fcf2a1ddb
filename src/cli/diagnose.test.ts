import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasGo, startTarget, type Target } from '../../test/helpers/go.js';
import { runDiagnose } from './diagnose.js';
import { main } from './main.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-diagnose-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const config = join(dir, 'rca.config.yaml');
writeFileSync(config, 'services:\n  order-api:\n    pprof: http://127.0.0.1:9\n  orders-db:\n    pprof: http://127.0.0.1:9\n');

async function run(args: string[], env: NodeJS.ProcessEnv = { RCA_CONFIG: config }) {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  try {
    return { code: await runDiagnose(args, io, env), out: out.join('\n'), err };
  } catch (e) {
    // main() turns these into exit codes; here we only need the message.
    return { code: (e as { exitCode?: number }).exitCode ?? 1, out: out.join('\n'), err: [(e as Error).message] };
  }
}

/** A local port with nothing listening. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('rca-bot diagnose', () => {
  it('an unknown service says so and lists the close names', async () => {
    const r = await run(['order']);
    expect(r.code).toBe(2);
    expect(r.err[0]).toBe('unknown service "order"; did you mean order-api, orders-db?');
  });

  it('a missing registry names the file', async () => {
    const r = await run(['order-api'], { RCA_CONFIG: join(dir, 'nope.yaml') });
    expect(r.code).toBe(2);
    expect(r.err[0]).toMatch(/nope\.yaml: no such file/);
  });

  it('bad options are exit 2 through main', async () => {
    const err: string[] = [];
    const code = await main(['diagnose', '--url', 'ftp://x', '--seconds', '1'], { out: () => {}, err: (l) => err.push(l) });
    expect(code).toBe(2);
    expect(err).toEqual(['rca-bot: --url must be an http or https URL, not "ftp://x"']);
    expect(await run(['--url', 'http://127.0.0.1:9', '--seconds', '0'])).toMatchObject({ code: 2, err: [expect.stringMatching(/--seconds must be a whole number from 1 to 300/)] });
  });

  it('a dead target: every capture failed, said why, exit 3', async () => {
    const port = await deadPort();
    const r = await run(['--url', `http://127.0.0.1:${port}`, '--seconds', '1', '--json']);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.out);
    expect(report.verdict).toBe('inconclusive');
    expect(report.findings).toEqual([]);
    expect(report.errors.map((e: { source: string }) => e.source).sort()).toEqual(
      ['allocs', 'block', 'cpu', 'goroutine-end', 'goroutine-start', 'heap-end', 'heap-start', 'mutex', 'goroutineleak', 'trace'].sort(),
    );
    for (const e of report.errors) expect(e.error).toMatch(/^GET \/debug\/pprof\/\S+: connection refused by 127\.0\.0\.1:\d+ \(is the service running\?\)$/);
  });
});

describe.skipIf(!hasGo)('rca-bot diagnose against a real Go service', () => {
  let target: Target;
  beforeAll(async () => {
    target = await startTarget(['-mode', 'healthy']);
  });
  afterAll(() => target?.stop());

  it('--json prints the Report and --out writes flame graphs, profiles and the summary', async () => {
    const out = join(dir, 'out');
    const r = await run(['demo', '--url', target.url, '--seconds', '1', '--json', '--out', out]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.out);
    expect(Object.keys(report)).toEqual(['service', 'target', 'window', 'verdict', 'findings', 'artifacts', 'errors', 'notCaptured', 'timings', 'executionTrace']);
    expect(report).toMatchObject({ service: 'demo', target: target.url, window: { seconds: 1 }, verdict: 'healthy', errors: [] });
    for (const name of ['cpu.pb.gz', 'goroutine-end.png', 'summary.md', 'report.json']) expect(existsSync(join(out, name)), name).toBe(true);
    expect(readFileSync(join(out, 'summary.md'), 'utf8')).toMatch(/^## demo: healthy\n\n\*\*Looks healthy: nothing stands out/);
    expect(report.artifacts.find((a: { kind: string; source: string }) => a.kind === 'flame-png' && a.source === 'goroutine-end')).toBeDefined();
  });
});
