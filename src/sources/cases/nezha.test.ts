import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, sharedFixtures } from '../../../test/helpers/shared.js';
import { entryOf, frontendSeriesOf, loadNezhaCase, metricSeriesOf, rankInputOf, type NezhaCase } from './nezha.js';

const root = mkdtempSync(join(tmpdir(), 'rca-nezha-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const ns = (iso: string) => `${BigInt(Date.parse(iso)) * 1_000_000n}`;
const traceHeader = 'TraceID,SpanID,ParentID,PodName,OperationName,StartTimeUnixNano,EndTimeUnixNano,Duration';
const logHeader = 'Timestamp,TimeUnixNano,Node,PodName,Container,TraceID,SpanID,Log';
const metricHeader = 'Time,TimeStamp,PodName,CpuUsageRate(%),MemoryUsageRate(%),PodClientLatencyP90(s),PodServerLatencyP90(s),PodSuccessRate(%)';

/** A case folder from file name → content. */
function makeCase(name: string, files: Record<string, string>): string {
  const dir = join(root, name);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  return dir;
}

const span = (id: string, parent: string, pod: string, iso: string, us: number) => `aaaa0000aaaa0000aaaa0000aaaa0000,${id},${parent},${pod},GET /x,${ns(iso)},${ns(iso)},${us}`;
const logRow = (pod: string, iso: string, message: string) =>
  `${iso},${ns(iso)},10.0.0.1,${pod},server,,,"${JSON.stringify({ log: `${message}\n`, stream: 'stdout', time: iso }).replace(/"/g, '""')}"`;

const good = {
  'trace/23_59_trace.csv': [traceHeader, span('00000000000000a1', 'root', 'front-5f55b6cf68-77cfw', '2023-01-29T23:59:30Z', 1500)].join('\n'),
  'trace/00_00_trace.csv': [traceHeader, span('00000000000000b1', 'root', 'front-5f55b6cf68-77cfw', '2023-01-30T00:00:20Z', 900), span('00000000000000b2', '00000000000000b1', 'cart-84cbf6c798-7njv6', '2023-01-30T00:00:20Z', 400)].join('\n'),
  'log/00_00_log.csv': [logHeader, logRow('cart-84cbf6c798-7njv6', '2023-01-30T00:00:21Z', 'ERROR cart: "redis" timeout, retrying')].join('\n'),
  'metric/cart-84cbf6c798-7njv6_metric.csv': [
    metricHeader,
    '2023-01-29 23:30:11.0 +0000 UTC m=+1.0,1675035011,cart-84cbf6c798-7njv6,10,20,0.1,0.05,100',
    '2023-01-29 23:31:11.0 +0000 UTC m=+2.0,1675035071,cart-84cbf6c798-7njv6,12,20,NaN,0.06,100',
  ].join('\n'),
  'metric/front_service.csv': 'Time,TimeStamp,ServiceName,SuccessRate(%),LatencyP90(s)\nt,1675035011,Frontend,100,0.3\n',
  'metric/dependency.csv': 'Source,Target,Weight\nfront,cart,1\n',
  'label.json': 'not even JSON: a label is never read',
};

describe('loadNezhaCase', () => {
  it('reads spans, logs, pod metrics, frontend SLIs and the call graph; the window crosses midnight', async () => {
    const r = await loadNezhaCase(makeCase('midnight', good));
    if (!r.ok) throw new Error(r.error);
    const c = r.value;
    expect(c.minutes).toEqual(['00_00', '23_59']);
    expect(c.window).toEqual({ start: Date.parse('2023-01-29T23:58:55Z') / 1000, end: Date.parse('2023-01-30T00:00:50Z') / 1000 });
    expect(c.spans.map((s) => [s.service, s.duration])).toEqual([
      ['front', 900],
      ['cart', 400],
      ['front', 1500],
    ]);
    expect(c.logs).toEqual([{ time: Date.parse('2023-01-30T00:00:21Z') / 1000, pod: 'cart-84cbf6c798-7njv6', service: 'cart', line: 'ERROR cart: "redis" timeout, retrying' }]);
    expect(c.pods).toHaveLength(1);
    expect(c.pods[0].service).toBe('cart');
    expect(c.pods[0].columns['CpuUsageRate(%)']).toEqual([{ t: 1675035011, v: 10 }, { t: 1675035071, v: 12 }]);
    expect(c.pods[0].columns['PodClientLatencyP90(s)'][1].v).toBeNaN();
    expect(c.frontend['LatencyP90(s)']).toEqual([{ t: 1675035011, v: 0.3 }]);
    expect(c.calls).toEqual([['front', 'cart']]);
  });

  it('turns the columns that mean something into metric series, client latency left out', async () => {
    const r = await loadNezhaCase(makeCase('series', good));
    if (!r.ok) throw new Error(r.error);
    const series = metricSeriesOf(r.value.pods);
    expect(series.map((s) => [s.name, s.signal, s.service, s.limit])).toEqual([
      ['CPU usage', 'usage', 'cart', 100],
      ['memory usage', 'usage', 'cart', 100],
      ['p90 server latency', 'latency', 'cart', undefined],
      ['error ratio', 'error-ratio', 'cart', undefined],
    ]);
    expect(series[3].points.map((p) => p.v)).toEqual([0, 0]);
    expect(frontendSeriesOf(r.value).map((s) => s.name)).toEqual(['frontend error ratio', 'frontend p90 latency']);
  });

  it('takes fault-free folders of the same system as the baseline, and ignores others', async () => {
    const c = (await loadNezhaCase(makeCase('same', good))) as { ok: true; value: NezhaCase };
    const other = { ...c.value, spans: c.value.spans.map((s) => ({ ...s, service: `x-${s.service}` })), logs: [] };
    const input = rankInputOf(c.value, [c.value, other]);
    expect(input.baselines).toHaveLength(1);
    expect(input.baselines?.[0].seconds).toBe(115);
  });

  it.each([
    ['no such folder', null, /no-such: no such folder$/],
    ['no minute files', { 'metric/dependency.csv': 'Source,Target\n' }, /: no trace\/HH_MM_trace.csv or log\/HH_MM_log.csv files, so no incident window$/],
    ['a metric file without TimeStamp', { ...good, 'metric/cart-84cbf6c798-7njv6_metric.csv': 'Time,PodName\n' }, /_metric\.csv: no TimeStamp column in the header$/],
  ])('%s is one line naming the file', async (name, files, want) => {
    const dir = files ? makeCase(name.replace(/\W+/g, '-'), files) : join(root, 'no-such');
    const r = await loadNezhaCase(dir);
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(want) });
    if (!r.ok) expect(r.error).not.toMatch(/\n/);
  });

  it('skips what it cannot read, counts it once per file, and reads the rest; a Java ERROR line keeps its time from Timestamp', async () => {
    const dir = makeCase('dirty', {
      ...good,
      'trace/00_00_trace.csv': [good['trace/00_00_trace.csv'], 'aa,00000000000000b3,root,p,op,soon,2,x', span('00000000000000a1', 'root', 'front-5f55b6cf68-77cfw', '2023-01-29T23:59:30Z', 1500)].join('\n'),
      'log/00_00_log.csv': [
        good['log/00_00_log.csv'],
        // As Java wrote them: an impossible TimeUnixNano beside a millisecond Timestamp in UTC without its Z.
        `2023-01-30T00:00:22.295,-6795364578871345152,10.0.0.1,cart-84cbf6c798-7njv6,server,,,"{""log"":""ERROR dispatcherServlet threw exception\\n""}"`,
        '2023,yesterday,n,p,c,,,"{}"',
        'a,1,n,p,c,"{""log"":""a field that breaks the quoting""}",x,y,z',
      ].join('\n'),
      'metric/cart-84cbf6c798-7njv6_metric.csv': [good['metric/cart-84cbf6c798-7njv6_metric.csv'], 't,1675035131,cart-1,10,20,0.1,fast,100', 't,1675035191'].join('\n'),
    });
    const r = await loadNezhaCase(dir);
    if (!r.ok) throw new Error(r.error);
    expect(r.value.notes).toEqual([
      'trace/00_00_trace.csv: 1 span skipped: StartTimeUnixNano is not a nanosecond timestamp',
      // Files are read in name order: here 00_00 comes before the 23_59 that has the span too.
      'trace/23_59_trace.csv: 1 span skipped: a span already read (the minute files overlap)',
      'log/00_00_log.csv: 2 rows skipped: 1 TimeUnixNano out of range and no readable Timestamp; 1 9 fields where the header has 8',
      'log/00_00_log.csv: 1 row kept: TimeUnixNano out of range, the time read from Timestamp',
      'metric/cart-84cbf6c798-7njv6_metric.csv: 2 rows skipped: 1 PodServerLatencyP90(s) is not a number; 1 2 fields where the header has 8',
    ]);
    expect(r.value.spans.map((x) => x.spanId)).toEqual(['00000000000000b1', '00000000000000b2', '00000000000000a1']);
    expect(r.value.logs.map((l) => [l.time, l.line])).toEqual([
      [Date.parse('2023-01-30T00:00:21Z') / 1000, 'ERROR cart: "redis" timeout, retrying'],
      [Date.parse('2023-01-30T00:00:22.295Z') / 1000, 'ERROR dispatcherServlet threw exception'],
    ]);
    expect(r.value.pods[0].columns['CpuUsageRate(%)'].map((p) => p.v)).toEqual([10, 12]);
  });
});

