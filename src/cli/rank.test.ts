import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli as run } from '../../test/helpers/cli.js';
import { fixture, sharedFixtures } from '../../test/helpers/shared.js';

const tmp = mkdtempSync(join(tmpdir(), 'rca-rank-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('rca-bot rank', () => {
  it('needs one case folder', async () => {
    expect(await run(['rank'])).toMatchObject({ code: 2, err: ['rca-bot: usage: rca-bot rank <case-dir> [--baseline <dir>]... [--json]'] });
    expect(await run(['rank', 'a', 'b'])).toMatchObject({ code: 2 });
  });

  it('a missing or malformed folder is one line and exit 2', async () => {
    expect(await run(['rank', join(tmp, 'nope')])).toEqual({ code: 2, out: '', err: [`rca-bot: ${join(tmp, 'nope')}: no such folder`] });
    const bad = join(tmp, 'bad');
    mkdirSync(join(bad, 'trace'), { recursive: true });
    mkdirSync(join(bad, 'metric'), { recursive: true });
    writeFileSync(join(bad, 'trace', '10_20_trace.csv'), 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration\n');
    writeFileSync(join(bad, 'metric', 'a-5f55b6cf68-77cfw_metric.csv'), 'Time,TimeStamp,PodName,CpuUsageRate(%)\nt,1674985811,a,lots\n');
    // The dirty metric row is skipped and said; with no span or log line, there is no window to rank.
    const r = await run(['rank', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toEqual([`rca-bot: ${bad}: the trace and log files have no rows, so no day for the incident window`]);
  });
});

describe.skipIf(!sharedFixtures)('rca-bot rank on a Nezha case', () => {
  const nezha = (name: string) => fixture('rca', 'nezha', name);

  it('--json prints the window and the ranking, every service with its score and evidence', async () => {
    const r = await run(['rank', nezha('ob-2022-08-23-currency-cpu'), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out);
    expect(Object.keys(json)).toEqual(['window', 'baselines', 'ranking', 'traceLogs', 'notes']);
    expect(json.window).toEqual({ start: '2022-08-23T13:28:55Z', end: '2022-08-23T13:29:50Z' });
    expect(json.ranking).toHaveLength(10);
    for (const item of json.ranking) {
      // operation and template only where a span or log signal names one.
      expect(Object.keys(item).filter((k) => k !== 'operation' && k !== 'template')).toEqual(['service', 'score', 'evidence']);
      if (item.operation !== undefined) expect(typeof item.operation).toBe('string');
      expect(item.score).toBeGreaterThanOrEqual(0);
      expect(item.score).toBeLessThanOrEqual(1);
      for (const e of item.evidence) expect(['traces', 'logs', 'metrics']).toContain(e.source);
    }
    const scores = json.ranking.map((x: { score: number }) => x.score);
    expect(scores).toEqual([...scores].sort((a: number, b: number) => b - a));
  });

  it('takes the fault-free folders given, or those beside the case, when they are of the same system', async () => {
    const given = await run(['rank', nezha('tt-2023-01-29-travel-exception'), '--baseline', nezha('baseline-tt-2023-01-29')]);
    expect(given.out.split('\n')[0]).toBe('Incident window 2023-01-29T10:19:55Z to 2023-01-29T10:22:50Z (minutes 10_20, 10_21, 10_22); 1 fault-free folder as the baseline');
    const beside = await run(['rank', nezha('tt-2023-01-29-travel-exception')]);
    expect(beside.out.split('\n')[0]).toMatch(/; [1-9]\d* fault-free folders? as the baseline$/);
    const other = await run(['rank', nezha('ob-2022-08-23-currency-cpu'), '--baseline', nezha('baseline-tt-2023-01-29'), '--json']);
    expect(JSON.parse(other.out).baselines).toBe(0);
  });

  it('prints the services ranked, with their score and top evidence line', async () => {
    const r = await run(['rank', nezha('ob-2022-08-23-currency-cpu')]);
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^Incident window 2022-08-23T13:28:55Z to 2022-08-23T13:29:50Z \(minutes 13_29\); 0 fault-free folders as the baseline( \(\d+ ignored: another system\))?$/);
    expect(lines).toContain('Symptom: The frontend p90 latency rose to 22.7 s from a usual 472 ms (48×)');
    const ranked = lines.filter((l) => /^ ?\d+\. /.test(l));
    expect(ranked.length).toBeGreaterThan(2);
    for (const l of ranked) expect(l).toMatch(/^ ?\d+\. [a-z-]+ +[01]\.\d\d {2}\[(traces|logs|metrics)\] \S/);
    expect(lines[lines.length - 1]).toMatch(/^\(\d+ more services? show nothing unusual\)$/);
  });

  it('the cases with rows Java wrote with an impossible TimeUnixNano rank, and say once per file what they did with them', async () => {
    const r = await run(['rank', nezha('tt-2023-01-29-basic-return-3')]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('rca-bot: log/09_21_log.csv: 16 rows kept: TimeUnixNano out of range, the time read from Timestamp');
    // Where in the service: the span its new error lines were written in, and their template.
    expect(r.out).toMatch(/^ 1\. ts-basic-service .*\n {10,}operation: BasicController\.queryForTravels\n {10,}log template: .*\[getRoutesByRouteIds\]\[Get Route By Ids Failed\]$/m);
    for (const line of r.err) expect(line).toMatch(/^rca-bot: [\w/-]+\.csv: \d+ (rows|spans?) (kept|skipped): /);
  });
});
