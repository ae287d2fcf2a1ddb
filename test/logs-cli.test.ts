// `rca-bot logs`, run in-process through its module.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLogs } from '../src/cli/logs.js';
import { UserError } from '../src/errors.js';
import { fixture, sharedFixtures } from './helpers/shared.js';

const dir = mkdtempSync(join(tmpdir(), 'rca-logs-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runLogs(args, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out: out.join('\n'), err };
}

async function failure(args: string[]): Promise<string> {
  try {
    await run(args);
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).exitCode).toBe(2);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
}

const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

const ts = (i: number) => `2024-05-07 10:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`;
function service(n: number, extra: (i: number) => string | undefined = () => undefined): string {
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    lines.push(`${ts(i)} INFO http: GET /api/orders/${1000 + i} 200 in ${i % 17}ms`);
    if (i % 10 === 0) lines.push(`${ts(i)} INFO cache: refreshed ${i * 3} keys`);
    const x = extra(i);
    if (x) lines.push(`${ts(i)} ${x}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
const format = '<Date> <Time> <Level> <Component>: <Content>';

describe('rca-bot logs', () => {
  it('prints templates, the template of each line, and the findings as JSON', async () => {
    const base = write('base.log', service(300));
    const incident = write('incident.log', service(300, (i) => (i % 20 === 0 ? `ERROR db: query failed: dial tcp 10.0.0.${i % 7}:5432: connect: connection refused` : undefined)));
    const r = await run([incident, '--format', format, '--baseline', base, '--json']);
    expect(r).toMatchObject({ code: 0, err: [] });
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(['templates', 'lines', 'findings']);
    expect(json.templates).toEqual([
      { id: 0, template: 'GET <*> in <*>', count: 300 },
      { id: 1, template: 'refreshed <*> keys', count: 30 },
      { id: 2, template: 'query failed: dial tcp <*>: connect: connection refused', count: 15 },
    ]);
    expect(json.lines).toHaveLength(345);
    expect(json.lines.slice(0, 4)).toEqual([0, 1, 2, 0]);
    expect(json.findings).toHaveLength(1);
    expect(json.findings[0]).toMatchObject({
      kind: 'error-burst',
      title: 'A new error appeared 15 times in the incident window: query failed: dial tcp <*>: connect: connection refused',
      evidence: [{ source: 'logs', summary: expect.stringContaining(`e.g. "${ts(0)} ERROR db: query failed: dial tcp 10.0.0.0:5432: connect: connection refused"`) }],
    });
  });

  it('prints a table for people, and says when nothing stands out', async () => {
    const base = write('same.log', service(100));
    const r = await run([base, '--format', format, '--baseline', base]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 3)).toEqual(['2 templates in 110 lines', '100  #0  GET <*> in <*>', ' 10  #1  refreshed <*> keys']);
    expect(r.out).toMatch(/No template is new or grew sharply against .*same\.log\.$/);
  });

  it('mines lines without the format whole, and says how many', async () => {
    const f = write('mixed.log', `${ts(1)} INFO a: started\nnot a header line\n`);
    const r = await run([f, '--format', format, '--json']);
    expect(r.err).toEqual([`rca-bot: ${f}: 1 of 2 lines do not have the format; they were mined whole`]);
    expect(JSON.parse(r.out).lines).toEqual([0, 1]);
  });

  it('reads a Loki answer as its entries, oldest first', async () => {
    const f = write('loki.json', JSON.stringify({ status: 'success', data: { resultType: 'streams', result: [{ stream: {}, values: [['3000000000', 'user 7 logged in'], ['1000000000', 'user 5 logged in'], ['2000000000', 'disk full']] }] } }));
    const json = JSON.parse((await run([f, '--json'])).out);
    expect(json.templates).toEqual([{ id: 0, template: 'user <*> logged in', count: 2 }, { id: 1, template: 'disk full', count: 1 }]);
    expect(json.lines).toEqual([0, 1, 0]);
  });

  it('refuses bad input with one line', async () => {
    expect(await failure([])).toBe('usage: rca-bot logs <file|-> [--format F] [--baseline <file>] [--json]');
    expect(await failure([join(dir, 'missing.log')])).toBe(`${join(dir, 'missing.log')}: no such file`);
    const ok = write('ok.log', 'x\n');
    expect(await failure([ok, '--format', '<Date> <Time>'])).toMatch(/^--format: format "<Date> <Time>" has no <Content> field$/);
    expect(await failure([ok, '--baseline', join(dir, 'gone.log')])).toMatch(/gone\.log: no such file$/);
    const loki = write('bad-loki.json', '{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[[1,"x"]]}]}}');
    expect(await failure([loki])).toBe(`${loki}: data.result[0].values[0] is not a ["<nanoseconds>", "<line>"] pair`);
    expect(await failure([ok, '--baseline', loki])).toMatch(/bad-loki\.json: data\.result\[0\]/);
  });
});

describe.skipIf(!sharedFixtures)('rca-bot logs on fixtures', () => {
  it('gives every Loghub line a template id, in order', async () => {
    const r = await run([fixture('logs', 'loghub-2k', 'HDFS', 'HDFS_2k.log'), '--format', '<Date> <Time> <Pid> <Level> <Component>: <Content>', '--json']);
    const json = JSON.parse(r.out);
    expect(json.lines).toHaveLength(2000);
    expect(json.templates.reduce((n: number, t: { count: number }) => n + t.count, 0)).toBe(2000);
    expect(json.findings).toEqual([]);
  });

  it('reads a format as a person writes it, [<Time>] for brackets, when Loghub\'s regular-expression reading matches nothing, and says so', async () => {
    const apache = fixture('logs', 'loghub-2k', 'Apache', 'Apache_2k.log');
    const loghub = await run([apache, '--format', '\\[<Time>\\] \\[<Level>\\] <Content>', '--json']);
    expect(loghub.err).toEqual([]);
    const written = await run([apache, '--format', '[<Time>] [<Level>] <Content>', '--json']);
    expect(written.err).toEqual(['rca-bot: --format "[<Time>] [<Level>] <Content>" matches none of the first lines as a regular expression; read as written, it matches, so it is read as written']);
    expect(JSON.parse(written.out).templates).toEqual(JSON.parse(loghub.out).templates);
  });

  it('mines modern production logs (JSON, logfmt, klog) into few templates', async () => {
    const d = fixture('logs', 'loki-drain-testdata');
    for (const name of readdirSync(d)) {
      const json = JSON.parse((await run([join(d, name), '--json'])).out);
      expect(json.templates.length, name).toBeLessThan(json.lines.length / 2);
      expect(json.lines.every((id: number) => Number.isInteger(id) && id >= 0), name).toBe(true);
    }
  });
});