describe('entryOf', () => {
  const at = (vs: number[], shift = 0) => vs.map((v, i) => ({ t: 1000 + 60 * i + shift, v }));
  const values = [0.5, 0.75, 0.4, 1.2, 0.6, 0.9];
  const front = [{ name: 'frontend p90 latency', signal: 'latency' as const, points: at(values) }];
  const pod = (service: string, vs: number[], shift = 1, name = 'p90 server latency') => ({ name, signal: 'latency' as const, service, points: at(vs, shift) });
  it("is the service whose latency quantile is the front end's, point for point", () => {
    const pods = [pod('ui', values), pod('gateway', [0.5, 0.7, 0.3, 1.1, 0.6, 0.8]), pod('cart', values, 1, 'p99 server latency')];
    expect(entryOf(front, pods)).toBe('ui');
    expect(entryOf(front, pods.slice(1))).toBeUndefined();
    expect(entryOf([], pods)).toBeUndefined();
  });
  it('matches each point with the nearest, judges by share, and names none on a tie or too few points', () => {
    // Front-end points 15 s apart; the pod's a second after every other one.
    const dense = [{ name: 'frontend p90 latency', signal: 'latency' as const, points: values.flatMap((v, i) => [{ t: 1000 + 30 * i, v }, { t: 1015 + 30 * i, v: v * 3 }]) }];
    expect(entryOf(dense, [{ ...pod('ui', values), points: values.map((v, i) => ({ t: 1001 + 30 * i, v })) }])).toBe('ui');
    // A service of two pods, one exact and one 5 of 6, has more matches than one exact pod, not a larger share.
    expect(entryOf(front, [pod('web', values), pod('web', [...values.slice(0, 5), 2]), pod('ui', values)])).toBe('ui');
    expect(entryOf(front, [pod('ui', values), pod('ui2', values)])).toBeUndefined();
    expect(entryOf(front, [pod('ui', values.slice(0, 4))])).toBeUndefined();
  });
});

describe.skipIf(!sharedFixtures)('loadNezhaCase on the Nezha cases', () => {
  it('TrainTicket: three minutes of traces and logs, 46 pods', async () => {
    const r = await loadNezhaCase(fixture('rca', 'nezha', 'tt-2023-01-29-travel-exception'));
    if (!r.ok) throw new Error(r.error);
    const c = r.value;
    expect(c.minutes).toEqual(['10_20', '10_21', '10_22']);
    expect(new Date(c.window.start * 1000).toISOString()).toBe('2023-01-29T10:19:55.000Z');
    expect(new Date(c.window.end * 1000).toISOString()).toBe('2023-01-29T10:22:50.000Z');
    expect(c.spans).toHaveLength(3942);
    expect(c.logs).toHaveLength(1833);
    expect(c.logs.every((l) => !l.line.endsWith('\n') && l.service.startsWith('ts-'))).toBe(true);
    expect(c.pods).toHaveLength(46);
    expect(new Set(c.pods.map((p) => p.service))).toContain('ts-travel-service');
    expect(Object.keys(c.frontend)).toContain('LatencyP90(s)');
    // front_service.csv is ts-ui-dashboard's latency, a second off.
    expect(rankInputOf(c).entry).toBe('ts-ui-dashboard');
  });

  it('OnlineBoutique: one minute of traces, no logs, the call graph', async () => {
    const r = await loadNezhaCase(fixture('rca', 'nezha', 'ob-2022-08-23-currency-cpu'));
    if (!r.ok) throw new Error(r.error);
    expect(r.value.minutes).toEqual(['13_29']);
    expect(new Date(r.value.window.start * 1000).toISOString()).toBe('2022-08-23T13:28:55.000Z');
    expect(r.value.spans).toHaveLength(6656);
    expect(r.value.logs).toEqual([]);
    expect(r.value.calls).toContainEqual(['checkoutservice', 'emailservice']);
    expect(new Set(r.value.spans.map((s) => s.service))).toEqual(new Set(r.value.pods.map((p) => p.service)));
    expect(rankInputOf(r.value).entry).toBe('frontend');
  });
});
